/** `bin/agora-default-executor` as a real process: what the agent starts in process mode. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskInfo } from '@agora/protocol';
import { FakeAgentExecutorApi } from '@agora/sdk';

const BIN = fileURLToPath(new URL('../../bin/agora-default-executor', import.meta.url));
const task = (id: string, value: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'fake-agent-S0' }, command: { shell: true, value } });

test('agora-default-executor: runs a group in task sandboxes and exits 0; --help; a bad environment exits 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agora-default-bin-'));
  const agent = await FakeAgentExecutorApi.start({
    autoAcknowledge: true,
    onSubscribe: (sub) => sub.send({ type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks: [task('one', 'echo one'), task('two', 'echo two')] } } }),
  });
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/' };
  const run = (env: Record<string, string>, args: string[] = []) => {
    const child = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errText = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, exit, out: () => out, err: () => errText };
  };
  try {
    const r = run({ ...base, ...agent.environment('pod-exec'), MESOS_DIRECTORY: dir });
    try {
      assert.equal(await r.exit, 0, r.err());
    } finally {
      r.child.kill('SIGKILL');
    }
    assert.equal(await readFile(join(dir, 'tasks', 'one', 'stdout'), 'utf8'), 'one\n');
    assert.equal(await readFile(join(dir, 'tasks', 'two', 'stdout'), 'utf8'), 'two\n');
    assert.deepEqual(agent.updates('two').map((u) => u.status.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    assert.notEqual(agent.updates('two')[1]!.status.container_status?.executor_pid, process.pid);

    const help = run(base, ['--help']);
    assert.equal(await help.exit, 0);
    assert.match(help.out(), /^Usage: agora-default-executor/);
    const bad = run({ ...base, MESOS_FRAMEWORK_ID: 'f', MESOS_AGENT_ENDPOINT: agent.endpoint, MESOS_DIRECTORY: dir });
    assert.equal(await bad.exit, 1);
    assert.match(bad.err(), /MESOS_EXECUTOR_ID: expected to be set in the environment/);
  } finally {
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  }
});
