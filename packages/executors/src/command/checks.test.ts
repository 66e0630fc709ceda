/**
 * The command executor with health checks and checks, end to end against a fake agent: real task
 * processes, real probes, real (short) intervals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, unwrap, CheckInfo, HealthCheck, type TaskInfo, type TaskStatus } from '@agora/protocol';
import { FakeAgentExecutorApi, type FakeAgentOptions } from '@agora/sdk';
import { startCommandExecutor, type CommandExecutorHandle } from './start.ts';

async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const healthCheck = (json: object): HealthCheck => unwrap(decode(HealthCheck, json));
const checkInfo = (json: object): CheckInfo => unwrap(decode(CheckInfo, json));

const task = (value: string, extra: Partial<TaskInfo> = {}): TaskInfo => ({
  name: 't1',
  task_id: { value: 't1' },
  agent_id: { value: 'fake-agent-S0' },
  command: { shell: true, value },
  ...extra,
});

interface Scenario {
  agent: FakeAgentExecutorApi;
  sandbox: string;
  handle: CommandExecutorHandle;
  statuses(): TaskStatus[];
  waitFor(pred: (s: TaskStatus) => boolean, what: string): Promise<TaskStatus>;
  launch(task: TaskInfo): void;
}

async function scenario(body: (s: Scenario) => Promise<void>, agentOpts: FakeAgentOptions = {}): Promise<void> {
  const agent = await FakeAgentExecutorApi.start({ autoAcknowledge: true, ...agentOpts });
  const sandbox = await mkdtemp(join(tmpdir(), 'agora-cmd-checks-'));
  const pids: number[] = [];
  const started = startCommandExecutor(
    { ...agent.environment('exec-1'), MESOS_DIRECTORY: sandbox, PATH: process.env.PATH ?? '' },
    { terminalAckTimeoutMs: 2_000, onTaskProcess: (pid) => pids.push(pid) },
  );
  assert.ok(started.ok, started.ok ? '' : started.error);
  const handle = started.value;
  const statuses = () => agent.updates('t1').map((u) => u.status);
  const s: Scenario = {
    agent,
    sandbox,
    handle,
    statuses,
    async waitFor(pred, what) {
      await eventually(() => statuses().some(pred), `${what} (seen: ${statuses().map((x) => x.state + (x.reason ? `/${x.reason}` : '')).join(', ')})`);
      return statuses().find(pred)!;
    },
    launch: (t) => assert.ok(agent.send('exec-1', { type: 'LAUNCH', launch: { task: t } })),
  };
  try {
    await eventually(() => agent.subscription('exec-1') !== undefined, 'subscription');
    await body(s);
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

test('a task whose health check keeps failing is killed after consecutive_failures: TASK_KILLED with healthy false', async () => {
  await scenario(async (s) => {
    s.launch(task('sleep 100', {
      health_check: healthCheck({ type: 'COMMAND', command: { value: 'exit 1' }, delay_seconds: 0, interval_seconds: 0.05, grace_period_seconds: 0, consecutive_failures: 3 }),
      kill_policy: { grace_period: { nanoseconds: 1e9 } },
    }));
    const killed = await s.waitFor((x) => x.state === 'TASK_KILLED', 'TASK_KILLED');
    const all = s.statuses();
    assert.deepEqual(all.map((x) => [x.state, x.reason, x.healthy]), [
      ['TASK_STARTING', undefined, undefined],
      ['TASK_RUNNING', undefined, undefined],
      ['TASK_RUNNING', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', false],
      ['TASK_RUNNING', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', false],
      ['TASK_RUNNING', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', false],
      ['TASK_KILLING', undefined, undefined],
      ['TASK_KILLED', undefined, false],
    ]);
    assert.equal(killed.message, 'Command terminated with signal SIGTERM');
    assert.equal(killed.reason, undefined, 'Mesos sets no reason on a health-check kill');
    const unhealthy = all.filter(isHealth);
    assert.equal(unhealthy[0]!.container_status?.executor_pid, process.pid, 'health updates repeat the last status (container_status kept)');
    assert.equal(unhealthy[0]!.source, 'SOURCE_EXECUTOR');
    assert.notEqual(unhealthy[0]!.uuid, unhealthy[1]!.uuid, 'each update is new');
    await s.handle.done;
  }, { frameworkInfo: { name: 'f', user: process.env.USER ?? 'root', capabilities: [{ type: 'TASK_KILLING_STATE' }] } });
});

test('a healthy task reports healthy once; a KILL then ends it without a health verdict', async () => {
  await scenario(async (s) => {
    s.launch(task('sleep 100', {
      health_check: healthCheck({ type: 'COMMAND', command: { value: 'test "$MESOS_TASK_ID" = t1 && test "$(pwd)" = "$MESOS_SANDBOX"' }, delay_seconds: 0, interval_seconds: 0.05, grace_period_seconds: 0 }),
    }));
    await s.waitFor((x) => isHealth(x) && x.healthy === true, 'healthy (the check ran in the sandbox with the task environment)');
    await sleep(400); // several more healthy results: none is reported
    assert.equal(s.statuses().filter(isHealth).length, 1);
    assert.ok(s.agent.send('exec-1', { type: 'KILL', kill: { task_id: { value: 't1' } } }));
    const killed = await s.waitFor((x) => x.state === 'TASK_KILLED', 'TASK_KILLED');
    assert.equal(killed.healthy, undefined, 'not killed by its health check');
  });
});

test('HTTP health check against a server on the loopback: healthy; grace period hides early failures', async () => {
  let up = false;
  const server = createServer((_req, res) => res.writeHead(up ? 200 : 503).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    await scenario(async (s) => {
      s.launch(task('sleep 100', {
        health_check: healthCheck({ type: 'HTTP', http: { port, path: '/health' }, delay_seconds: 0, interval_seconds: 0.05, grace_period_seconds: 30, consecutive_failures: 1 }),
      }));
      await s.waitFor((x) => x.state === 'TASK_RUNNING', 'TASK_RUNNING');
      await sleep(300);
      assert.equal(s.statuses().filter(isHealth).length, 0, 'failures within the grace period are not reported (and do not kill)');
      up = true;
      await s.waitFor((x) => isHealth(x) && x.healthy === true, 'healthy');
    });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('a check whose result flips reports each change as TASK_RUNNING with check_status, and never kills', async () => {
  await scenario(async (s) => {
    const flag = join(s.sandbox, 'ready');
    s.launch(task('sleep 100', {
      check: checkInfo({ type: 'COMMAND', command: { command: { value: `test -f ${flag}` } }, delay_seconds: 0, interval_seconds: 0.05, timeout_seconds: 5 }),
    }));
    const starting = await s.waitFor((x) => x.state === 'TASK_STARTING', 'TASK_STARTING');
    assert.deepEqual(starting.check_status, { type: 'COMMAND', command: {} }, 'fresh statuses carry the empty check status');
    const running = await s.waitFor((x) => x.state === 'TASK_RUNNING' && x.reason === undefined, 'TASK_RUNNING');
    assert.deepEqual(running.check_status, { type: 'COMMAND', command: {} });
    await s.waitFor((x) => isCheck(x) && x.check_status?.command?.exit_code === 1, 'exit code 1');
    await writeFile(flag, '');
    await s.waitFor((x) => isCheck(x) && x.check_status?.command?.exit_code === 0, 'exit code 0');
    await unlink(flag);
    await eventually(() => s.statuses().filter(isCheck).length === 3, 'the flip back to 1');
    const checks = s.statuses().filter(isCheck);
    assert.deepEqual(checks.map((x) => [x.state, x.check_status?.command?.exit_code]), [['TASK_RUNNING', 1], ['TASK_RUNNING', 0], ['TASK_RUNNING', 1]]);
    assert.equal(checks[0]!.container_status?.executor_pid, process.pid);
    assert.ok(!s.statuses().some((x) => x.state !== 'TASK_STARTING' && x.state !== 'TASK_RUNNING'), 'the task still runs');
  });
});

test('health and check updates keep each other: a check update carries the last healthy, a health update the last check_status', async () => {
  await scenario(async (s) => {
    const flag = join(s.sandbox, 'flag');
    s.launch(task('sleep 100', {
      health_check: healthCheck({ type: 'COMMAND', command: { value: 'true' }, delay_seconds: 0, interval_seconds: 0.05, grace_period_seconds: 0 }),
      check: checkInfo({ type: 'COMMAND', command: { command: { value: `test -f ${flag}` } }, delay_seconds: 0.3, interval_seconds: 0.05 }),
    }));
    await s.waitFor((x) => isHealth(x) && x.healthy === true, 'healthy');
    const check = await s.waitFor((x) => isCheck(x), 'a check update');
    assert.equal(check.healthy, true, 'the check update keeps healthy');
    assert.deepEqual(check.check_status, { type: 'COMMAND', command: { exit_code: 1 } });
    const health = s.statuses().find(isHealth)!;
    assert.deepEqual(health.check_status, { type: 'COMMAND', command: {} }, 'the health update kept the check status of its time');
  });
});

test('a TCP check reports whether the port accepts connections', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    await scenario(async (s) => {
      s.launch(task('sleep 100', { check: checkInfo({ type: 'TCP', tcp: { port }, delay_seconds: 0, interval_seconds: 0.05 }) }));
      const first = await s.waitFor(isCheck, 'a check update');
      assert.deepEqual(first.check_status, { type: 'TCP', tcp: { succeeded: true } });
      server.close();
      const second = await s.waitFor((x) => isCheck(x) && x.check_status?.tcp?.succeeded === false, 'the port closed');
      assert.equal(second.state, 'TASK_RUNNING');
    });
  } finally {
    server.close();
  }
});

test('checks stop when the task ends: nothing after the terminal update, no check process left', async () => {
  await scenario(async (s) => {
    const marker = join(s.sandbox, 'checks');
    s.launch(task('sleep 0.4', {
      check: checkInfo({ type: 'COMMAND', command: { command: { value: `echo $$ >> ${marker}` } }, delay_seconds: 0, interval_seconds: 0.02 }),
      health_check: healthCheck({ type: 'COMMAND', command: { value: 'true' }, delay_seconds: 0, interval_seconds: 0.02, grace_period_seconds: 0 }),
    }));
    await s.waitFor((x) => x.state === 'TASK_FINISHED', 'TASK_FINISHED');
    const count = s.statuses().length;
    const runs = readFileSync(marker, 'utf8').trim().split('\n').length;
    await sleep(300);
    assert.equal(s.statuses().length, count, 'no update after the terminal one');
    assert.equal(readFileSync(marker, 'utf8').trim().split('\n').length, runs, 'no check ran after the task ended');
    const last = s.statuses().at(-1)!;
    assert.deepEqual(last.check_status, { type: 'COMMAND', command: {} }, 'the terminal status is fresh: the empty check status');
    assert.equal(last.healthy, undefined);
    await s.handle.done;
  });
});
