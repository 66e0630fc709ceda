import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { internal, TaskInfo } from '@agora/protocol';
import { FakeAgentExecutorApi } from '@agora/sdk';
import { connectExecutorHost, type ExecutorHostClient } from './client.ts';
import { startExecutorHost, type ExecutorHostHandle } from './host.ts';

/** Alive and not a zombie. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const task = (id: string, value: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'fake-agent-S0' }, command: { shell: true, value } });

interface World {
  dir: string;
  agent: FakeAgentExecutorApi;
  host: ExecutorHostHandle;
  /** Every task PID reported, for cleanup. */
  pids: number[];
  connect(): Promise<ExecutorHostClient>;
  /** The LAUNCH message for a container whose executor is `executorId`. */
  launchMessage(containerId: string, executorId: string): internal.ExecutorHostMessage;
  /** Sends LAUNCH with this command to the executor once it subscribes. */
  runOnSubscribe(executorId: string, command: string): void;
}

async function world(body: (w: World) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'agora-host-'));
  const commands = new Map<string, string>();
  const agent = await FakeAgentExecutorApi.start({
    autoAcknowledge: true,
    onSubscribe: (sub) => {
      const command = commands.get(sub.executorId);
      if (command !== undefined) sub.send({ type: 'LAUNCH', launch: { task: task(sub.executorId, command) } });
    },
  });
  const started = await startExecutorHost({ socketPath: join(dir, 'run', 'executor-host.sock'), executorOptions: { terminalAckTimeoutMs: 2_000 } });
  assert.ok(started.ok, started.ok ? '' : started.error);
  const host = started.value;
  const clients: ExecutorHostClient[] = [];
  const pids: number[] = [];
  const w: World = {
    dir,
    agent,
    host,
    pids,
    async connect() {
      const c = await connectExecutorHost(host.socketPath, {
        onMessage: (m) => {
          if (m.type === 'TASK_PROCESS') pids.push(m.task_process!.pid);
        },
      });
      assert.ok(c.ok, c.ok ? '' : c.error);
      clients.push(c.value);
      return c.value;
    },
    launchMessage: (containerId, executorId) => ({
      type: 'LAUNCH',
      launch: { container_id: containerId, env: { ...agent.environment(executorId), MESOS_DIRECTORY: dir, PATH: process.env.PATH ?? '' } },
    }),
    runOnSubscribe: (executorId, command) => void commands.set(executorId, command),
  };
  try {
    await body(w);
  } finally {
    for (const c of clients) c.close();
    await host.close();
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const exited = (id: string) => (m: internal.ExecutorHostMessage) => m.type === 'EXITED' && m.exited!.container_id === id;

test('two instances: LAUNCHED, TASK_PROCESS, LIST, EXITED on their own end, DESTROY kills the process group', async () => {
  await world(async (w) => {
    const c = await w.connect();
    w.runOnSubscribe('e-short', 'exit 7');
    w.runOnSubscribe('e-long', 'sleep 30 & echo $! > long-child.pid; wait');
    c.send(w.launchMessage('c-short', 'e-short'));
    c.send(w.launchMessage('c-long', 'e-long'));
    const launched = await Promise.all(['c-short', 'c-long'].map((id) => c.waitFor((m) => m.type === 'LAUNCHED' && m.launched!.container_id === id)));
    assert.deepEqual(launched.map((m) => m.launched!.pid), [process.pid, process.pid]);

    const shortExit = await c.waitFor(exited('c-short'));
    assert.deepEqual(shortExit.exited, { container_id: 'c-short', status: 0, message: 'the terminal status update was acknowledged' });
    assert.equal(w.agent.updates('e-short').at(-1)!.status.message, 'Command exited with status 7');

    const longProcess = await c.waitFor((m) => m.type === 'TASK_PROCESS' && m.task_process!.container_id === 'c-long');
    const leader = longProcess.task_process!.pid;
    await eventually(() => existsSync(join(w.dir, 'long-child.pid')) && readFileSync(join(w.dir, 'long-child.pid'), 'utf8').endsWith('\n'), 'the child pid');
    const child = Number(readFileSync(join(w.dir, 'long-child.pid'), 'utf8'));
    assert.ok(alive(leader) && alive(child));
    assert.ok(c.messages.some((m) => m.type === 'TASK_PROCESS' && m.task_process!.container_id === 'c-short'));

    c.send({ type: 'LIST' });
    const list = await c.waitFor((m) => m.type === 'INSTANCES');
    assert.deepEqual(list.instances!.instances, [{ container_id: 'c-long', executor_id: 'e-long', framework_id: 'fake-framework-0000', task_pids: [leader] }]);

    c.send({ type: 'DESTROY', destroy: { container_id: 'c-long' } });
    const longExit = await c.waitFor(exited('c-long'));
    assert.equal(longExit.exited!.status, 9, 'a destroyed instance reads as killed by SIGKILL');
    await eventually(() => !alive(leader) && !alive(child), 'the whole process group to die');
    assert.deepEqual(w.host.instances(), [], 'finished instances are forgotten');
  });
});

test('LAUNCH_FAILED: an unusable environment, a duplicate container; DESTROY of an unknown container still answers EXITED', async () => {
  await world(async (w) => {
    const c = await w.connect();
    const bad = w.launchMessage('c-bad', 'e-bad');
    delete bad.launch!.env.MESOS_EXECUTOR_ID;
    c.send(bad);
    const failed = await c.waitFor((m) => m.type === 'LAUNCH_FAILED');
    assert.deepEqual(failed.launch_failed, { container_id: 'c-bad', message: 'MESOS_EXECUTOR_ID: expected to be set in the environment' });

    c.send(w.launchMessage('c-1', 'e-1'));
    c.send(w.launchMessage('c-1', 'e-1b'));
    const dup = await c.waitFor((m) => m.type === 'LAUNCH_FAILED' && m.launch_failed!.container_id === 'c-1');
    assert.equal(dup.launch_failed!.message, 'container c-1 already has a running executor instance');

    c.send({ type: 'DESTROY', destroy: { container_id: 'never-was' } });
    const gone = await c.waitFor(exited('never-was'));
    assert.equal(gone.exited!.status, 9);
  });
});

test('a malformed line closes only that connection; instances and other connections are unaffected', async () => {
  await world(async (w) => {
    const good = await w.connect();
    w.runOnSubscribe('e-1', 'sleep 30');
    good.send(w.launchMessage('c-1', 'e-1'));
    await good.waitFor((m) => m.type === 'TASK_PROCESS');

    for (const garbage of ['{not json\n', '{"type":"LAUNCH"}\n', '{"type":"LAUNCHED","launched":{"container_id":"x","pid":1}}\n', 'x'.repeat(2 * 1024 * 1024)]) {
      const raw = createConnection(w.host.socketPath);
      await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
      const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
      raw.on('error', () => undefined);
      raw.write(garbage);
      await closed;
    }
    good.send({ type: 'LIST' });
    const list = await good.waitFor((m) => m.type === 'INSTANCES');
    assert.equal(list.instances!.instances!.length, 1);
    assert.ok(alive(w.pids[0]!));
  });
});

test('the host survives the agent disconnecting: instances keep running, EXITED waits for the next connection', async () => {
  await world(async (w) => {
    const first = await w.connect();
    w.runOnSubscribe('e-1', 'sleep 0.3');
    first.send(w.launchMessage('c-1', 'e-1'));
    await first.waitFor((m) => m.type === 'TASK_PROCESS');
    first.close();
    await first.closed;
    // The task ends while no agent is connected.
    await eventually(() => w.host.instances().length === 0, 'the instance to end');
    assert.equal(w.agent.updates('e-1').at(-1)!.status.state, 'TASK_FINISHED');
    const second = await w.connect();
    const exit = await second.waitFor(exited('c-1'));
    assert.equal(exit.exited!.status, 0);
    second.send({ type: 'LIST' });
    assert.deepEqual((await second.waitFor((m) => m.type === 'INSTANCES')).instances, {});
  });
});

test('SHUTDOWN_HOST destroys every instance, reports them, and closes the socket', async () => {
  await world(async (w) => {
    const c = await w.connect();
    w.runOnSubscribe('e-1', 'sleep 30');
    w.runOnSubscribe('e-2', 'sleep 30');
    c.send(w.launchMessage('c-1', 'e-1'));
    c.send(w.launchMessage('c-2', 'e-2'));
    await eventually(() => w.pids.length === 2, 'two task processes');
    c.send({ type: 'SHUTDOWN_HOST' });
    await w.host.closed;
    assert.deepEqual(c.messages.filter((m) => m.type === 'EXITED').map((m) => [m.exited!.container_id, m.exited!.status]).sort(), [['c-1', 9], ['c-2', 9]]);
    await eventually(() => w.pids.every((p) => !alive(p)), 'the tasks to die');
    assert.ok(!existsSync(w.host.socketPath));
    await c.closed;
  });
});

test('one host per socket; a stale socket file is replaced', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agora-host-'));
  try {
    const path = join(dir, 'h.sock');
    await writeFile(path, ''); // stale: nothing listens
    const a = await startExecutorHost({ socketPath: path });
    assert.ok(a.ok, a.ok ? '' : a.error);
    const b = await startExecutorHost({ socketPath: path });
    assert.ok(!b.ok && b.error === `another executor host is already listening on ${path}`);
    await a.value.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
