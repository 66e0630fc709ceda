/** Health checks and checks of the tasks of a task group in the default executor (real processes, fake agent). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, unwrap, CheckInfo, HealthCheck, type TaskInfo, type TaskStatus } from '@agora/protocol';
import { FakeAgentExecutorApi } from '@agora/sdk';
import { startDefaultExecutor, type DefaultExecutorHandle } from './start.ts';

const EXECUTOR = 'default-exec';

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const healthCheck = (json: object): HealthCheck => unwrap(decode(HealthCheck, json));
const checkInfo = (json: object): CheckInfo => unwrap(decode(CheckInfo, json));

const task = (id: string, command: string, extra: Partial<TaskInfo> = {}): TaskInfo => ({
  name: id,
  task_id: { value: id },
  agent_id: { value: 'fake-agent-S0' },
  command: { shell: true, value: command },
  ...extra,
});

interface Pod {
  agent: FakeAgentExecutorApi;
  sandbox: string;
  handle: DefaultExecutorHandle;
  statuses(taskId: string): TaskStatus[];
  launchGroup(...tasks: TaskInfo[]): void;
}

async function pod(body: (p: Pod) => Promise<void>): Promise<void> {
  const agent = await FakeAgentExecutorApi.start({ autoAcknowledge: true });
  const sandbox = await mkdtemp(join(tmpdir(), 'agora-default-checks-'));
  const pids: number[] = [];
  const started = startDefaultExecutor(
    { ...agent.environment(EXECUTOR), MESOS_DIRECTORY: sandbox, PATH: process.env.PATH ?? '' },
    { terminalAckTimeoutMs: 2_000, onTaskProcess: (pid) => pids.push(pid) },
  );
  assert.ok(started.ok, started.ok ? '' : started.error);
  const handle = started.value;
  try {
    await until(() => agent.subscription(EXECUTOR) !== undefined, 'the subscription');
    await body({
      agent,
      sandbox,
      handle,
      statuses: (id) => agent.updates(id).map((u) => u.status),
      launchGroup: (...tasks) => assert.ok(agent.send(EXECUTOR, { type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks } } })),
    });
  } finally {
    handle.destroy();
    await handle.done;
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await agent.close();
    await rm(sandbox, { recursive: true, force: true });
  }
}

const isHealth = (s: TaskStatus) => s.reason === 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';
const isCheck = (s: TaskStatus) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED';

test('a task of a group failing its health check is killed with its group; their terminal updates say healthy: false', async () => {
  await pod(async (p) => {
    p.launchGroup(
      task('web', 'sleep 100', {
        health_check: healthCheck({ type: 'COMMAND', command: { value: 'exit 1' }, delay_seconds: 0, interval_seconds: 0.05, grace_period_seconds: 0, consecutive_failures: 2 }),
        kill_policy: { grace_period: { nanoseconds: 1e9 } },
      }),
      task('sidecar', 'sleep 100'),
    );
    await until(() => p.statuses('web').some((s) => s.state === 'TASK_KILLED') && p.statuses('sidecar').some((s) => s.state === 'TASK_KILLED'), 'both killed');
    assert.deepEqual(p.statuses('web').map((s) => [s.state, s.reason, s.healthy]), [
      ['TASK_STARTING', undefined, undefined],
      ['TASK_RUNNING', undefined, undefined],
      ['TASK_RUNNING', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', false],
      ['TASK_RUNNING', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', false],
      ['TASK_KILLED', undefined, false],
    ]);
    assert.equal(p.statuses('web').at(-1)!.message, 'Command terminated with signal SIGTERM');
    assert.equal(p.statuses('sidecar').at(-1)!.healthy, false, 'the rest of the group ends marked unhealthy too');
    assert.equal(p.statuses('sidecar').filter(isHealth).length, 0, 'the sidecar has no health check of its own');
  });
});

test('each task has its own checks: a healthy task and a checked task, in their own sandboxes', async () => {
  await pod(async (p) => {
    p.launchGroup(
      task('api', 'sleep 100', {
        health_check: healthCheck({ type: 'COMMAND', command: { value: 'test "$(pwd)" = "$MESOS_SANDBOX" && test "$MESOS_TASK_ID" = api' }, delay_seconds: 0, interval_seconds: 0.05, grace_period_seconds: 0 }),
      }),
      task('worker', 'sleep 100', {
        check: checkInfo({ type: 'COMMAND', command: { command: { value: 'test -f ready' } }, delay_seconds: 0, interval_seconds: 0.05 }),
      }),
    );
    await until(() => p.statuses('api').some((s) => isHealth(s) && s.healthy === true), 'api healthy');
    await until(() => p.statuses('worker').some((s) => isCheck(s) && s.check_status?.command?.exit_code === 1), 'worker not ready');
    await writeFile(join(p.sandbox, 'tasks', 'worker', 'ready'), '');
    await until(() => p.statuses('worker').some((s) => isCheck(s) && s.check_status?.command?.exit_code === 0), 'worker ready');
    const worker = p.statuses('worker');
    assert.deepEqual(worker[0]!.check_status, { type: 'COMMAND', command: {} }, 'TASK_STARTING carries the empty check status');
    assert.deepEqual(worker[1]!.check_status, { type: 'COMMAND', command: {} }, 'so does TASK_RUNNING');
    assert.equal(worker.filter(isHealth).length, 0);
    assert.equal(p.statuses('api').filter(isCheck).length, 0);
    assert.equal(p.statuses('api')[0]!.check_status, undefined, 'no check, no check_status');
    assert.ok([...p.statuses('api'), ...worker].every((s) => s.state === 'TASK_STARTING' || s.state === 'TASK_RUNNING'), 'checks never kill');
  });
});

test("a task's checks stop when it ends; the executor then ends", async () => {
  await pod(async (p) => {
    p.launchGroup(task('short', 'sleep 0.3', {
      check: checkInfo({ type: 'COMMAND', command: { command: { value: 'exit 0' } }, delay_seconds: 0, interval_seconds: 0.02 }),
      health_check: healthCheck({ type: 'COMMAND', command: { value: 'true' }, delay_seconds: 0, interval_seconds: 0.02, grace_period_seconds: 0 }),
    }));
    const exit = await p.handle.done;
    assert.equal(exit.destroyed, false);
    const all = p.statuses('short');
    assert.equal(all.at(-1)!.state, 'TASK_FINISHED');
    assert.equal(all.filter((s) => s.state === 'TASK_FINISHED').length, 1);
    assert.ok(all.some(isCheck) && all.some(isHealth));
  });
});
