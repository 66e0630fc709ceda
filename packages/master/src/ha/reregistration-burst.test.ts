/**
 * The re-registration burst after a failover: every agent the registry names comes back within
 * seconds. Their re-admissions must not cost one allocation run (and one OFFERS event) each:
 * allocation requests made before the run starts are coalesced into one run over all of them, as
 * Mesos's allocator batches the `addSlave` events queued in its mailbox — and every agent's
 * resources are still offered by that run. Agents the registry already holds need no registry
 * write (Mesos writes nothing for a known agent's re-registration).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryState } from '@agora/state';
import { Resources } from '@agora/resources';
import type { FrameworkInfo, internal } from '@agora/protocol';
import { Registrar, type RegistryOp, type RegistryPort } from '../registrar/registrar.ts';
import { FakeAgent, Harness } from '../testing/harness.ts';
import { applyRecovery } from './recovery.ts';

const N = 100;
const TASKS_PER_AGENT = 3;
const resources = (text: string) => {
  const r = Resources.parse(text);
  assert.ok(r.ok);
  return r.value.toProto('POST_REFINEMENT');
};

/** A registry counting the writes that reach it. */
class CountingRegistry implements RegistryPort {
  readonly ops: RegistryOp[] = [];
  constructor(private readonly inner: Registrar) {}
  apply(op: RegistryOp) {
    this.ops.push(op);
    return this.inner.apply(op);
  }
}

/** A new leader whose registry names `n` agents admitted by its predecessor M1 (`recover`: apply it now). */
async function newLeader(n = N, recover = true) {
  const state = new MemoryState();
  const store = state.connect();
  const old = await store.claimEpoch();
  assert.ok(old.ok);
  const previous = new Registrar(store.fenced(old.value));
  for (let i = 0; i < n; i++) {
    const admitted = await previous.apply({ type: 'ADMIT', info: { hostname: `h${i}`, port: 5051, id: { value: `M1-S${i}` }, resources: resources('cpus:4;mem:4096') } });
    assert.ok(admitted.ok);
  }
  const token = await store.claimEpoch();
  assert.ok(token.ok);
  const registrar = new Registrar(store.fenced(token.value));
  const registry = new CountingRegistry(registrar);
  const h = new Harness({ agentReregisterTimeoutMs: 60_000 }, { masterId: 'M2', registry });
  const contents = await registrar.recover();
  assert.ok(contents.ok);
  if (recover) applyRecovery(h.master, contents.value);
  else h.master.recovered = false;
  return { h, registry, contents: contents.value };
}

function reregistration(i: number, framework: FrameworkInfo, tasksPerAgent = TASKS_PER_AGENT): internal.AgentMessage {
  const agentId = `M1-S${i}`;
  return {
    type: 'REREGISTER_AGENT',
    reregister_agent: {
      agent_info: { hostname: `h${i}`, port: 5051, id: { value: agentId }, resources: resources('cpus:4;mem:4096') },
      version: '1.11.0',
      ip: '127.0.0.1',
      frameworks: [framework],
      tasks: Array.from({ length: tasksPerAgent }, (_, k) => ({
        name: `t${i}-${k}`,
        task_id: { value: `t${i}-${k}` },
        framework_id: framework.id!,
        agent_id: { value: agentId },
        state: 'TASK_RUNNING' as const,
        resources: resources('cpus:1;mem:128').map((r) => ({ ...r, allocation_info: { role: '*' } })),
        statuses: [{ task_id: { value: `t${i}-${k}` }, state: 'TASK_RUNNING' as const, source: 'SOURCE_EXECUTOR' as const, agent_id: { value: agentId }, executor_id: { value: `t${i}-${k}` }, timestamp: 1 }],
      })),
    },
  };
}

test(`a burst of ${N} re-registrations after a failover yields one allocation run, and every agent's remaining resources are offered`, async () => {
  const { h, registry } = await newLeader();
  const s = h.scheduler({ checkpoint: true, failover_timeout: 3600 });
  const framework: FrameworkInfo = { ...s.info, id: { value: s.frameworkId! } };
  h.advance(h.master.config.allocationIntervalMs); // the periodic run has nothing to offer yet
  const runsBefore = h.master.allocationRuns;
  const offersBefore = s.ofType('OFFERS').length;

  // Every agent re-registers before the master gets to run an allocation (one event-loop turn).
  const agents = Array.from({ length: N }, (_, i) => {
    const a = new FakeAgent(h, `h${i}`, 5051);
    a.id = `M1-S${i}`;
    return a;
  });
  agents.forEach((a, i) => a.send(reregistration(i, framework)));
  h.settle();

  for (const a of agents) assert.equal(a.ofType('AGENT_REREGISTERED').length, 1, `${a.hostname} is told it is re-registered`);
  assert.equal(h.master.recoveredAgents.size, 0);
  assert.equal(h.master.allocationRuns - runsBefore, 1, 'one allocation run for the whole burst');
  const events = s.ofType('OFFERS').slice(offersBefore);
  assert.equal(events.length, 1, 'one OFFERS event for the whole burst');
  const offered = new Map(events[0]!.offers!.offers!.map((o) => [o.agent_id.value, o]));
  assert.equal(offered.size, N, 'an offer for every re-registered agent');
  for (const [, o] of offered) {
    const r = Resources.fromProto(o.resources ?? []);
    assert.ok(r.ok);
    // What the tasks hold stays with them: 4 - 3×1 cpus and 4096 - 3×128 mem are offered.
    assert.equal(r.value.toUnreserved().scalar('cpus'), 4 - TASKS_PER_AGENT);
    assert.equal(r.value.toUnreserved().scalar('mem'), 4096 - TASKS_PER_AGENT * 128);
  }
  assert.equal(registry.ops.length, 0, 'agents the registry holds are re-admitted without a registry write');
  assert.equal(h.metrics.snapshot()['master/messages_reregister_slave'], N);
  assert.equal(h.master.frameworks.get(s.frameworkId!)!.tasks.size, N * TASKS_PER_AGENT);
});

test('a re-registered task keeps everything the agent reported about it except its resources, which the record holds', async () => {
  const { h } = await newLeader();
  const s = h.scheduler({ checkpoint: true, failover_timeout: 3600 });
  const framework: FrameworkInfo = { ...s.info, id: { value: s.frameworkId! } };
  const a = new FakeAgent(h, 'h0', 5051);
  a.id = 'M1-S0';
  const msg = reregistration(0, framework);
  a.send(msg);
  h.settle();
  const rec = h.master.frameworks.get(s.frameworkId!)!.tasks.get('t0-0')!;
  const reported = msg.reregister_agent!.tasks![0]!;
  const { resources: _r, ...rest } = reported;
  assert.deepEqual(JSON.parse(JSON.stringify(rec.task)), JSON.parse(JSON.stringify(rest)));
  assert.equal(rec.task.resources, undefined);
  assert.equal(rec.resources.scalar('cpus'), 1);
  // The IDs its statuses repeat are the task's own objects (one copy per task in memory).
  const status = rec.task.statuses![0]!;
  assert.equal(status.task_id, rec.task.task_id);
  assert.equal(status.agent_id, rec.task.agent_id);
  assert.equal(status.executor_id, rec.task.task_id);
});

test('what waited for the registry runs in order, a slice per event-loop turn; what arrives meanwhile waits behind it', () => {
  const h = new Harness();
  const m = h.master;
  m.recovered = false;
  const ran: number[] = [];
  for (let i = 0; i < 600; i++) m.afterRecovery(() => ran.push(i));
  assert.equal(ran.length, 0, 'nothing runs before the registry is read');
  m.markRecovered();
  assert.ok(ran.length > 0 && ran.length < 600, `a first slice runs at once, not all of it (${ran.length})`);
  m.afterRecovery(() => ran.push(600));
  assert.ok(m.awaitingRecovery, 'still draining');
  h.settle();
  assert.deepEqual(ran, Array.from({ length: 601 }, (_, i) => i), 'all of it, in the order queued');
  assert.equal(m.awaitingRecovery, false);
  m.afterRecovery(() => ran.push(601));
  assert.equal(ran.at(-1), 601, 'at once once drained');
});

test("re-registrations that arrive while the registry is read are handled once it is, each agent's later messages after its re-registration", async () => {
  const n = 300; // more than one slice
  const { h, contents } = await newLeader(n, false);
  const s = h.scheduler({ checkpoint: true, failover_timeout: 3600 });
  const framework: FrameworkInfo = { ...s.info, id: { value: s.frameworkId! } };
  const agents = Array.from({ length: n }, (_, i) => {
    const a = new FakeAgent(h, `h${i}`, 5051);
    a.id = `M1-S${i}`;
    a.send(reregistration(i, framework, 1));
    a.send({
      type: 'STATUS_UPDATE',
      status_update: {
        update: {
          framework_id: framework.id!, agent_id: { value: a.id }, uuid: 'AAAAAAAAAAAAAAAAAAAAAA==', timestamp: 2, latest_state: 'TASK_FINISHED',
          status: { task_id: { value: `t${i}-0` }, state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', uuid: 'AAAAAAAAAAAAAAAAAAAAAA==', timestamp: 2 },
        },
      },
    });
    return a;
  });
  h.settle();
  assert.equal(agents.filter((a) => a.ofType('AGENT_REREGISTERED').length > 0).length, 0, 'nothing is handled before the registry is read');
  applyRecovery(h.master, contents);
  h.settle();
  for (const a of agents) assert.equal(a.ofType('AGENT_REREGISTERED').length, 1);
  assert.equal(h.master.recoveredAgents.size, 0);
  const fw = h.master.frameworks.get(s.frameworkId!)!;
  for (let i = 0; i < n; i++) assert.equal(fw.tasks.get(`t${i}-0`)?.task.state, 'TASK_FINISHED', `t${i}-0's update came after its re-registration`);
});

test('re-registered tasks with alike resources share one parsed value; different ones keep their own', async () => {
  const { h } = await newLeader(1);
  const s = h.scheduler({ checkpoint: true, failover_timeout: 3600 });
  const framework: FrameworkInfo = { ...s.info, id: { value: s.frameworkId! } };
  const a = new FakeAgent(h, 'h0', 5051);
  a.id = 'M1-S0';
  const msg = reregistration(0, framework, 4);
  const tasks = msg.reregister_agent!.tasks!;
  tasks[2]!.resources = resources('cpus:2;mem:128').map((r) => ({ ...r, allocation_info: { role: '*' } }));
  // The same quantities with a reservation are different resources (not a plain scalar: parsed on their own).
  tasks[3]!.resources = resources('cpus:1;mem:128').map((r) => ({ ...r, allocation_info: { role: 'web' }, reservations: [{ type: 'STATIC' as const, role: 'web' }] }));
  a.send(msg);
  h.settle();
  const fw = h.master.frameworks.get(s.frameworkId!)!;
  const [t0, t1, t2, t3] = ['t0-0', 't0-1', 't0-2', 't0-3'].map((id) => fw.tasks.get(id)!);
  assert.equal(t0!.resources, t1!.resources, 'alike tasks share one value');
  const expected = Resources.fromProto(tasks[0]!.resources!);
  assert.ok(expected.ok && t0!.resources.equals(expected.value));
  assert.equal(t2!.resources.scalar('cpus'), 2);
  assert.equal(t0!.resources.scalar('cpus'), 1);
  assert.deepEqual(t3!.resources.toProto('POST_REFINEMENT').map((r) => r.reservations?.[0]?.role), ['web', 'web']);
  assert.equal(t3!.role, 'web');
});
