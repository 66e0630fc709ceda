/** The bin/ launchers as real processes: what the agent starts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskInfo } from '@agora/protocol';
import { FakeAgentExecutorApi } from '@agora/sdk';
import { connectExecutorHost } from './host/client.ts';

const bin = (name: string) => fileURLToPath(new URL(`../bin/${name}`, import.meta.url));
const task = (id: string, value: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'fake-agent-S0' }, command: { shell: true, value } });

interface Run {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

function run(name: string, args: string[], env: Record<string, string>): Run {
  const child = spawn(bin(name), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exit, stderr: () => stderr };
}

async function withSandbox(body: (dir: string, agent: FakeAgentExecutorApi, commands: Map<string, string>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'agora-bin-'));
  const commands = new Map<string, string>();
  const agent = await FakeAgentExecutorApi.start({
    autoAcknowledge: true,
    onSubscribe: (sub) => {
      const command = commands.get(sub.executorId);
      if (command !== undefined) sub.send({ type: 'LAUNCH', launch: { task: task(sub.executorId, command) } });
    },
  });
  try {
    await body(dir, agent, commands);
  } finally {
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const baseEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/' });

test('agora-command-executor: runs the task and exits 0; an unusable environment exits 1', async () => {
  await withSandbox(async (dir, agent, commands) => {
    commands.set('e-proc', 'echo hello from the task');
    const r = run('agora-command-executor', [], { ...baseEnv(), ...agent.environment('e-proc'), MESOS_DIRECTORY: dir });
    try {
      assert.deepEqual(await r.exit, { code: 0, signal: null }, r.stderr());
    } finally {
      r.child.kill('SIGKILL');
    }
    assert.deepEqual(agent.updates('e-proc').map((u) => u.status.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    assert.notEqual(agent.updates('e-proc')[1]!.status.container_status?.executor_pid, process.pid);
    assert.equal(await readFile(join(dir, 'stdout'), 'utf8'), 'hello from the task\n');

    const bad = run('agora-command-executor', [], { ...baseEnv(), MESOS_FRAMEWORK_ID: 'f', MESOS_AGENT_ENDPOINT: agent.endpoint, MESOS_DIRECTORY: dir });
    assert.equal((await bad.exit).code, 1);
    assert.match(bad.stderr(), /MESOS_EXECUTOR_ID: expected to be set in the environment/);
  });
});

test('agora-command-executor: SIGTERM shuts the task down (TASK_KILLED) and exits 0', async () => {
  await withSandbox(async (dir, agent, commands) => {
    commands.set('e-term', 'sleep 30');
    const r = run('agora-command-executor', [], { ...baseEnv(), ...agent.environment('e-term'), MESOS_DIRECTORY: dir });
    try {
      await agent.waitForCall((c) => c.type === 'UPDATE' && c.update!.status.state === 'TASK_RUNNING', 15_000);
      r.child.kill('SIGTERM');
      assert.deepEqual(await r.exit, { code: 0, signal: null }, r.stderr());
    } finally {
      r.child.kill('SIGKILL');
    }
    assert.equal(agent.updates('e-term').at(-1)!.status.state, 'TASK_KILLED');
  });
});

test('agora-executor-host: LAUNCH over the socket, EXITED, SHUTDOWN_HOST exits 0', async () => {
  await withSandbox(async (dir, agent, commands) => {
    commands.set('e-host', 'exit 0');
    const r = run('agora-executor-host', ['--runtime-dir', join(dir, 'run')], baseEnv());
    try {
      const socket = join(dir, 'run', 'executor-host.sock');
      let client: Awaited<ReturnType<typeof connectExecutorHost>> | undefined;
      const deadline = Date.now() + 15_000;
      while (!(client = await connectExecutorHost(socket)).ok) {
        if (Date.now() > deadline) throw new Error(`the host did not start: ${r.stderr()}`);
        await new Promise((res) => setTimeout(res, 50));
      }
      const c = client.value;
      c.send({ type: 'LAUNCH', launch: { container_id: 'c-1', env: { ...baseEnv(), ...agent.environment('e-host'), MESOS_DIRECTORY: dir } } });
      const launched = await c.waitFor((m) => m.type === 'LAUNCHED', 10_000);
      assert.equal(launched.launched!.pid, r.child.pid);
      const exited = await c.waitFor((m) => m.type === 'EXITED', 10_000);
      assert.deepEqual(exited.exited, { container_id: 'c-1', status: 0, message: 'the terminal status update was acknowledged' });
      c.send({ type: 'SHUTDOWN_HOST' });
      assert.deepEqual(await r.exit, { code: 0, signal: null }, r.stderr());
    } finally {
      r.child.kill('SIGKILL');
    }
  });
});
