import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from '@agora/services/testing';
import { main } from '../main.ts';
import { testIO } from '../test-io.ts';

// A real services daemon in process (HTTP on a free port) on the SDK's FakeMaster.
let h: Harness;
let dir: string;
before(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'agora-app-cli-'));
});
after(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = async (...args: string[]) => {
  const t = testIO();
  const code = await main([...args, `--services=${h.url}`], t.io);
  return { code, out: t.out(), err: t.err() };
};

test('app deploy follows the deployment until the app converged; list, scale, versions, rollback, rm', async () => {
  const file = join(dir, 'web.json');
  writeFileSync(file, JSON.stringify({ id: 'web', cmd: 'sleep 1000', cpus: 0.1, mem: 16, instances: 2 }));
  const d = await run('app', 'deploy', file, '--timeout=20s');
  assert.equal(d.code, 0, d.err);
  assert.match(d.out, /\/web: 2\/2 running/);
  assert.match(d.out, /deployment .* finished/);
  const list = await run('app', 'list');
  assert.match(list.out, /\/web\s+2\/2\s+-\s+0\.1\s+16\s+stable/);
  const scale = await run('app', 'scale', '/web', '3', '--timeout=20s');
  assert.equal(scale.code, 0, scale.err);
  const versions = await run('app', 'versions', '/web', '--json');
  assert.equal((JSON.parse(versions.out) as string[]).length, 2);
  const rb = await run('app', 'rollback', '/web', '--timeout=20s');
  assert.equal(rb.code, 0, rb.err);
  const show = await run('app', 'show', '/web');
  assert.equal((JSON.parse(show.out) as { instances: number }).instances, 2);
  const rm = await run('app', 'rm', '/web', '--timeout=20s');
  assert.equal(rm.code, 0, rm.err);
  assert.equal((await run('app', 'show', '/web')).code, 1);
});

test('app deploy prints 422 details with their field paths and exits 1', async () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ id: '/bad', cmd: 'x', cpus: 0, upgradeStrategy: { maximumOverCapacity: 3 } }));
  const r = await run('app', 'deploy', file);
  assert.equal(r.code, 1);
  assert.match(r.err, /422: Object is not valid/);
  assert.match(r.err, /\/cpus: got 0, expected 0\.001 or more/);
  assert.match(r.err, /\/upgradeStrategy\/maximumOverCapacity: is greater than 1/);
});

test('a deployment that fails its progress deadline makes deploy exit 1', async () => {
  h.failing.add('doomed.');
  const file = join(dir, 'doomed.json');
  writeFileSync(file, JSON.stringify({ id: '/doomed', cmd: 'exit 1', cpus: 0.1, mem: 16, upgradeStrategy: { progressDeadlineSeconds: 1 } }));
  const r = await run('app', 'deploy', file, '--timeout=20s');
  assert.equal(r.code, 1);
  assert.match(r.err, /ended without the app converging/);
  h.failing.delete('doomed.');
  await run('app', 'rm', '/doomed', '--no-wait');
});

test('app deploy reads YAML app files (a mirror of the JSON) and names a broken one', async () => {
  const file = join(dir, 'yaml-app.yaml');
  writeFileSync(file, 'id: /yaml-app\ncmd: sleep 1000\ncpus: 0.1\nmem: 16\ninstances: 0\nlabels:\n  team: web\n');
  const ok = await run('app', 'deploy', file, '--json');
  assert.equal(ok.code, 0, ok.err);
  const shown = await run('app', 'show', '/yaml-app', '--json');
  assert.equal(shown.code, 0, shown.err);
  assert.deepEqual((JSON.parse(shown.out) as { labels: Record<string, string> }).labels, { team: 'web' });

  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, 'id: [unclosed\n');
  const r = await run('app', 'deploy', bad);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.yml is not valid YAML/);
});
