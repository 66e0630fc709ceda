/**
 * RUN_TASK_GROUP end to end inside one agent, with the real default executor from
 * packages/executors/bin (`--launcher-dir`), in both of its modes: an executor-host instance and
 * its own process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { internal, KillPolicy, TaskInfo } from '@agora/protocol';
import { DEFAULT_LAUNCHER_DIR } from './config.ts';
import { eventually, FRAMEWORK_INFO, startTestAgent, type TestAgent } from './testing/agent-harness.ts';

const task = (id: string, command: string, extra: Partial<TaskInfo> = {}): TaskInfo => ({
  name: id,
  task_id: { value: id },
  agent_id: { value: 'S1' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
  command: { shell: true, value: command },
  ...extra,
});

const runGroup = (a: TestAgent, executorId: string, tasks: TaskInfo[], executor: Partial<internal.RunTaskGroup['executor']> = {}) =>
  a.master.send({
    type: 'RUN_TASK_GROUP',
    run_task_group: {
      framework: FRAMEWORK_INFO,
      executor: { executor_id: { value: executorId }, type: 'DEFAULT', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }], ...executor },
      task_group: { tasks },
    },
  });

/** The newest status of each task, as the master saw them. */
const latest = (a: TestAgent) => {
  const out = new Map<string, { state: string; reason?: string; message?: string }>();
  for (const m of a.master.of('STATUS_UPDATE')) {
    const s = m.status_update!.update.status;
    out.set(s.task_id.value, { state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...(s.message ? { message: s.message } : {}) });
  }
  return out;
};
const stateOf = (a: TestAgent, id: string) => latest(a).get(id)?.state;
const statesOf = (a: TestAgent, id: string) => a.master.updates().filter((u) => u.startsWith(`${id}:`)).map((u) => u.slice(id.length + 1));

async function agentWith(t: { after(fn: () => unknown): void }, mode: 'host' | 'process', extra: string[] = []): Promise<TestAgent> {
  const a = await startTestAgent(t, [`--launcher-dir=${DEFAULT_LAUNCHER_DIR}`, `--default-executor=${mode}`, ...extra]);
  a.master.autoAck = true;
  return a;
}

for (const mode of ['host', 'process'] as const) {
  test(`${mode}: a group runs in per-task sandboxes; /state shows the tasks under the group's executor; the executor ends after the last ack`, async (t) => {
    const a = await agentWith(t, mode);
    runGroup(a, 'pod', [task('web', 'echo web in $MESOS_SANDBOX; sleep 0.5'), task('side', 'echo side')]);
    await eventually(() => stateOf(a, 'web') === 'TASK_RUNNING' && stateOf(a, 'side') !== undefined, 30_000, 'the group to run');
    const state = (await (await fetch(`${a.url}/state`)).json()) as { frameworks: Array<{ executors: Array<{ id: string; type?: string; directory: string; tasks: Array<{ id: string; executor_id: string }>; completed_tasks: Array<{ id: string }> }> }> };
    const ex = state.frameworks[0]!.executors.find((e) => e.id === 'pod')!;
    const ids = [...ex.tasks, ...ex.completed_tasks].map((x) => x.id).sort();
    assert.deepEqual(ids, ['side', 'web']);
    for (const x of ex.tasks) assert.equal(x.executor_id, 'pod');
    await eventually(() => stateOf(a, 'web') === 'TASK_FINISHED' && stateOf(a, 'side') === 'TASK_FINISHED', 30_000, 'both tasks to finish');
    assert.deepEqual(statesOf(a, 'web'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const dir = ex.directory;
    assert.equal(readFileSync(join(dir, 'tasks', 'web', 'stdout'), 'utf8'), `web in ${join(dir, 'tasks', 'web')}\n`);
    assert.equal(readFileSync(join(dir, 'tasks', 'side', 'stdout'), 'utf8'), 'side\n');
    // The default executor is not a command executor: the master hears of its exit.
    await eventually(() => a.master.of('EXECUTOR_EXITED').length === 1, 30_000, 'EXECUTOR_EXITED');
    assert.equal(a.master.of('EXECUTOR_EXITED')[0]!.executor_exited!.executor_id.value, 'pod');
    const files = await fetch(`${a.url}/files/read?path=${encodeURIComponent(join(dir, 'tasks', 'side', 'stdout'))}&offset=0`);
    assert.equal(((await files.json()) as { data: string }).data, 'side\n');
  });
}

test('host: one task failing kills the rest of its group; KILL_TASK of one task kills the whole group', async (t) => {
  const a = await agentWith(t, 'host');
  runGroup(a, 'pod-a', [task('fail', 'sleep 0.3; exit 2'), task('sleepy', 'sleep 30')]);
  await eventually(() => stateOf(a, 'sleepy') === 'TASK_KILLED', 30_000, 'the sibling to be killed');
  assert.deepEqual(latest(a).get('fail'), { state: 'TASK_FAILED', message: 'Command exited with status 2' });

  const grace: KillPolicy = { grace_period: { nanoseconds: 200e6 } };
  runGroup(a, 'pod-b', [task('k1', 'sleep 30', { kill_policy: grace }), task('k2', 'sleep 30', { kill_policy: grace }), task('k3', 'sleep 30')]);
  await eventually(() => ['k1', 'k2', 'k3'].every((id) => stateOf(a, id) === 'TASK_RUNNING'), 30_000, 'the second group to run');
  a.master.send({ type: 'KILL_TASK', kill_task: { framework_id: FRAMEWORK_INFO.id, task_id: { value: 'k2' } } });
  await eventually(() => ['k1', 'k2', 'k3'].every((id) => stateOf(a, id) === 'TASK_KILLED'), 30_000, 'the whole group to be killed');
});

test('process: a group that cannot start fails as a whole; the executor process dying fails what is left (REASON_EXECUTOR_TERMINATED)', async (t) => {
  const a = await agentWith(t, 'process');
  runGroup(a, 'pod-bad', [task('good', 'sleep 30'), task('bad', '', { command: { shell: false, value: '/nonexistent/agora' } })]);
  await eventually(() => stateOf(a, 'good') === 'TASK_FAILED' && stateOf(a, 'bad') === 'TASK_FAILED', 30_000, 'the group to fail');
  assert.equal(latest(a).get('good')!.reason, 'REASON_CONTAINER_LAUNCH_FAILED');

  runGroup(a, 'pod-dies', [task('x1', 'sleep 30'), task('x2', 'sleep 30')]);
  await eventually(() => stateOf(a, 'x1') === 'TASK_RUNNING' && stateOf(a, 'x2') === 'TASK_RUNNING', 30_000, 'the group to run');
  const ex = a.agent.core.frameworks.get('fw-1')!.executors.get('pod-dies')!;
  process.kill(ex.pid!, 'SIGKILL');
  await eventually(() => stateOf(a, 'x1') === 'TASK_FAILED' && stateOf(a, 'x2') === 'TASK_FAILED', 30_000, 'the tasks to fail');
  assert.equal(latest(a).get('x1')!.reason, 'REASON_EXECUTOR_TERMINATED');
  assert.ok(existsSync(join(ex.directory, 'tasks', 'x1')));
});

test('SHUTDOWN_EXECUTOR: the default executor kills its tasks (TASK_KILLED) and ends', async (t) => {
  const a = await agentWith(t, 'host');
  runGroup(a, 'pod-s', [task('s1', 'sleep 30'), task('s2', 'sleep 30')], { shutdown_grace_period: { nanoseconds: 3e9 } });
  await eventually(() => stateOf(a, 's1') === 'TASK_RUNNING' && stateOf(a, 's2') === 'TASK_RUNNING', 30_000, 'the group to run');
  a.master.send({ type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: FRAMEWORK_INFO.id, executor_id: { value: 'pod-s' } } });
  await eventually(() => stateOf(a, 's1') === 'TASK_KILLED' && stateOf(a, 's2') === 'TASK_KILLED', 30_000, 'the tasks to be killed');
  await eventually(() => a.master.of('EXECUTOR_EXITED').length === 1, 30_000, 'EXECUTOR_EXITED');
});
