/**
 * Scenarios 6–10 of fault-scenarios.md §1.9: the scheduler's side — failover within and after
 * `failover_timeout`, a stale instance, launching while disconnected, a changed principal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerClient } from './support/scheduler-client.ts';
import { PARTITION_AWARE, processes, runOnEveryAgent, withCluster } from './support/scenario.ts';

test('6. scheduler failover within failover_timeout: the new instance takes over the FrameworkID and gets the update sent while nobody listened', withCluster({ agents: 1 }, async (c) => {
  const s1 = await runOnEveryAgent(c, 's1', { failover_timeout: 3600 });
  const fid = s1.frameworkId!;
  s1.disconnect();
  await c.settle();
  // While no scheduler is connected the task finishes; the master cannot forward the update.
  c.agents[0]!.executorOf('t1')!.update('t1', 'TASK_FINISHED');
  await c.advance(30_000);
  assert.equal(s1.lastState('t1'), 'TASK_RUNNING');
  assert.equal(c.leader!.master.frameworks.get(fid)?.connected, false);
  // A new instance with the same FrameworkID, within the timeout.
  const s2 = new SchedulerClient(c, 's2', { ...s1.info });
  s2.frameworkId = fid;
  assert.equal(s2.subscribe().status, 200);
  await c.settle();
  assert.equal(s2.ofType('SUBSCRIBED')[0]?.subscribed?.framework_id.value, fid);
  // The agent re-sends the unacknowledged update (retry backoff) and this time it is heard and acknowledged.
  await c.until(() => s2.lastState('t1') === 'TASK_FINISHED', 120_000, 'the pending update');
  await c.settle();
  assert.equal(c.agents[0]!.core.statusUpdates.head(fid, 't1'), undefined, 'acknowledged: nothing pending on the agent');
  assert.deepEqual(processes(c), [], 'the command executor exited after its acknowledged terminal update');
  // A third instance while s2 is connected: s2 is told it failed over.
  const s3 = new SchedulerClient(c, 's3', { ...s1.info });
  s3.frameworkId = fid;
  s3.subscribe();
  await c.settle();
  assert.deepEqual(s2.errors, ['Framework failed over']);
  assert.equal(s2.connected, false);
}));

test('7a. scheduler returns after failover_timeout: its tasks were killed and re-subscribing is refused', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', { failover_timeout: 60 });
  const fid = s.frameworkId!;
  s.disconnect();
  await c.advance(59_000);
  assert.equal(processes(c).length, 1, 'still running within the timeout');
  await c.advance(2_000);
  const m = c.leader!.master;
  assert.equal(m.frameworks.has(fid), false);
  assert.ok(m.isCompletedFramework(fid));
  await c.until(() => processes(c).length === 0, 30_000, 'the executor to be shut down');
  const done = m.completedFrameworks.find((f) => f.id === fid)!.completedTasks.values();
  assert.deepEqual(done.map((t) => `${t.task.task_id.value}:${t.task.state}`), ['t1:TASK_KILLED']);
  assert.equal(c.leader!.metric('master/tasks_killed'), 1);
  s.subscribe();
  await c.settle();
  assert.deepEqual(s.errors, ['Framework has been removed']);
  assert.equal(s.connected, false);
}));

test('7b. after TEARDOWN the framework cannot subscribe again, and its tasks are killed', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', { failover_timeout: 3600 });
  assert.equal(s.teardown().status, 202);
  await c.until(() => processes(c).length === 0, 30_000, 'the executor to be shut down');
  assert.equal(c.leader!.metric('master/tasks_killed'), 1);
  s.subscribe();
  await c.settle();
  assert.deepEqual(s.errors, ['Framework has been removed']);
}));

test('8. a stale scheduler instance cannot act: its calls carry the old stream ID and are refused; the kill is not applied', withCluster({ agents: 1 }, async (c) => {
  const s1 = await runOnEveryAgent(c, 's1', { failover_timeout: 3600 });
  const s2 = new SchedulerClient(c, 's2', { ...s1.info });
  s2.frameworkId = s1.frameworkId;
  s2.subscribe();
  await c.settle();
  assert.deepEqual(s1.errors, ['Framework failed over']);
  const r = s1.kill('t1'); // s1 still believes its stream ID is valid
  assert.equal(r.ok, false);
  assert.equal(r.ok ? 0 : r.status, 400);
  assert.match(r.ok ? '' : r.message, /didn't match the stream ID/);
  await c.advance(5_000);
  assert.equal(processes(c).length, 1, 'the task still runs');
  assert.equal(c.agents[0]!.executorOf('t1')!.received.includes('KILL'), false);
  assert.equal(s2.kill('t1').status, 202, 'the current instance can');
  await c.settle();
  assert.equal(s2.lastState('t1'), 'TASK_KILLED');
}));

for (const [label, info, expected] of [
  ['not partition-aware: TASK_LOST', {}, 'TASK_LOST'],
  ['partition-aware: TASK_DROPPED', PARTITION_AWARE, 'TASK_DROPPED'],
] as const) {
  test(`9. launching while disconnected from the master (${label})`, withCluster({ masters: 2, agents: 1 }, async (c) => {
    const s = c.scheduler('s1', { checkpoint: true, failover_timeout: 3600, ...info });
    await c.until(() => s.liveOffers().length > 0, 10_000, 'an offer');
    const stale = s.liveOffers()[0]!;
    c.masters[0]!.kill();
    await c.settle();
    // Disconnected: the call does not get through.
    const refused = s.launch(['t1'], { offer: stale });
    assert.equal(refused.result.ok, false);
    // Re-subscribed to the new leader, a launch on the old master's offer is refused with the task's state.
    await c.until(() => c.leader !== undefined, 30_000, 'a new leader');
    s.subscribe();
    await c.settle();
    assert.equal(s.launch(['t1'], { offer: stale }).result.status, 202);
    await c.settle();
    assert.deepEqual(s.history('t1'), [`${expected}:REASON_INVALID_OFFERS`]);
    assert.equal(processes(c).length, 0, 'nothing was launched');
  }));
}

test('10. changing the principal on re-subscription is rejected', withCluster({ agents: 1 }, async (c) => {
  const s = c.scheduler('s1', { principal: 'alice', failover_timeout: 3600 });
  await c.settle();
  assert.ok(s.frameworkId);
  s.disconnect();
  await c.settle();
  s.info = { ...s.info, principal: 'mallory' };
  s.subscribe();
  await c.settle();
  assert.deepEqual(s.errors, ["Changing framework's principal is not allowed"]);
  assert.equal(c.leader!.master.frameworks.get(s.frameworkId!)?.info.principal, 'alice');
}));
