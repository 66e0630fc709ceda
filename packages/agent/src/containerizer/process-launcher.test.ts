import { spawn } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@agora/runtime';
import type { ContainerLaunch } from './containerizer.ts';
import { CONTAINER_ENV } from './environment.ts';
import { ProcessLauncher } from './process-launcher.ts';
import { findContainerProcesses, listProcesses, readProc, startTimeOf } from './process-tree.ts';

function sandbox(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'agora-pl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const launchOf = (dir: string, id: string, command: string, shell = true, args?: string[]): ContainerLaunch => ({
  containerId: id,
  frameworkId: 'fw',
  executorId: 'ex',
  kind: 'custom',
  executorInfo: { executor_id: { value: 'ex' }, command: { shell, value: command, ...(args ? { arguments: args } : {}) } },
  directory: dir,
  env: { [CONTAINER_ENV]: id, MESOS_DIRECTORY: dir, GREETING: 'hello' },
});

const launcher = () => new ProcessLauncher({ logger: silentLogger, entryPoint: () => undefined, baseEnv: { PATH: process.env.PATH } });

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

const survivors = (tag: string) => listProcesses().filter((p) => p.state !== 'Z' && cmdlineOf(p.pid).includes(tag));

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('runs the executor in its sandbox with its environment; output goes to stdout/stderr', async (t) => {
  const dir = sandbox(t);
  const l = launcher();
  const r = await l.launch(launchOf(dir, 'c1', 'echo "$GREETING $(pwd)"; echo oops >&2; exit 3'));
  assert.ok(r.ok);
  const term = await l.wait('c1');
  assert.equal(term.status, 3 << 8);
  assert.match(term.message, /exited with status 3/);
  assert.equal(readFileSync(join(dir, 'stdout'), 'utf8'), `hello ${dir}\n`);
  assert.equal(readFileSync(join(dir, 'stderr'), 'utf8'), 'oops\n');
  assert.deepEqual(l.containers(), []);
});

test('destroy kills the whole tree: children, a grandchild in a new session, re-parented strays', async (t) => {
  const dir = sandbox(t);
  const l = launcher();
  t.after(() => l.close());
  const tag = `99${process.pid % 1000}`;
  const script = [
    `sleep ${tag}1 &`,
    `(setsid sleep ${tag}2 &)`,
    `sh -c 'sleep ${tag}3 & (setsid sh -c "sleep ${tag}4 & wait" &) ; wait' &`,
    `sleep ${tag}5`,
  ].join('\n');
  const r = await l.launch(launchOf(dir, 'c-tree', script));
  assert.ok(r.ok);
  await until(() => survivors(`sleep ${tag}`).length >= 5);
  assert.ok(findContainerProcesses([], `${CONTAINER_ENV}=c-tree`).length >= 6);
  await l.destroy('c-tree');
  const term = await l.wait('c-tree');
  assert.equal(term.status, 9, 'killed by SIGKILL');
  await until(() => survivors(`sleep ${tag}`).length === 0, 5000);
  assert.deepEqual(findContainerProcesses([], `${CONTAINER_ENV}=c-tree`), []);
});

test('an executor that exits leaves nothing behind: wait resolves after its strays are killed', async (t) => {
  const dir = sandbox(t);
  const l = launcher();
  t.after(() => l.close());
  const tag = `98${process.pid % 1000}`;
  const r = await l.launch(launchOf(dir, 'c-exit', `(setsid sleep ${tag}1 &); sleep ${tag}2 & sleep 0.2; exit 0`));
  assert.ok(r.ok);
  const term = await l.wait('c-exit');
  assert.equal(term.status, 0);
  assert.deepEqual(survivors(`sleep ${tag}`), []);
});

test('launch failures are values: a missing executable, an unknown user, a duplicate container', async (t) => {
  const dir = sandbox(t);
  const l = launcher();
  t.after(() => l.close());
  const missing = await l.launch(launchOf(dir, 'c-missing', '/nonexistent/executor', false, ['executor']));
  assert.ok(!missing.ok && /ENOENT/.test(missing.error));
  const user = await l.launch({ ...launchOf(dir, 'c-user', 'true'), user: 'no-such-user-agora' });
  assert.ok(!user.ok && /no such user/.test(user.error));
  const nul = await l.launch({ ...launchOf(dir, 'c-nul', 'true'), env: { BAD: 'a\0b' } });
  assert.ok(!nul.ok);
  const a = await l.launch(launchOf(dir, 'c-dup', 'sleep 5'));
  assert.ok(a.ok);
  const b = await l.launch(launchOf(dir, 'c-dup', 'sleep 5'));
  assert.ok(!b.ok && /already exists/.test(b.error));
  const noEntry = await l.launch({ ...launchOf(dir, 'c-cmd', 'x'), kind: 'command' });
  assert.ok(!noEntry.ok && /not installed/.test(noEntry.error));
});

test('shell=false runs value with arguments as the whole argv', async (t) => {
  const dir = sandbox(t);
  const l = launcher();
  const r = await l.launch(launchOf(dir, 'c-argv', '/bin/sh', false, ['my-sh', '-c', 'echo "$0"']));
  assert.ok(r.ok);
  await l.wait('c-argv');
  assert.equal(readFileSync(join(dir, 'stdout'), 'utf8'), 'my-sh\n');
});

test('recover: a PID is adopted only with its recorded start time; a process that reused the PID is left alone', async (t) => {
  const dir = sandbox(t);
  const first = launcher();
  const started = await first.launch(launchOf(dir, 'c-adopt', 'exec sleep 30'));
  assert.ok(started.ok);
  const pid = started.value.pid;
  const starttime = startTimeOf(pid)!;
  // "The agent dies": a new launcher, which is not the executor's parent, recovers it.
  const second = new ProcessLauncher({ logger: silentLogger, entryPoint: () => undefined, adoptedPollMs: 20 });
  // The adopted-exit poll does not hold the event loop open (an agent's server does); once the
  // killed child is reaped nothing else would, so the test keeps the loop alive itself.
  const keepAlive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(keepAlive));
  const wrong = await second.recover([{ containerId: 'c-adopt', kind: 'custom', pid, starttime: starttime + 1 }]);
  assert.equal(wrong.size, 0, 'another start time: someone else has this PID now');
  const third = new ProcessLauncher({ logger: silentLogger, entryPoint: () => undefined, adoptedPollMs: 20 });
  const stray = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  t.after(() => stray.kill('SIGKILL'));
  const foreign = await third.recover([{ containerId: 'c-foreign', kind: 'custom', pid: stray.pid!, starttime: startTimeOf(stray.pid!)! + 1 }]);
  assert.equal(foreign.size, 0);
  assert.ok(readProc(stray.pid!) !== undefined, 'a process with a reused PID and no marker of ours survives');
  await first.destroy('c-adopt');
});

test('recover: an adopted executor is watched and destroyed like a launched one', async (t) => {
  const dir = sandbox(t);
  const first = launcher();
  const a = await first.launch(launchOf(dir, 'c-a', 'exec sleep 30'));
  const b = await first.launch(launchOf(dir, 'c-b', 'exec sleep 30'));
  assert.ok(a.ok && b.ok);
  const second = new ProcessLauncher({ logger: silentLogger, entryPoint: () => undefined, adoptedPollMs: 20 });
  // As above: once the killed child is reaped, only the (unref'd) poll would remain.
  const keepAlive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(keepAlive));
  const adopted = await second.recover([
    { containerId: 'c-a', kind: 'custom', pid: a.value.pid, starttime: startTimeOf(a.value.pid)! },
    { containerId: 'c-b', kind: 'custom', pid: b.value.pid, starttime: startTimeOf(b.value.pid)! },
    { containerId: 'c-gone', kind: 'custom' },
  ]);
  assert.deepEqual([...adopted].sort(), ['c-a', 'c-b']);
  assert.deepEqual(second.containers().sort(), ['c-a', 'c-b']);
  // One exits on its own (killed from outside), the other is destroyed.
  process.kill(a.value.pid, 'SIGKILL');
  const endA = await second.wait('c-a');
  assert.equal(endA.status, -1, 'not our child: the exit status is unknown');
  await second.destroy('c-b');
  const endB = await second.wait('c-b');
  assert.equal(endB.status, -1);
  assert.equal(findContainerProcesses([], `${CONTAINER_ENV}=c-b`).length, 0);
  assert.deepEqual(second.containers(), []);
});
