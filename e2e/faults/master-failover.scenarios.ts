/**
 * Scenarios 1, 2, 4 and 5 of fault-scenarios.md §1.9: the leading master dies or loses its
 * ZooKeeper session, agents stay away past the re-register timeout, and reconciliation while the
 * new leader recovers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registrar } from '../../packages/master/src/registrar/registrar.ts';
import { assertNoneLost, PARTITION_AWARE, processes, runOnEveryAgent, withCluster } from './support/scenario.ts';

test('1. leader SIGKILLed: a standby leads, agents and the framework re-register, tasks unaffected, no LOST', withCluster({ masters: 3, agents: 2 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', PARTITION_AWARE);
  const before = processes(c);
  const fid = s.frameworkId;
  const [m1, m2] = c.masters;
  m1!.kill();
  const elected = await c.until(() => c.leader !== undefined, 30_000, 'a new leader');
  assert.equal(c.leader, m2, 'the next contender leads');
  assert.ok(elected <= c.zk.sessionTimeoutMs + 1000, `elected ${elected} ms after the kill (session ${c.zk.sessionTimeoutMs} ms)`);
  await c.until(() => c.agents.every((a) => a.registered && a.core.masterInfo?.id === 'm2'), 60_000, 'agents re-registered with m2');
  assert.equal(m2!.metric('master/slave_reregistrations'), 2);
  assert.equal(m2!.metric('master/slave_registrations'), 0, 'nobody registered anew');
  assert.equal(s.subscribe().status, 200);
  await c.settle();
  assert.equal(s.frameworkId, fid, 'same FrameworkID');
  s.reconcile();
  await c.settle();
  assert.equal(s.lastState('t1'), 'TASK_RUNNING');
  assert.equal(s.lastState('t2'), 'TASK_RUNNING');
  assert.deepEqual(processes(c), before, 'the same executor processes: nothing restarted');
  assertNoneLost(s);
  assert.equal(m2!.metric('master/tasks_running'), 2);
}));

test('2a. leader loses its ZooKeeper session: it aborts at once, the follower leads, agents follow', withCluster({ masters: 2, agents: 2 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  const [m1, m2] = c.masters;
  c.zk.expire('m1');
  await c.settle();
  assert.ok(m1!.stopped);
  assert.match(m1!.aborts[0] ?? '', /Lost leadership/);
  await c.until(() => c.leader === m2 && c.agents.every((a) => a.registered && a.core.masterInfo?.id === 'm2'), 60_000, 'agents on m2');
  assert.equal(s.subscribe().status, 200);
  await c.settle();
  s.reconcile();
  await c.settle();
  assert.deepEqual([s.lastState('t1'), s.lastState('t2')], ['TASK_RUNNING', 'TASK_RUNNING']);
  assertNoneLost(s);
}));

test('2b. split brain: a leader cut off from everything (SIGSTOP-like) is replaced; its registry writes are fenced, it aborts, and nothing it decided reaches anyone', withCluster({ masters: 2, agents: 2 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', PARTITION_AWARE);
  const [m1, m2] = c.masters;
  const before = processes(c);
  c.net.partition('m1');
  c.zk.expire('m1', false); // its session ends; the stopped process does not know yet
  await c.until(() => c.leader === m2 || (m2!.serving && c.zk.leader?.id === 'm2'), 30_000, 'm2 leads');
  // The agents hear no pings from m1, give up on it after the ping timeout, and find m2.
  await c.until(() => c.agents.every((a) => a.registered && a.core.masterInfo?.id === 'm2'), 200_000, 'agents on m2');
  // Meanwhile m1 missed every pong: it tries to mark the agents unreachable, which needs a
  // registry write — refused by the fence — so it aborts instead of acting.
  await c.until(() => m1!.stopped, 200_000, 'm1 to abort');
  assert.match(m1!.aborts[0] ?? '', /registry write failed.*FENCED|fencing epoch|superseded/);
  assert.equal(m1!.metric('master/slave_unreachable_completed'), 0, 'the deposed master completed nothing');
  const registry = await new Registrar(c.state.connect()).recover();
  assert.ok(registry.ok);
  assert.deepEqual([...registry.value.agents.values()].map((a) => a.state), ['ADMITTED', 'ADMITTED'], 'the registry never saw the deposed decision');
  c.zk.tellLost('m1');
  c.net.healAll();
  assert.equal(s.subscribe().status, 200);
  await c.settle();
  s.reconcile();
  await c.settle();
  assertNoneLost(s, 'no task was reported lost by either master');
  assert.deepEqual(processes(c), before);
  assert.deepEqual(c.zk.history, ['m1', 'm2']);
}));

test('4. agents absent after a failover past --agent-reregister-timeout: unreachable (persisted, counted); a late agent is re-admitted and its task survives', withCluster({ masters: 2, agents: 2 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', PARTITION_AWARE);
  const [m1, m2] = c.masters;
  const before = processes(c);
  const a2 = c.agents[1]!;
  const heal = c.net.partition('agent2');
  m1!.kill();
  await c.until(() => c.leader === m2, 30_000, 'm2 leads');
  assert.equal(s.subscribe().status, 200);
  await c.until(() => c.agents[0]!.registered && c.agents[0]!.core.masterInfo?.id === 'm2', 60_000, 'agent1 back');
  assert.equal(m2!.metric('master/slave_unreachable_completed'), 0);
  // Ten minutes (Mesos's minimum) later, agent2 is marked unreachable.
  await c.advance(600_000, 5_000);
  assert.equal(m2!.metric('master/slave_unreachable_scheduled'), 1);
  assert.equal(m2!.metric('master/slave_unreachable_completed'), 1);
  assert.ok(m2!.master.unreachableAgents.has(a2.agentId!));
  const registry = await new Registrar(c.state.connect()).recover();
  assert.ok(registry.ok);
  assert.equal(registry.value.agents.get(a2.agentId!)?.state, 'UNREACHABLE');
  s.reconcile([{ taskId: 't2', agentId: a2.agentId! }]);
  await c.settle();
  assert.equal(s.lastState('t2'), 'TASK_UNREACHABLE');
  // The partition heals: agent2 re-registers, is re-admitted, and t2 is RUNNING again.
  heal();
  await c.until(() => a2.registered && a2.core.masterInfo?.id === 'm2' && m2!.master.agents.has(a2.agentId!), 120_000, 'agent2 re-admitted');
  await c.settle();
  assert.deepEqual(s.history('t2').slice(-1), ['TASK_RUNNING:REASON_AGENT_REREGISTERED']);
  assert.deepEqual(processes(c), before, 'no executor was killed');
  assert.equal(s.lastState('t1'), 'TASK_RUNNING');
}));

test('5. reconciliation during a failover: no answer about tasks on agents not yet back, the truth once they are', withCluster({ masters: 2, agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', PARTITION_AWARE);
  const agentId = c.agents[0]!.agentId!;
  const hold = c.net.drop('REREGISTER_AGENT');
  c.masters[0]!.kill();
  await c.until(() => c.leader === c.masters[1], 30_000, 'm2 leads');
  assert.equal(s.subscribe().status, 200);
  await c.settle();
  const heard = s.updates().length;
  s.reconcile([{ taskId: 't1', agentId }]);
  s.reconcile([{ taskId: 't1' }]);
  s.reconcile();
  await c.advance(5_000);
  assert.equal(s.updates().length, heard, 'silent, not wrong');
  hold();
  await c.until(() => c.agents[0]!.registered, 120_000, 'the agent re-registers');
  s.reconcile([{ taskId: 't1', agentId }]);
  await c.settle();
  assert.deepEqual(s.history('t1').slice(-1), ['TASK_RUNNING:REASON_RECONCILIATION']);
}));
