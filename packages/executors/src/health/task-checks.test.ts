import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, unwrap, CheckInfo, HealthCheck, type CheckStatusInfo, type TaskInfo } from '@agora/protocol';
import { FakeClock } from '@agora/runtime';
import { startTaskChecks } from './task-checks.ts';
import { exitCode, failed, FakeProbe, httpStatus, settle, tcp } from './fake-probe.ts';
import type { HealthEvent } from './health-judge.ts';
import type { CheckTarget } from './definition.ts';

const task = (extra: Partial<TaskInfo>): TaskInfo => ({ name: 't', task_id: { value: 't1' }, agent_id: { value: 'a' }, command: { shell: true, value: 'sleep 100' }, ...extra });
const healthCheck = (json: object): HealthCheck => unwrap(decode(HealthCheck, json));
const checkInfo = (json: object): CheckInfo => unwrap(decode(CheckInfo, json));

function harness(t: TaskInfo) {
  const clock = new FakeClock(0);
  /** The probes made, in order: the health check's first (when it has one), then the check's. */
  const probes: FakeProbe[] = [];
  const targets: CheckTarget[] = [];
  const health: Array<{ at: number; event: HealthEvent }> = [];
  const checks: Array<{ at: number; status: CheckStatusInfo }> = [];
  const logs: string[] = [];
  const checksHandle = startTaskChecks({
    task: t,
    clock,
    command: { env: {}, cwd: '/nonexistent' },
    onHealth: (event) => health.push({ at: clock.now(), event }),
    onCheck: (status) => checks.push({ at: clock.now(), status }),
    log: (l) => logs.push(l),
    probeFor: (target) => {
      targets.push(target);
      const p = new FakeProbe();
      probes.push(p);
      return p.probe;
    },
  });
  return { clock, probes, targets, health, checks, logs, checks_: checksHandle };
}

/** Advances the clock a millisecond at a time, letting answered probes reach the loop in between. */
async function drive(clock: FakeClock, ms: number): Promise<void> {
  const end = clock.now() + ms;
  clock.advance(0); // what is due now fires now, not a millisecond late
  await settle();
  while (clock.now() < end) {
    clock.advance(1);
    await settle();
  }
}

test('a task with a failing COMMAND health check: delay, then an unhealthy report per attempt, kill after consecutive_failures', async () => {
  const h = harness(task({ health_check: healthCheck({ type: 'COMMAND', command: { value: 'exit 1' }, delay_seconds: 5, interval_seconds: 2, grace_period_seconds: 0, consecutive_failures: 3 }) }));
  const probe = h.probes[0]!;
  probe.auto = exitCode(1);
  await drive(h.clock, 4_900);
  assert.equal(probe.attempts.length, 0, 'nothing before the delay');
  await drive(h.clock, 100);
  assert.equal(probe.attempts.length, 1);
  await drive(h.clock, 4_000);
  assert.deepEqual(h.health.map((e) => [e.at, e.event.healthy, e.event.healthy ? 0 : e.event.consecutiveFailures, e.event.healthy ? false : e.event.killTask]), [
    [5_000, false, 1, false],
    [7_000, false, 2, false],
    [9_000, false, 3, true],
  ]);
  h.checks_.stop();
  await drive(h.clock, 10_000);
  assert.equal(h.health.length, 3, 'nothing after stop');
  assert.equal(h.clock.timers, 0);
});

test('a healthy task reports healthy once; a blip is reported, and so is the recovery', async () => {
  const h = harness(task({ health_check: healthCheck({ type: 'HTTP', http: { port: 80 }, delay_seconds: 0, interval_seconds: 1, grace_period_seconds: 0 }) }));
  const probe = h.probes[0]!;
  probe.auto = httpStatus(200);
  await drive(h.clock, 3_500);
  assert.deepEqual(h.health.map((e) => e.event), [{ healthy: true }]);
  probe.auto = httpStatus(503);
  await drive(h.clock, 1_000);
  probe.auto = httpStatus(302);
  await drive(h.clock, 3_000);
  assert.deepEqual(h.health.map((e) => e.event.healthy), [true, false, true]);
  h.checks_.stop();
});

test('grace period with early failures: ignored until the first success; failures count after the period', async () => {
  const h = harness(task({ health_check: healthCheck({ type: 'TCP', tcp: { port: 1 }, delay_seconds: 0, interval_seconds: 1, grace_period_seconds: 5, consecutive_failures: 2 }) }));
  const probe = h.probes[0]!;
  probe.auto = tcp(false);
  await drive(h.clock, 5_000);
  assert.equal(h.health.length, 0, 'failures within the grace period are not reported');
  await drive(h.clock, 2_000);
  assert.deepEqual(h.health.map((e) => [e.at, e.event.healthy ? 'healthy' : e.event.consecutiveFailures]), [[6_000, 1], [7_000, 2]]);
  assert.equal((h.health[1]!.event as { killTask: boolean }).killTask, true);
  h.checks_.stop();
});

test('timeouts count as health check failures', async () => {
  const h = harness(task({ health_check: healthCheck({ type: 'COMMAND', command: { value: 'sleep 100' }, delay_seconds: 0, interval_seconds: 1, timeout_seconds: 2, grace_period_seconds: 0, consecutive_failures: 1 }) }));
  const probe = h.probes[0]!;
  await drive(h.clock, 2_000);
  assert.equal(probe.attempts[0]!.signal.aborted, true);
  assert.deepEqual(h.health.map((e) => e.event), [{ healthy: false, consecutiveFailures: 1, killTask: true, message: 'COMMAND health check timed out after 2s' }]);
  h.checks_.stop();
});

test('a general check reports each change of its result, never judges, and keeps going', async () => {
  const h = harness(task({ check: checkInfo({ type: 'COMMAND', command: { command: { value: 'x' } }, delay_seconds: 1, interval_seconds: 1, timeout_seconds: 0 }) }));
  const probe = h.probes.at(-1)!;
  probe.auto = exitCode(0);
  await drive(h.clock, 3_000);
  probe.auto = exitCode(3);
  await drive(h.clock, 3_000);
  probe.auto = failed('could not start');
  await drive(h.clock, 2_000);
  assert.deepEqual(h.checks.map((c) => [c.at, c.status]), [
    [1_000, { type: 'COMMAND', command: { exit_code: 0 } }],
    [4_000, { type: 'COMMAND', command: { exit_code: 3 } }],
    [7_000, { type: 'COMMAND', command: {} }],
  ]);
  assert.equal(h.health.length, 0);
  assert.ok(probe.attempts.length >= 7, 'still checking');
  h.checks_.stop();
  assert.equal(h.clock.timers, 0);
});

test('a task with both a health check and a check runs two independent loops', async () => {
  const h = harness(task({
    health_check: healthCheck({ type: 'TCP', tcp: { port: 1 }, delay_seconds: 0, interval_seconds: 1, grace_period_seconds: 0 }),
    check: checkInfo({ type: 'HTTP', http: { port: 2 }, delay_seconds: 0, interval_seconds: 1 }),
  }));
  assert.deepEqual(h.targets, [{ type: 'TCP', host: '127.0.0.1', port: 1 }, { type: 'HTTP', url: 'http://127.0.0.1:2' }]);
  h.probes[0]!.auto = tcp(true);
  h.probes.at(-1)!.auto = httpStatus(204);
  await drive(h.clock, 2_000);
  assert.deepEqual(h.health.map((e) => e.event), [{ healthy: true }]);
  assert.deepEqual(h.checks.map((c) => c.status), [{ type: 'HTTP', http: { status_code: 204 } }]);
  assert.ok(h.checks_.health && h.checks_.check);
  h.checks_.stop();
  assert.equal(h.clock.timers, 0);
});

test('an unrunnable definition is logged and skipped; the other one still runs', async () => {
  const h = harness(task({
    health_check: healthCheck({ type: 'HTTP' }),
    check: checkInfo({ type: 'TCP', tcp: { port: 3 }, delay_seconds: 0 }),
  }));
  assert.equal(h.checks_.health, undefined);
  assert.ok(h.checks_.check);
  assert.deepEqual(h.logs, ["Not health checking task t1: Expecting 'http' to be set for HTTP health check"]);
  h.checks_.stop();
});

test('a task without checks starts nothing', () => {
  const h = harness(task({}));
  assert.equal(h.checks_.health, undefined);
  assert.equal(h.checks_.check, undefined);
  assert.equal(h.clock.timers, 0);
  h.checks_.stop();
});
