/**
 * Scenarios 11–17 of fault-scenarios.md §1.9: the agent process dies and restarts on its work dir
 * (real checkpoint files), executors outlive it or not, the host reboots, a checkpoint is corrupt,
 * a framework does not checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetaLayout } from '../../packages/agent/src/checkpoint/paths.ts';
import { assertNoneLost, processes, runOnEveryAgent, withCluster } from './support/scenario.ts';

test('11. agent SIGKILLed and restarted, ten times in a tight loop: executors reconnect, same processes, no restarts; later kills work', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  const a = c.agents[0]!;
  const id = a.agentId;
  const before = processes(c);
  for (let i = 0; i < 10; i++) {
    a.kill();
    await c.settle();
    const r = await a.start();
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(r.value.adopted, 1, `restart ${i + 1}: the executor is re-attached`);
    await c.until(() => a.registered, 60_000, 're-registration');
    assert.equal(a.agentId, id, 'the same agent ID');
    assert.equal(a.core.frameworks.get(s.frameworkId!)?.executors.get('t1')?.state, 'RUNNING', 'the executor re-subscribed');
  }
  assert.deepEqual(processes(c), before, 'same executor process throughout: 0 restarts');
  assert.equal(c.leader!.metric('master/slave_reregistrations'), 10);
  assert.equal(c.leader!.metric('master/slave_registrations'), 1);
  assertNoneLost(s);
  assert.equal(s.kill('t1').status, 202);
  await c.until(() => s.lastState('t1') === 'TASK_KILLED', 30_000, 'the kill');
  await c.until(() => processes(c).length === 0, 30_000, 'the executor to exit');
}));

test('12. agent dies before an update reaches the scheduler: the checkpointed update is re-sent after the restart and delivered once acknowledged', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  const a = c.agents[0]!;
  const lost = c.net.drop('STATUS_UPDATE');
  a.executorOf('t1')!.update('t1', 'TASK_FINISHED');
  await c.settle();
  assert.equal(c.net.dropped.get('STATUS_UPDATE'), 1);
  a.kill();
  lost();
  const r = await a.start();
  assert.ok(r.ok);
  assert.equal(r.value.pendingUpdates, 1, 'the update was checkpointed');
  await c.until(() => s.lastState('t1') === 'TASK_FINISHED', 60_000, 'the update');
  await c.settle();
  assert.equal(a.core.statusUpdates.head(s.frameworkId!, 't1'), undefined, 'acknowledged');
  assert.deepEqual(s.history('t1'), ['TASK_RUNNING', 'TASK_FINISHED']);
}));

test('13a. executor exits while the agent is down: TASK_FAILED (REASON_EXECUTOR_TERMINATED) on recovery', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  const a = c.agents[0]!;
  const ex = a.executorOf('t1')!;
  a.kill();
  ex.exit(137);
  const r = await a.start();
  assert.ok(r.ok);
  assert.deepEqual([r.value.adopted, r.value.ended], [0, 1]);
  await c.until(() => s.lastState('t1') === 'TASK_FAILED', 60_000, 'the terminal update');
  assert.deepEqual(s.history('t1'), ['TASK_RUNNING', 'TASK_FAILED:REASON_EXECUTOR_TERMINATED']);
  await c.settle();
  assert.equal(c.leader!.metric('master/tasks_failed'), 1);
}));

test('13b. executor alive but never re-subscribes after the restart: destroyed, TASK_LOST (REASON_EXECUTOR_REREGISTRATION_TIMEOUT)', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  const a = c.agents[0]!;
  a.kill();
  a.executorsReconnect = false;
  const r = await a.start();
  assert.ok(r.ok && r.value.adopted === 1);
  await c.until(() => s.lastState('t1') === 'TASK_LOST', 60_000, 'the terminal update');
  assert.deepEqual(s.history('t1'), ['TASK_RUNNING', 'TASK_LOST:REASON_EXECUTOR_REREGISTRATION_TIMEOUT']);
  assert.deepEqual(a.life!.containerizer.destroyed.length, 1);
}));

test('14. agent dies between accepting a launch and starting the container: TASK_FAILED after the restart, never stuck in STAGING', withCluster({ agents: 1 }, async (c) => {
  const s = c.scheduler('s1', { checkpoint: true, failover_timeout: 3600 });
  await c.until(() => s.liveOffers().length > 0, 10_000, 'an offer');
  const a = c.agents[0]!;
  a.dieOnNextLaunch();
  s.launch(['t1']);
  await c.settle();
  assert.equal(a.running, false, 'the agent died in the launch');
  assert.equal(c.leader!.master.frameworks.get(s.frameworkId!)?.tasks.get('t1')?.task.state, 'TASK_STAGING');
  const r = await a.start();
  assert.ok(r.ok);
  assert.equal(r.value.tasks, 1, 'the task was checkpointed before the launch');
  await c.until(() => s.lastState('t1') !== undefined, 60_000, 'an update for t1');
  await c.settle();
  assert.deepEqual(s.history('t1'), ['TASK_FAILED:REASON_EXECUTOR_TERMINATED']);
  assert.equal(c.leader!.master.frameworks.get(s.frameworkId!)?.tasks.has('t1'), false, 'completed on the master');
}));

test('15. host reboot: nothing is adopted — not even a process that reuses an executor PID — and the tasks are reported failed', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  const a = c.agents[0]!;
  const id = a.agentId;
  a.reboot();
  const r = await a.start();
  assert.ok(r.ok);
  assert.equal(r.value.rebooted, true);
  assert.equal(r.value.adopted, 0);
  assert.deepEqual(a.life!.containerizer.recoverCalls, [], 'the containerizer is not asked to adopt anything');
  assert.equal(a.pidLookalikes.size, 1);
  await c.until(() => s.lastState('t1') === 'TASK_FAILED', 60_000, 'the terminal update');
  assert.deepEqual(s.history('t1'), ['TASK_RUNNING', 'TASK_FAILED:REASON_EXECUTOR_TERMINATED']);
  assert.equal(a.agentId, id, 'the agent kept its ID (its AgentInfo did not change) and re-registered');
  assert.equal(c.leader!.metric('master/slave_reregistrations'), 1);
  assert.deepEqual(processes(c), []);
}));

test('16. corrupt checkpoint: --strict refuses to start and names the file; non-strict recovers the rest and the lost task is reported', withCluster({ agents: 1 }, async (c) => {
  const s = c.scheduler('s1', { checkpoint: true, failover_timeout: 3600 });
  await c.until(() => s.liveOffers().length > 0, 10_000, 'an offer');
  s.launch(['t1', 't2']);
  await c.until(() => s.lastState('t1') === 'TASK_RUNNING' && s.lastState('t2') === 'TASK_RUNNING', 10_000, 'both running');
  const a = c.agents[0]!;
  const layout = new MetaLayout(a.workDir);
  const ex = a.core.frameworks.get(s.frameworkId!)!.executors.get('t2')!;
  const taskInfo = join(layout.frameworkDir(a.agentId!, s.frameworkId!), 'executors', 't2', 'runs', ex.containerId, 'tasks', 't2', 'task.info');
  assert.ok(existsSync(taskInfo), taskInfo);
  a.kill();
  writeFileSync(taskInfo, '{"half a task');
  const strict = await a.start({ strict: true });
  assert.equal(strict.ok, false);
  assert.match(strict.ok ? '' : strict.error, /task\.info/);
  assert.equal(a.running, false, 'strict: the agent did not start');
  const lenient = await a.start({ strict: false });
  assert.ok(lenient.ok, lenient.ok ? '' : lenient.error);
  assert.equal(lenient.value.problems.length, 1);
  assert.equal(lenient.value.tasks, 1, 't1 recovered');
  await c.until(() => a.registered, 60_000, 're-registration');
  // The master still knows t2; the agent does not: reconciliation between them settles it.
  await c.until(() => s.lastState('t2') !== 'TASK_RUNNING', 60_000, 'an answer about t2');
  assert.equal(s.lastState('t1'), 'TASK_RUNNING');
  assert.deepEqual(s.history('t2'), ['TASK_RUNNING', 'TASK_LOST:REASON_RECONCILIATION']);
}));

test('17. non-checkpointing framework, agent disconnects: its tasks are lost at once and nothing was checkpointed for it', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', { checkpoint: false });
  const a = c.agents[0]!;
  const frameworks = new MetaLayout(a.workDir).frameworksDir(a.agentId!);
  assert.deepEqual(existsSync(frameworks) ? readdirSync(frameworks) : [], [], 'no checkpoint files for it');
  a.kill();
  await c.settle();
  assert.deepEqual(s.history('t1'), ['TASK_RUNNING', 'TASK_LOST:REASON_AGENT_DISCONNECTED']);
  assert.deepEqual(processes(c), [], 'its executor did not survive the agent');
  const r = await a.start();
  assert.ok(r.ok);
  assert.equal(r.value.tasks, 0);
  await c.until(() => a.registered, 60_000, 're-registration');
  await c.advance(30_000);
  assert.deepEqual(s.history('t1'), ['TASK_RUNNING', 'TASK_LOST:REASON_AGENT_DISCONNECTED'], 'nothing more about it');
}));
