/**
 * Scenarios 3 and 20–25 of fault-scenarios.md §1.9: agents cut off from ZooKeeper or from the
 * master (both ways or one way), partitions healing, a removed agent that keeps talking, and a
 * launch lost in transit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SchedulerClient } from './support/scheduler-client.ts';
import type { Cluster } from './support/cluster.ts';
import { assertNoneLost, PARTITION_AWARE, processes, runOnEveryAgent, withCluster } from './support/scenario.ts';

/** Two frameworks, one partition-aware (`pa`, task t1) and one not (`np`, task n1), both on agent1. */
async function twoFrameworks(c: Cluster): Promise<{ pa: SchedulerClient; np: SchedulerClient }> {
  const pa = await runOnEveryAgent(c, 'pa', PARTITION_AWARE);
  const np = c.scheduler('np', { checkpoint: true, failover_timeout: 3600 });
  await c.until(() => np.liveOffers().length > 0, 10_000, 'an offer for np');
  np.launch(['n1']);
  await c.until(() => np.lastState('n1') === 'TASK_RUNNING', 10_000, 'n1 running');
  return { pa, np };
}

const PING_TIMEOUTS_MS = 15_000 * 5;

test('3. the agent loses its ZooKeeper session, the master does not change: it re-registers and nothing is killed', withCluster({ masters: 2, agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  const a = c.agents[0]!;
  const before = processes(c);
  a.loseZkSession();
  await c.advance(5_000);
  assert.equal(a.registered, false, 'it ignores masters while it knows no leader');
  a.regainZkSession();
  await c.until(() => a.registered, 120_000, 're-registration');
  assert.equal(a.core.masterInfo?.id, 'm1', 'the same master');
  assert.equal(c.leader!.metric('master/slave_reregistrations'), 1);
  assert.equal(c.leader!.metric('master/slave_registrations'), 1);
  await c.advance(60_000);
  assert.deepEqual(processes(c), before);
  assertNoneLost(s);
}));

test('20. agent partitioned (pongs dropped): unreachable after ping_timeout × max, FAILURE (slaveLost), UNREACHABLE or LOST per framework, metrics counted', withCluster({ agents: 1 }, async (c) => {
  const { pa, np } = await twoFrameworks(c);
  const a = c.agents[0]!;
  const m = c.leader!;
  c.net.partition('agent1');
  const start = c.clock.now();
  await c.until(() => m.master.unreachableAgents.has(a.agentId!), 200_000, 'unreachable', 1_000);
  const took = c.clock.now() - start;
  assert.ok(took >= PING_TIMEOUTS_MS && took <= PING_TIMEOUTS_MS + 15_000, `marked unreachable after ${took} ms`);
  await c.settle();
  assert.equal(m.metric('master/slave_unreachable_scheduled'), 1);
  assert.equal(m.metric('master/slave_unreachable_completed'), 1);
  assert.equal(m.metric('master/slaves_unreachable'), 1);
  assert.equal(m.metric('master/tasks_unreachable'), 2);
  assert.deepEqual(pa.history('t1'), ['TASK_RUNNING', 'TASK_UNREACHABLE:REASON_AGENT_REMOVED']);
  assert.deepEqual(np.history('n1'), ['TASK_RUNNING', 'TASK_LOST:REASON_AGENT_REMOVED']);
  assert.ok(pa.updates('t1').at(-1)!.unreachable_time !== undefined);
  for (const s of [pa, np]) assert.deepEqual(s.ofType('FAILURE').map((e) => e.failure!.agent_id?.value), [a.agentId], 'slaveLost');
}));

test('21. the partition heals: the agent is re-admitted, tasks go back to RUNNING (REASON_AGENT_REREGISTERED), none is killed', withCluster({ agents: 1 }, async (c) => {
  const { pa, np } = await twoFrameworks(c);
  const a = c.agents[0]!;
  const m = c.leader!;
  const before = processes(c);
  const heal = c.net.partition('agent1');
  await c.until(() => m.master.unreachableAgents.has(a.agentId!), 200_000, 'unreachable', 1_000);
  heal();
  await c.until(() => m.master.agents.has(a.agentId!) && a.registered, 200_000, 're-admitted', 1_000);
  await c.settle();
  assert.deepEqual(pa.history('t1'), ['TASK_RUNNING', 'TASK_UNREACHABLE:REASON_AGENT_REMOVED', 'TASK_RUNNING:REASON_AGENT_REREGISTERED']);
  assert.deepEqual(np.history('n1'), ['TASK_RUNNING', 'TASK_LOST:REASON_AGENT_REMOVED', 'TASK_RUNNING:REASON_AGENT_REREGISTERED']);
  assert.deepEqual(processes(c), before, 'nothing was killed (MESOS-7215)');
  assert.equal(m.metric('master/slaves_unreachable'), 0);
  assert.equal(m.metric('master/tasks_running'), 2);
  assert.equal(a.agentId, m.master.agents.get(a.agentId!)?.id, 'the same agent ID');
}));

test('22. a task finishes during the partition: its terminal state is delivered after the heal', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', PARTITION_AWARE);
  const a = c.agents[0]!;
  const m = c.leader!;
  const heal = c.net.partition('agent1');
  a.executorOf('t1')!.update('t1', 'TASK_FINISHED');
  await c.until(() => m.master.unreachableAgents.has(a.agentId!), 200_000, 'unreachable', 1_000);
  assert.equal(s.lastState('t1'), 'TASK_UNREACHABLE');
  heal();
  await c.until(() => s.lastState('t1') === 'TASK_FINISHED', 200_000, 'the terminal update', 1_000);
  await c.settle();
  const finished = s.updates('t1').filter((u) => u.state === 'TASK_FINISHED');
  assert.ok(finished.some((u) => u.uuid !== undefined && u.source === 'SOURCE_EXECUTOR'), 'the executor\'s own update, reliably delivered');
  assert.equal(a.core.statusUpdates.head(s.frameworkId!, 't1'), undefined, 'acknowledged');
  const fw = m.master.frameworks.get(s.frameworkId!)!;
  assert.equal(fw.tasks.has('t1'), false, 'not active');
  assert.equal(fw.unreachableTasks.has('t1'), false, 'not unreachable any more');
  assert.equal(fw.completedTasks.find((t) => t.task.task_id.value === 't1')?.task.state, 'TASK_FINISHED', 'completed, finished');
}));

test('22b. an agent with a terminal but unacknowledged task is partitioned: the task is kept as unreachable with its terminal state, and completes once acknowledged after the heal', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', PARTITION_AWARE);
  s.autoAck = false;
  const a = c.agents[0]!;
  const m = c.leader!;
  a.executorOf('t1')!.update('t1', 'TASK_FINISHED');
  await c.settle();
  assert.equal(s.lastState('t1'), 'TASK_FINISHED', 'delivered, not acknowledged');
  const pongs = c.net.drop('PONG', { from: 'agent1' });
  await c.until(() => m.master.unreachableAgents.has(a.agentId!), 200_000, 'unreachable', 1_000);
  const fw = m.master.frameworks.get(s.frameworkId!)!;
  assert.equal(fw.tasks.has('t1'), false, 'not active');
  assert.equal(fw.unreachableTasks.get('t1')?.task.state, 'TASK_FINISHED', 'tracked as unreachable, keeping its terminal state');
  assert.equal(fw.completedTasks.find((t) => t.task.task_id.value === 't1'), undefined, 'not completed: never acknowledged');
  pongs();
  await c.until(() => a.registered && m.master.agents.has(a.agentId!), 200_000, 're-registered', 1_000);
  s.autoAck = true;
  await c.until(() => a.core.statusUpdates.head(s.frameworkId!, 't1') === undefined, 120_000, 'the acknowledgement');
  assert.equal(fw.completedTasks.find((t) => t.task.task_id.value === 't1')?.task.state, 'TASK_FINISHED');
}));

test('23. a removed (unreachable) agent keeps talking: what it says meanwhile is not taken; it is made to re-register, not shut down', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', PARTITION_AWARE);
  const a = c.agents[0]!;
  const m = c.leader!;
  const pongs = c.net.drop('PONG', { from: 'agent1' });
  await c.until(() => m.master.unreachableAgents.has(a.agentId!), 200_000, 'unreachable', 1_000);
  // The agent still hears the master and still talks; it did not notice anything yet.
  const updatesBefore = m.master.counters.validStatusUpdates;
  a.executorOf('t1')!.update('t1', 'TASK_FINISHED');
  pongs();
  await c.until(() => a.registered && m.master.agents.has(a.agentId!), 200_000, 're-registered', 1_000);
  await c.until(() => s.lastState('t1') === 'TASK_FINISHED', 60_000, 'the update, after re-registration');
  assert.ok(m.master.counters.validStatusUpdates > updatesBefore);
  assert.equal(a.running, true, 'not shut down');
  assert.equal(a.life!.link.state, 'registered');
  assert.deepEqual(s.history('t1').filter((h) => h.startsWith('TASK_UNREACHABLE')), ['TASK_UNREACHABLE:REASON_AGENT_REMOVED']);
  // Nothing it sent while removed was applied to the task before it re-registered.
  const order = s.history('t1');
  assert.ok(order.indexOf('TASK_UNREACHABLE:REASON_AGENT_REMOVED') < order.findIndex((h) => h.startsWith('TASK_FINISHED')));
}));

test('24a. one-way partition master → agent: the agent notices the missing pings and re-registers before the master gives up on it', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  const a = c.agents[0]!;
  const m = c.leader!;
  const before = processes(c);
  const cut = c.net.oneWay('master', 'agent1');
  await c.advance(PING_TIMEOUTS_MS + 5_000, 1_000);
  assert.ok(m.metric('master/slave_reregistrations') >= 1, 'the agent re-registered on its own');
  cut();
  await c.until(() => a.registered, 60_000, 'registered');
  await c.advance(PING_TIMEOUTS_MS * 2, 5_000);
  assert.equal(m.metric('master/slave_unreachable_completed'), 0, 'never marked unreachable');
  assert.deepEqual(processes(c), before);
  assertNoneLost(s);
}));

test('24b. one-way partition master → scheduler: heartbeats stop; the scheduler re-subscribes and carries on with the same framework', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', { failover_timeout: 3600 });
  const m = c.leader!;
  const interval = m.master.config.heartbeatIntervalMs;
  const cut = c.net.oneWay('master', 's1');
  const heartbeats = s.ofType('HEARTBEAT').length;
  await c.advance(interval * 5, interval);
  assert.equal(s.ofType('HEARTBEAT').length, heartbeats, 'five heartbeats missed');
  assert.ok((c.net.dropped.get('HEARTBEAT') ?? 0) >= 5);
  // As the SDK driver does after missing heartbeats: reconnect. The master replaces the stream.
  cut();
  const oldStream = s.streamId;
  assert.equal(s.subscribe().status, 200);
  await c.settle();
  assert.notEqual(s.streamId, oldStream);
  assert.equal(m.master.frameworks.get(s.frameworkId!)?.streamId, s.streamId);
  assert.equal(s.ofType('SUBSCRIBED').at(-1)?.subscribed?.framework_id.value, s.frameworkId);
  s.reconcile();
  await c.settle();
  assert.equal(s.lastState('t1'), 'TASK_RUNNING');
  assertNoneLost(s);
}));

for (const [label, info, expected] of [
  ['not partition-aware: TASK_LOST', {}, 'TASK_LOST'],
  ['partition-aware: TASK_DROPPED', PARTITION_AWARE, 'TASK_DROPPED'],
] as const) {
  test(`25a. launch message lost in transit, found out when the agent re-registers (${label}); resources recovered`, withCluster({ agents: 1 }, async (c) => {
    const s = c.scheduler('s1', { checkpoint: true, failover_timeout: 3600, ...info });
    await c.until(() => s.liveOffers().length > 0, 10_000, 'an offer');
    const a = c.agents[0]!;
    const m = c.leader!;
    const total = s.liveOffers()[0]!.resources!.find((r) => r.name === 'cpus')!.scalar!.value;
    c.net.drop('RUN_TASK', { times: 1 });
    s.launch(['t1']);
    await c.settle();
    assert.equal(c.net.dropped.get('RUN_TASK'), 1);
    assert.equal(m.master.frameworks.get(s.frameworkId!)?.tasks.get('t1')?.task.state, 'TASK_STAGING');
    // The agent restarts (any re-registration would do): the master asks about t1, the agent does not know it.
    a.kill();
    assert.ok((await a.start()).ok);
    await c.until(() => s.lastState('t1') !== undefined, 60_000, 'an answer about t1');
    await c.settle();
    assert.deepEqual(s.history('t1'), [`${expected}:REASON_RECONCILIATION`]);
    assert.equal(m.master.frameworks.get(s.frameworkId!)?.tasks.has('t1'), false);
    const offeredCpus = () => s.liveOffers().reduce((sum, o) => sum + (o.resources!.find((r) => r.name === 'cpus')?.scalar?.value ?? 0), 0);
    await c.until(() => Math.abs(offeredCpus() - total) < 1e-9, 30_000, 'the whole agent offered again');
  }));
}

test('25b. a stale re-registration racing a launch causes no spurious LOST', withCluster({ agents: 1 }, async (c) => {
  const s = c.scheduler('s1', { checkpoint: true, failover_timeout: 3600 });
  await c.until(() => s.liveOffers().length > 0, 10_000, 'an offer');
  const a = c.agents[0]!;
  const stale = a.core.masterHandlers.registration(); // REREGISTER_AGENT without t1
  assert.equal(stale.type, 'REREGISTER_AGENT');
  s.launch(['t1']); // RUN_TASK is on its way to the agent...
  assert.ok(a.life!.link.send(stale)); // ...while the agent's re-registration, written before it, goes the other way
  await c.settle();
  await c.advance(30_000);
  assert.deepEqual(s.history('t1'), ['TASK_RUNNING']);
}));
