/**
 * Health checks and generic checks on real tasks (one master, one agent; the agent's built-in
 * executors run them, not the framework):
 *  - HTTP, TCP and COMMAND health checks: `healthy` on TASK_RUNNING updates with
 *    REASON_TASK_HEALTH_CHECK_STATUS_UPDATED (the first healthy result, every unhealthy one);
 *  - `consecutive_failures` failed checks kill the task: TASK_KILLING, then TASK_KILLED carrying
 *    `healthy: false` (Mesos sets no reason on it);
 *  - failures inside `grace_period_seconds` (before the first success) are not counted;
 *  - generic checks (CheckInfo) report `check_status` and never kill;
 *  - the same under the default executor, for a task of a task group.
 * The tasks serve HTTP with `python3 -m http.server` on a port of their offer.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckInfo, HealthCheck, Offer, Resource, TaskInfo, TaskState, TaskStatus } from '@agora/protocol';
import { newTaskId, SchedulerDriver, type Scheduler } from '@agora/sdk';
import { startCluster, type Cluster } from './support/cluster.ts';
import { freePorts, getJson, waitFor } from './support/processes.ts';

let c: Cluster;
let portBase = 0;
const PORTS = 20;

before(async () => {
  portBase = (await freePorts(PORTS))[0]!;
  c = await startCluster({
    agents: 1,
    masterFlags: ['--allocation-interval=200ms'],
    agentFlags: [`--resources=cpus:4;mem:2048;disk:1024;ports:[${portBase}-${portBase + PORTS - 1}]`],
  });
});

/** A framework that records every update and holds its offers. */
class Recorder {
  readonly driver: SchedulerDriver;
  offers: Offer[] = [];
  readonly updates: TaskStatus[] = [];

  constructor(name: string) {
    const scheduler: Scheduler = {
      offers: (_d, offers) => void this.offers.push(...offers),
      rescind: (id) => void (this.offers = this.offers.filter((o) => o.id.value !== id.value)),
      update: (_d, status) => void this.updates.push(status),
    };
    this.driver = new SchedulerDriver({
      master: c.masterUrl,
      framework: { name, user: 'root', capabilities: [{ type: 'TASK_KILLING_STATE' }] },
      scheduler,
    }).start();
  }

  takeOffer(): Promise<Offer> {
    return waitFor('an offer', () => this.offers.shift());
  }


  of(taskId: string): TaskStatus[] {
    return this.updates.filter((u) => u.task_id.value === taskId);
  }

  states(taskId: string): TaskState[] {
    return this.of(taskId).map((u) => u.state);
  }

  reached(taskId: string, predicate: (u: TaskStatus) => boolean, what: string, timeoutMs = 20_000): Promise<TaskStatus> {
    return waitFor(`${taskId}: ${what} (seen: ${this.of(taskId).map(describe).join(', ') || 'nothing'})`, () => this.of(taskId).find(predicate), timeoutMs);
  }
}
/** A port of the agent's range that no other task of this file has used. */
let portsUsed = 0;
const freshPort = (): number => {
  assert.ok(portsUsed < PORTS, 'the agent has no unused port left');
  return portBase + portsUsed++;
};

const describe = (u: TaskStatus): string =>
  `${u.state}${u.healthy !== undefined ? `/healthy=${u.healthy}` : ''}${u.reason ? `/${u.reason}` : ''}${u.check_status ? `/check=${JSON.stringify(u.check_status)}` : ''}`;

const recorders: Recorder[] = [];
const framework = (name: string): Recorder => {
  const r = new Recorder(name);
  recorders.push(r);
  return r;
};

afterEach(async () => {
  for (const r of recorders.splice(0)) await r.driver.teardown().catch(() => undefined);
});

after(async () => {
  await c?.stop();
});

function resources(port?: number): Resource[] {
  const r: Resource[] = [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
  ];
  if (port !== undefined) r.push({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: port, end: port }] } });
  return r;
}

/** Serves the sandbox over HTTP on `port` (after `delay` seconds), so `/` is 200 and `/missing` 404. */
const serve = (port: number, delay = 0) => `${delay > 0 ? `sleep ${delay}; ` : ''}exec python3 -m http.server ${port} --bind 127.0.0.1`;

function task(offer: Offer, name: string, command: string, port: number | undefined, extra: Partial<TaskInfo>): TaskInfo {
  return { name, task_id: { value: newTaskId(name) }, agent_id: offer.agent_id, resources: resources(port), command: { shell: true, value: command }, ...extra };
}

async function launch(r: Recorder, t: TaskInfo): Promise<string> {
  const offer = await r.takeOffer();
  const res = await r.driver.launch(offer, [{ ...t, agent_id: offer.agent_id }], { refuse_seconds: 0 });
  assert.ok(res.ok, JSON.stringify(res.ok ? '' : res.error));
  return t.task_id.value;
}

/**
 * Fast timings for tests: checks start at once and repeat every 300 ms. The timeout is long so
 * that a slow machine never turns a check into a timed-out (failed) one.
 */
const fast = { delay_seconds: 0, interval_seconds: 0.3, timeout_seconds: 10 };
const isHealthUpdate = (u: TaskStatus) => u.state === 'TASK_RUNNING' && u.reason === 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';

test('HTTP health check: a serving task is reported healthy once, on a TASK_RUNNING update; the master shows it', async () => {
  const r = framework('health-http');
  const port = freshPort();
  const offer = await r.takeOffer();
  r.offers.unshift(offer);
  const health: HealthCheck = { type: 'HTTP', http: { protocol: 'IPv4', port, path: '/' }, ...fast, consecutive_failures: 3, grace_period_seconds: 10 };
  const id = await launch(r, task(offer, 'web', serve(port), port, { health_check: health }));
  const healthy = await r.reached(id, (u) => isHealthUpdate(u) && u.healthy === true, 'a healthy update');
  assert.equal(healthy.source, 'SOURCE_EXECUTOR');
  assert.ok(healthy.uuid, 'a health update is reliable (acknowledged like any other)');
  // Steadily healthy: several more checks run (≥ 4 intervals), and no further update is sent.
  await new Promise((res) => setTimeout(res, 1_500));
  assert.equal(r.of(id).filter(isHealthUpdate).length, 1, r.of(id).map(describe).join(', '));
  assert.deepEqual(r.states(id), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING']);
  const tasks = await getJson<{ tasks: Array<{ id: string; statuses: Array<{ state: string; healthy?: boolean }> }> }>(`${c.masterUrl}/master/tasks`);
  const mt = tasks.tasks.find((t) => t.id === id)!;
  assert.deepEqual(mt.statuses.at(-1), { ...mt.statuses.at(-1), state: 'TASK_RUNNING', healthy: true });
});

test('HTTP health check failing (404): every failure reported unhealthy, killed after consecutive_failures, TASK_KILLED with healthy: false', async () => {
  const r = framework('health-http-404');
  const port = freshPort();
  const offer = await r.takeOffer();
  r.offers.unshift(offer);
  // grace 0: no grace period, every failure counts from the start.
  const health: HealthCheck = { type: 'HTTP', http: { protocol: 'IPv4', port, path: '/missing' }, ...fast, delay_seconds: 0.5, consecutive_failures: 3, grace_period_seconds: 0 };
  const id = await launch(r, task(offer, 'web404', serve(port), port, { health_check: health }));
  const killed = await r.reached(id, (u) => u.state === 'TASK_KILLED', 'TASK_KILLED');
  assert.equal(killed.healthy, false, 'the terminal update says why: the task was unhealthy');
  assert.equal(killed.reason, undefined, 'Mesos sets no reason on a health-check kill');
  const unhealthy = r.of(id).filter(isHealthUpdate);
  assert.equal(unhealthy.length, 3, `three unhealthy reports, then the kill: ${r.of(id).map(describe).join(', ')}`);
  assert.ok(unhealthy.every((u) => u.healthy === false));
  assert.deepEqual(r.states(id), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
});

test('TCP health check with a grace period: failures before the task listens are not counted; then healthy', async () => {
  const r = framework('health-tcp');
  const port = freshPort();
  const offer = await r.takeOffer();
  r.offers.unshift(offer);
  // The server comes up after 1.5 s; one counted failure would kill the task (consecutive_failures 1).
  const health: HealthCheck = { type: 'TCP', tcp: { protocol: 'IPv4', port }, ...fast, consecutive_failures: 1, grace_period_seconds: 30 };
  const id = await launch(r, task(offer, 'slow', serve(port, 1.5), port, { health_check: health }));
  const healthy = await r.reached(id, (u) => isHealthUpdate(u) && u.healthy === true, 'a healthy update');
  assert.ok(healthy);
  assert.deepEqual(r.of(id).map(describe), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING/healthy=true/REASON_TASK_HEALTH_CHECK_STATUS_UPDATED']);
});

test('TCP health check without a grace period: the same slow task is killed by its first failure', async () => {
  const r = framework('health-tcp-nograce');
  const port = freshPort();
  const offer = await r.takeOffer();
  r.offers.unshift(offer);
  const health: HealthCheck = { type: 'TCP', tcp: { protocol: 'IPv4', port }, ...fast, consecutive_failures: 1, grace_period_seconds: 0 };
  const id = await launch(r, task(offer, 'slow', serve(port, 30), port, { health_check: health }));
  const killed = await r.reached(id, (u) => u.state === 'TASK_KILLED', 'TASK_KILLED');
  assert.equal(killed.healthy, false);
  assert.equal(r.of(id).filter((u) => isHealthUpdate(u) && u.healthy === true).length, 0);
});

test('COMMAND health check: healthy while a file exists in the sandbox, unhealthy when it goes, then killed', async () => {
  const r = framework('health-command');
  const offer = await r.takeOffer();
  r.offers.unshift(offer);
  // The check runs like the task: in its sandbox, with its environment. Once it has passed (and
  // said so in the sandbox), the task removes the file it looks for.
  const check = 'test -f "$MESOS_SANDBOX/ok" && [ -n "$MESOS_TASK_ID" ] && touch "$MESOS_SANDBOX/passed"';
  const health: HealthCheck = { type: 'COMMAND', command: { shell: true, value: check }, ...fast, consecutive_failures: 2, grace_period_seconds: 10 };
  const command = 'touch ok; until [ -f passed ]; do sleep 0.1; done; rm ok; exec sleep 300';
  const id = await launch(r, task(offer, 'flag', command, undefined, { health_check: health }));
  await r.reached(id, (u) => isHealthUpdate(u) && u.healthy === true, 'healthy');
  const killed = await r.reached(id, (u) => u.state === 'TASK_KILLED', 'TASK_KILLED');
  assert.equal(killed.healthy, false);
  assert.deepEqual(
    r.of(id).filter(isHealthUpdate).map((u) => u.healthy),
    [true, false, false],
    'healthy once, then each failure until the second in a row kills it',
  );
});

test('generic checks: check_status on updates (COMMAND exit code, HTTP status, TCP result); a failing check never kills', async () => {
  const r = framework('checks');
  const port = freshPort();
  const closed = freshPort(); // nothing listens here
  const offer = await r.takeOffer();
  const checks: Array<{ name: string; check: CheckInfo; expect: (s: TaskStatus['check_status']) => boolean; empty: unknown }> = [
    { name: 'cmd', check: { type: 'COMMAND', command: { command: { shell: true, value: 'exit 3' } }, ...fast }, expect: (s) => s?.command?.exit_code === 3, empty: { type: 'COMMAND', command: {} } },
    { name: 'http', check: { type: 'HTTP', http: { port, path: '/missing' }, ...fast }, expect: (s) => s?.http?.status_code === 404, empty: { type: 'HTTP', http: {} } },
    { name: 'tcp', check: { type: 'TCP', tcp: { port: closed }, ...fast }, expect: (s) => s?.tcp?.succeeded === false, empty: { type: 'TCP', tcp: {} } },
  ];
  const tasks = checks.map((k, i) => task(offer, k.name, i === 1 ? serve(port) : 'exec sleep 300', i === 1 ? port : undefined, { check: k.check }));
  const res = await r.driver.launch(offer, tasks, { refuse_seconds: 0 });
  assert.ok(res.ok);
  for (const [i, k] of checks.entries()) {
    const id = tasks[i]!.task_id.value;
    const u = await r.reached(id, (x) => x.reason === 'REASON_TASK_CHECK_STATUS_UPDATED' && k.expect(x.check_status), `check_status of ${k.name}`);
    assert.equal(u.state, 'TASK_RUNNING');
    assert.equal(u.healthy, undefined, 'a check is not a health check');
    // Fresh statuses carry the check's empty status: "checked, no result yet".
    assert.deepEqual(r.of(id).find((x) => x.state === 'TASK_STARTING')!.check_status, k.empty);
  }
  // Results that do not change are not sent again; nothing is killed.
  await new Promise((res) => setTimeout(res, 1_000));
  for (const t of tasks) {
    assert.equal(r.of(t.task_id.value).filter((u) => u.reason === 'REASON_TASK_CHECK_STATUS_UPDATED').length, 1, r.of(t.task_id.value).map(describe).join(', '));
    assert.ok(!r.states(t.task_id.value).some((s) => s === 'TASK_KILLING' || s === 'TASK_KILLED'));
  }
});

test('task group: an unhealthy task is killed after consecutive_failures and takes its group down', async () => {
  const r = framework('health-group');
  const offer = await r.takeOffer();
  const health: HealthCheck = { type: 'COMMAND', command: { shell: true, value: 'exit 1' }, ...fast, consecutive_failures: 2, grace_period_seconds: 0 };
  const sick = task(offer, 'sick', 'exec sleep 300', undefined, { health_check: health });
  const fine = task(offer, 'fine', 'exec sleep 300', undefined, {});
  const res = await r.driver.launchGroup(offer, { executor_id: { value: 'pod-health' }, type: 'DEFAULT', resources: resources() }, [sick, fine], { refuse_seconds: 0 });
  assert.ok(res.ok, JSON.stringify(res.ok ? '' : res.error));
  const killed = await r.reached(sick.task_id.value, (u) => u.state === 'TASK_KILLED', 'TASK_KILLED');
  assert.equal(killed.healthy, false);
  assert.deepEqual(r.of(sick.task_id.value).filter(isHealthUpdate).map((u) => u.healthy), [false, false]);
  await r.reached(fine.task_id.value, (u) => u.state === 'TASK_KILLED', 'TASK_KILLED (the group goes down with it)');
  assert.equal(r.of(fine.task_id.value).filter(isHealthUpdate).length, 0, 'a task without a health check gets no health updates');
});
