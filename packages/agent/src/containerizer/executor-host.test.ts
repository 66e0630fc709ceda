import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@agora/runtime';
import type { ContainerLaunch } from './containerizer.ts';
import { CONTAINER_ENV } from './environment.ts';
import { ExecutorHostLauncher } from './executor-host.ts';
import { findEntryPoint } from './launcher-entries.ts';
import { listProcesses, readProc } from './process-tree.ts';

const FIXTURES = fileURLToPath(new URL('../testing/fixtures/launcher', import.meta.url));

function setup(t: { after(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'agora-host-'));
  const launcher = new ExecutorHostLauncher({ runtimeDir: dir, entryPoint: findEntryPoint(FIXTURES, 'executor-host'), logger: silentLogger, destroyTimeoutMs: 1000 });
  t.after(async () => {
    await launcher.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, launcher };
}

const launchOf = (id: string, task: string): ContainerLaunch => ({
  containerId: id, frameworkId: 'fw', executorId: id, kind: 'command', executorInfo: { executor_id: { value: id } }, directory: '/tmp',
  env: { FAKE_TASK: task, [CONTAINER_ENV]: id },
});

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
};
const survivors = (tag: string) => listProcesses().filter((p) => p.state !== 'Z' && cmdline(p.pid).startsWith(tag));

// Generous bounds: the host is a Node process whose start-up takes seconds on a loaded machine.
async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('starts the host on first use, launches instances, reports their exit', async (t) => {
  const { launcher } = setup(t);
  const r = await launcher.launch(launchOf('c1', 'exit 3'));
  assert.ok(r.ok, r.ok ? '' : r.error);
  const host = readProc(r.value.pid);
  assert.ok(host, 'LAUNCHED names the host process');
  assert.notEqual(host.sid, readProc(process.pid)!.sid, 'the host runs in its own session');
  const term = await launcher.wait('c1');
  assert.equal(term.status, 3 << 8);
  const again = await launcher.launch(launchOf('c2', 'exit 0'));
  assert.ok(again.ok && again.value.pid === r.value.pid, 'the same host serves later launches');
  assert.equal((await launcher.wait('c2')).status, 0);
  const failed = await launcher.launch(launchOf('c3', ''));
  assert.ok(!failed.ok && /FAKE_TASK/.test(failed.error));
});

test('destroy: the host kills the task; the launcher reports the container gone', async (t) => {
  const { launcher } = setup(t);
  const tag = `97${process.pid % 1000}`;
  const r = await launcher.launch(launchOf('c-kill', `sleep ${tag}1`));
  assert.ok(r.ok);
  await until(() => survivors(`sleep ${tag}`).length === 1);
  await launcher.destroy('c-kill');
  assert.equal((await launcher.wait('c-kill')).status, 9);
  await until(() => survivors(`sleep ${tag}`).length === 0);
});

test('if the host dies, its containers end and the agent kills their task processes itself', async (t) => {
  const { launcher } = setup(t);
  const tag = `96${process.pid % 1000}`;
  const a = await launcher.launch(launchOf('c-a', `sleep ${tag}1 & (setsid sleep ${tag}2 &); wait`));
  const b = await launcher.launch(launchOf('c-b', `sleep ${tag}3`));
  assert.ok(a.ok && b.ok);
  // A task the host spawned but had not reported yet when it died (the race that once left a
  // task running): only the container's marker in its environment says whose it is.
  const u = await launcher.launch({ ...launchOf('c-u', `sleep ${tag}4`), env: { FAKE_TASK: `sleep ${tag}4`, FAKE_UNREPORTED: '1', [CONTAINER_ENV]: 'c-u' } });
  assert.ok(u.ok);
  await until(() => survivors(`sleep ${tag}`).length === 4);
  process.kill(a.value.pid, 'SIGKILL');
  const [ta, tb, tu] = await Promise.all([launcher.wait('c-a'), launcher.wait('c-b'), launcher.wait('c-u')]);
  assert.match(ta.message, /host exited/);
  assert.match(tb.message, /host exited/);
  assert.match(tu.message, /host exited/);
  await until(() => survivors(`sleep ${tag}`).length === 0);
  // The next launch starts a new host.
  const c = await launcher.launch(launchOf('c-c', 'exit 0'));
  assert.ok(c.ok && c.value.pid !== a.value.pid);
});

test('a host left by a previous agent is reused and its unknown instances are destroyed', async (t) => {
  const { dir, launcher } = setup(t);
  const tag = `95${process.pid % 1000}`;
  const first = await launcher.launch(launchOf('old', `sleep ${tag}1`));
  assert.ok(first.ok);
  await until(() => survivors(`sleep ${tag}`).length === 1);
  // A second launcher on the same runtime dir plays the restarted agent.
  const restarted = new ExecutorHostLauncher({ runtimeDir: dir, entryPoint: findEntryPoint(FIXTURES, 'executor-host'), logger: silentLogger });
  t.after(() => restarted.close());
  const r = await restarted.launch(launchOf('new', 'exit 0'));
  assert.ok(r.ok && r.value.pid === first.value.pid, 'the running host is reused');
  await until(() => survivors(`sleep ${tag}`).length === 0);
});

test('no host installed: launch fails with a clear message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-host-'));
  try {
    const l = new ExecutorHostLauncher({ runtimeDir: dir, entryPoint: undefined, logger: silentLogger });
    const r = await l.launch(launchOf('x', 'true'));
    assert.ok(!r.ok && /not installed/.test(r.error));
    assert.deepEqual(l.containers(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
