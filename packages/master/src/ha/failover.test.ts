/**
 * Master failover, deterministically: two in-process masters (FakeClock) share one in-memory
 * state store; the first leads and writes its registry through a fenced view, the second claims
 * the store (which deposes the first), recovers the registry and takes over. Mesos's
 * `MasterFailover`, `ReconciliationTest.RecoveredAgent`, `PartitionedSlaveReregistrationMasterFailover`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameworkInfo, Offer, TaskInfo } from '@agora/protocol';
import { MemoryState, type StateStore } from '@agora/state';
import { Registrar } from '../registrar/registrar.ts';
import { FakeAgent, FakeScheduler, Harness, testUuid } from '../testing/harness.ts';
import { applyRecovery } from './recovery.ts';

const RES = 'cpus:4;mem:4096';

async function leader(state: MemoryState, masterId: string, config: ConstructorParameters<typeof Harness>[0] = {}): Promise<{ h: Harness; registrar: Registrar; store: StateStore }> {
  const store = state.connect();
  const token = await store.claimEpoch();
  assert.ok(token.ok);
  const registrar = new Registrar(store.fenced(token.value));
  const h = new Harness(config, { masterId, registry: registrar });
  const contents = await registrar.recover();
  assert.ok(contents.ok, contents.ok ? '' : contents.error);
  applyRecovery(h.master, contents.value);
  return { h, registrar, store };
}

function task(id: string, offer: Offer): TaskInfo {
  return {
    name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { value: 'sleep 100', shell: true },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 128 } }],
  };
}

/** A cluster on the first master: two agents, a framework with one running task on each. */
async function firstMaster(state: MemoryState, info: Partial<FrameworkInfo>) {
  const { h } = await leader(state, 'M1');
  const a = new FakeAgent(h, 'a', 5051);
  a.register(RES);
  const b = new FakeAgent(h, 'b', 5051);
  b.register(RES);
  await h.flush();
  assert.ok(a.id && b.id, 'both agents are registered once the registry has them');
  const s = h.scheduler({ checkpoint: true, failover_timeout: 3600, ...info });
  await h.flush();
  for (const offer of s.liveOffers()) {
    const id = offer.agent_id.value === a.id ? 'ta' : 'tb';
    assert.ok(s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task(id, offer)] } }] } }).ok);
  }
  h.settle();
  a.update(s.frameworkId!, 'ta', 'TASK_RUNNING', testUuid());
  b.update(s.frameworkId!, 'tb', 'TASK_RUNNING', testUuid());
  return { h, a, b, s };
}

test('registration waits for the registry: an agent is told it is registered only once the registry holds it', async () => {
  const state = new MemoryState();
  const { h } = await leader(state, 'M1');
  const a = new FakeAgent(h, 'a', 5051);
  a.register(RES);
  assert.equal(a.ofType('AGENT_REGISTERED').length, 0, 'not before the write completes');
  a.register(RES); // a retry while the write is in flight is ignored
  await h.flush();
  assert.equal(a.ofType('AGENT_REGISTERED').length, 1);
  const again = await new Registrar(state.connect()).recover();
  assert.ok(again.ok);
  assert.equal(again.value.agents.get(a.id!)?.state, 'ADMITTED');
  assert.equal(again.value.agents.get(a.id!)?.info.hostname, 'a');
});

test('failover: the new leader recovers the agents, accepts the framework back, is silent about tasks it cannot know, and keeps the tasks running', async () => {
  const state = new MemoryState();
  const old = await firstMaster(state, { capabilities: [{ type: 'PARTITION_AWARE' }] });
  const fid = old.s.frameworkId!;

  // The second master is elected: it claims the store, which deposes the first.
  const { h } = await leader(state, 'M2', { agentReregisterTimeoutMs: 60_000 });
  assert.deepEqual([...h.master.recoveredAgents.keys()].sort(), [old.a.id, old.b.id].sort());
  assert.equal(h.master.agents.size, 0);

  // The deposed master's next registry write is refused, and it aborts.
  new FakeAgent(old.h, 'c', 5051).register(RES);
  await old.h.flush();
  assert.ok(old.h.master.isStopped, 'a fenced write stops the old leader');

  // The framework re-subscribes with its ID.
  const s = new FakeScheduler(h, old.s.info);
  s.frameworkId = fid;
  s.subscribe();
  await h.flush();
  assert.equal(s.events[0]?.type, 'SUBSCRIBED');
  assert.equal(s.events[0]?.subscribed?.framework_id.value, fid);

  // Explicit reconciliation about tasks on recovered agents: no answer (not a wrong one).
  const before = s.updates().length;
  s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'ta' }, agent_id: { value: old.a.id! } }, { task_id: { value: 'tb' } }] } });
  h.settle();
  assert.equal(s.updates().length, before);
  // Implicit reconciliation answers only for what the master knows: nothing yet.
  s.call({ type: 'RECONCILE', reconcile: {} });
  h.settle();
  assert.equal(s.updates().length, before);

  // Agent a re-registers with its task; it is no longer "recovered" and its task is known again.
  const a = new FakeAgent(h, 'a', 5051);
  a.id = old.a.id!;
  a.reregister(RES, [{ frameworkId: fid, taskId: 'ta' }], [{ ...old.s.info, id: { value: fid } }]);
  await h.flush();
  assert.equal(a.ofType('AGENT_REREGISTERED').length, 1);
  assert.ok(!h.master.recoveredAgents.has(a.id));
  assert.equal(h.master.frameworks.get(fid)!.tasks.get('ta')!.task.state, 'TASK_RUNNING');
  assert.ok(!s.updates().some((u) => u.state === 'TASK_LOST' || u.state === 'TASK_UNREACHABLE'), 'nothing was reported lost');
  s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'ta' }, agent_id: { value: a.id } }] } });
  h.settle();
  assert.equal(s.lastState('ta'), 'TASK_RUNNING');
  assert.equal(s.updates('ta').at(-1)!.reason, 'REASON_RECONCILIATION');
  // tb: b still recovering, and no agent named while any agent recovers → silent.
  s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'tb' } }] } });
  h.settle();
  assert.equal(s.updates('tb').length, 0);

  // b never comes back in time: marked unreachable (persisted), and then reconciliation answers.
  h.advance(60_000);
  await h.flush();
  assert.ok(h.master.unreachableAgents.has(old.b.id!));
  assert.equal(h.master.recoveredAgents.size, 0);
  const reg = await new Registrar(state.connect()).recover();
  assert.ok(reg.ok);
  assert.equal(reg.value.agents.get(old.b.id!)?.state, 'UNREACHABLE');
  assert.equal(reg.value.agents.get(old.a.id!)?.state, 'ADMITTED');
  s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'tb' }, agent_id: { value: old.b.id! } }] } });
  h.settle();
  const tb = s.updates('tb').at(-1)!;
  assert.equal(tb.state, 'TASK_UNREACHABLE');
  assert.ok(tb.unreachable_time !== undefined);

  // b returns late (a healed partition): re-admitted through the registry, its task continues.
  const b = new FakeAgent(h, 'b', 5051);
  b.id = old.b.id!;
  b.reregister(RES, [{ frameworkId: fid, taskId: 'tb' }], [{ ...old.s.info, id: { value: fid } }]);
  assert.equal(b.ofType('AGENT_REREGISTERED').length, 0, 'not before the registry says admitted');
  await h.flush();
  assert.equal(b.ofType('AGENT_REREGISTERED').length, 1);
  assert.equal(s.lastState('tb'), 'TASK_RUNNING');
  assert.equal(s.updates('tb').at(-1)!.reason, 'REASON_AGENT_REREGISTERED');
  const after = await new Registrar(state.connect()).recover();
  assert.ok(after.ok);
  assert.equal(after.value.agents.get(old.b.id!)?.state, 'ADMITTED');
});

test('after the re-register timeout, frameworks without PARTITION_AWARE hear TASK_LOST for tasks on agents that never returned', async () => {
  const state = new MemoryState();
  const old = await firstMaster(state, {});
  const fid = old.s.frameworkId!;
  const { h } = await leader(state, 'M2', { agentReregisterTimeoutMs: 1000 });
  const s = new FakeScheduler(h, old.s.info);
  s.frameworkId = fid;
  s.subscribe();
  h.advance(1000);
  await h.flush();
  s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'ta' }, agent_id: { value: old.a.id! } }] } });
  h.settle();
  assert.equal(s.lastState('ta'), 'TASK_LOST');
});

test('--recovery-agent-removal-limit: a leader that would mark too many recovered agents unreachable aborts instead', async () => {
  const state = new MemoryState();
  await firstMaster(state, {});
  const { h } = await leader(state, 'M2', { agentReregisterTimeoutMs: 1000, recoveryAgentRemovalLimit: 0.4 });
  const aborted: string[] = [];
  h.master.abort = (reason) => {
    aborted.push(reason);
    h.master.stop();
  };
  h.advance(1000);
  assert.equal(aborted.length, 1);
  assert.match(aborted[0]!, /removal limit/);
});

test('unreachable and gone agents, deactivation, weights and quota survive a failover', async () => {
  const state = new MemoryState();
  const old = await firstMaster(state, {});
  const m = old.h.master;
  // b stops answering pings: persisted as unreachable before anyone hears of it.
  old.b.answerPings = false;
  old.h.clock.advance(15_000 * 6);
  old.h.settle();
  const { markGone } = await import('../agents/gone.ts');
  await old.h.flush();
  assert.ok(m.unreachableAgents.has(old.b.id!));
  assert.equal((await markGone(m, old.b.id!)).ok, true);
  m.allocator.updateWeights([{ role: 'web', weight: 3 }]);
  const { persistWeights } = await import('../http/operator-endpoint.ts');
  await new Promise<void>((resolve) => persistWeights(m, resolve, (why) => assert.fail(why)));
  const { updateQuota } = await import('../operator/quota.ts');
  assert.ok(updateQuota(m, [{ role: 'web', guarantees: { cpus: { value: 1 } } }], false).ok);
  await new Promise<void>((resolve) => m.persist({ type: 'QUOTA', configs: [...m.quotas.values()] }, resolve));
  m.agents.get(old.a.id!)!.deactivated = true;
  await new Promise<void>((resolve) => m.persist({ type: 'ADMIT', info: m.agents.get(old.a.id!)!.info, deactivated: true }, resolve));

  const { h } = await leader(state, 'M2');
  assert.ok(h.master.goneAgents.has(old.b.id!));
  assert.ok(!h.master.unreachableAgents.has(old.b.id!));
  assert.equal(h.master.allocator.weights().get('web'), 3);
  assert.equal(h.master.quotas.get('web')?.guarantees?.cpus?.value, 1);
  assert.equal(h.master.recoveredAgents.get(old.a.id!)?.deactivated, true);
  // A gone agent may never come back.
  const b = new FakeAgent(h, 'b', 5051);
  b.id = old.b.id!;
  b.reregister(RES, [], []);
  await h.flush();
  assert.equal(b.ofType('SHUTDOWN_AGENT').length, 1);
  // The deactivated agent re-registers deactivated.
  const a = new FakeAgent(h, 'a', 5051);
  a.id = old.a.id!;
  a.reregister(RES, [], []);
  await h.flush();
  assert.equal(h.master.agents.get(a.id)?.deactivated, true);
});
