/**
 * FetchingContainerizer over the fake containerizer: URIs are fetched before the launch, a fetch
 * failure is the launch's failure (nothing launched), and destroying a container during its fetch
 * cancels it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutorInfo } from '@agora/protocol';
import type { ContainerLaunch } from '../containerizer/containerizer.ts';
import { FakeContainerizer } from '../containerizer/fake.ts';
import { FetchingContainerizer } from './containerizer.ts';
import { commandPlugin } from './plugins/command.ts';
import { tempDir, testFetcher } from './testing.ts';

function launchOf(root: string, id: string, uris: NonNullable<ExecutorInfo['command']>['uris']): ContainerLaunch {
  const directory = join(root, id);
  mkdirSync(directory);
  return {
    containerId: id,
    frameworkId: 'F',
    executorId: id,
    kind: 'command',
    executorInfo: { executor_id: { value: id }, command: { shell: false, value: '/bin/true', ...(uris ? { uris } : {}) } },
    directory,
    env: {},
  };
}

test('URIs are fetched into the sandbox before the inner launch; a failure launches nothing', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'payload'), 'payload');
  const inner = new FakeContainerizer();
  const c = new FetchingContainerizer(inner, testFetcher(root));
  const good = launchOf(root, 'good', [{ value: join(root, 'payload'), extract: true }]);
  const r = await c.launch(good);
  assert.ok(r.ok);
  assert.equal(readFileSync(join(good.directory, 'payload'), 'utf8'), 'payload');
  assert.deepEqual(inner.launches.map((l) => l.containerId), ['good']);

  const bad = await c.launch(launchOf(root, 'bad', [{ value: join(root, 'missing'), extract: true }]));
  assert.ok(!bad.ok);
  assert.match(bad.error, /^Failed to fetch '.*\/missing': cannot read/);
  assert.deepEqual(inner.launches.map((l) => l.containerId), ['good']);

  // No URIs: straight to the inner containerizer.
  assert.ok((await c.launch(launchOf(root, 'plain', undefined))).ok);
  assert.deepEqual(c.containers().sort(), ['good', 'plain']);
  await c.close();
});

test('destroying a container while its URIs are fetched cancels the fetch; the launch fails and nothing starts', async (t) => {
  const root = tempDir(t);
  const inner = new FakeContainerizer();
  const slow = commandPlugin({ name: 'slow', schemes: ['slow'], argv: () => ['sleep', '10'] });
  const c = new FetchingContainerizer(inner, testFetcher(root, { plugins: [slow] }));
  const started = Date.now();
  const pending = c.launch(launchOf(root, 'slow', [{ value: 'slow://x/y', extract: true }]));
  setTimeout(() => void c.destroy('slow'), 50);
  const r = await pending;
  assert.ok(!r.ok);
  assert.equal(r.error, 'the container was destroyed while its URIs were being fetched');
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual(inner.launches, []);
  await c.close();
});
