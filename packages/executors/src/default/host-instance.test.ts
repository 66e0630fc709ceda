/** The default executor as an executor-host instance: LAUNCH with `kind: DEFAULT` (and without a kind, a command executor). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { internal, TaskInfo } from '@agora/protocol';
import { FakeAgentExecutorApi } from '@agora/sdk';
import { connectExecutorHost } from '../host/client.ts';
import { startExecutorHost } from '../host/host.ts';

const task = (id: string, value: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'fake-agent-S0' }, command: { shell: true, value } });

test('host: LAUNCH kind DEFAULT runs a task group (TASK_PROCESS per task); a LAUNCH without kind is still a command executor', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agora-host-default-'));
  const agent = await FakeAgentExecutorApi.start({
    autoAcknowledge: true,
    onSubscribe: (sub) => {
      if (sub.executorId === 'pod') sub.send({ type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks: [task('p1', 'echo p1; sleep 0.3'), task('p2', 'echo p2')] } } });
      else sub.send({ type: 'LAUNCH', launch: { task: task('c1', 'echo c1') } });
    },
  });
  const host = await startExecutorHost({ socketPath: join(dir, 'executor-host.sock'), executorOptions: { terminalAckTimeoutMs: 2_000 } });
  assert.ok(host.ok, host.ok ? '' : host.error);
  const seen: internal.ExecutorHostMessage[] = [];
  const client = await connectExecutorHost(host.value.socketPath, { onMessage: (m) => void seen.push(m) });
  assert.ok(client.ok);
  const env = (executorId: string, sandbox: string) => ({ ...agent.environment(executorId), MESOS_DIRECTORY: sandbox, PATH: process.env.PATH ?? '' });
  try {
    client.value.send({ type: 'LAUNCH', launch: { container_id: 'c-pod', env: env('pod', dir), kind: 'DEFAULT' } });
    const exited = await client.value.waitFor((m) => m.type === 'EXITED' && m.exited!.container_id === 'c-pod', 10_000);
    assert.equal(exited.exited!.status, 0);
    assert.equal(seen.filter((m) => m.type === 'TASK_PROCESS' && m.task_process!.container_id === 'c-pod').length, 2);
    assert.equal(await readFile(join(dir, 'tasks', 'p1', 'stdout'), 'utf8'), 'p1\n');
    assert.deepEqual(agent.updates('p2').map((u) => u.status.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);

    await mkdir(join(dir, 'cmd'));
    client.value.send({ type: 'LAUNCH', launch: { container_id: 'c-cmd', env: env('cmd', join(dir, 'cmd')) } });
    await client.value.waitFor((m) => m.type === 'EXITED' && m.exited!.container_id === 'c-cmd', 10_000);
    assert.equal(agent.updates('c1').at(-1)!.status.state, 'TASK_FINISHED');
    assert.equal(await readFile(join(dir, 'cmd', 'stdout'), 'utf8'), 'c1\n', 'a command executor: the task ran in the sandbox itself');
  } finally {
    client.value.close();
    await host.value.close();
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  }
});
