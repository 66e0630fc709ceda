/**
 * Registry GC: the pure planner (exhaustively, against its definition), and the master doing it
 * through a real Registrar over an in-memory state store under a FakeClock — old unreachable
 * entries leave the registry, `/master/state` and the metrics while recent ones stay, the count
 * bound, gone entries, an agent that comes back around its prune, and a new leader that does not
 * bring pruned entries back (Mesos's `PartitionTest.RegistryGcByCount/ByAge/MixedAgeAndCount`,
 * `RegistryGcRace`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Offer, TaskInfo } from '@agora/protocol';
import { MemoryState } from '@agora/state';
import { markGone } from '../agents/gone.ts';
import { applyRecovery } from '../ha/recovery.ts';
import { stateJson } from '../operator/state-json.ts';
import { FakeAgent, Harness, testUuid } from '../testing/harness.ts';
import { collectRegistryGarbage, planPrune, type GcCandidate } from './gc.ts';
import { Registrar, type RegistryContents } from './registrar.ts';

// ───────────────────────────── the planner ─────────────────────────────

test('planPrune: by age (strictly older than maxAge), by count (oldest first), both, ties by ID, in any input order', () => {
  const e = (id: string, at: number): GcCandidate => ({ id, at });
  const lim = (maxAgeMs: number, maxCount: number) => ({ maxAgeMs, maxCount });
  assert.deepEqual(planPrune([], 100, lim(10, 0)), []);
  assert.deepEqual(planPrune([e('a', 90), e('b', 95)], 100, lim(10, 5)), [], 'young and few: kept');
  assert.deepEqual(planPrune([e('a', 90), e('b', 89)], 100, lim(10, 5)), ['b'], 'exactly maxAge old is kept, older is not');
  assert.deepEqual(planPrune([e('c', 3), e('a', 1), e('d', 4), e('b', 2)], 5, lim(100, 2)), ['a', 'b'], 'over the count: oldest first');
  assert.deepEqual(planPrune([e('c', 3), e('a', 1), e('d', 40), e('b', 2)], 40, lim(10, 3)), ['a', 'b', 'c'], 'count takes a, age takes b and c');
  assert.deepEqual(planPrune([e('y', 1), e('x', 1), e('z', 1)], 1, lim(10, 1)), ['x', 'y'], 'same time: by ID');
  assert.deepEqual(planPrune([e('a', 1), e('b', 2)], 2, lim(10, 0)), ['a', 'b'], 'maxCount 0 keeps none');
});

test('planPrune matches its definition for every small case (≤4 entries, times 0–3, every age and count bound; input reversed and rotated)', () => {
  const ids = ['p', 'q', 'r', 's'];
  let cases = 0;
  for (let n = 0; n <= 4; n++) {
    for (let code = 0; code < 4 ** n; code++) {
      const entries = ids.slice(0, n).map((id, i) => ({ id, at: Math.floor(code / 4 ** i) % 4 }));
      for (let maxAgeMs = 0; maxAgeMs <= 4; maxAgeMs++) {
        for (let maxCount = 0; maxCount <= 5; maxCount++) {
          const now = 4;
          // Definition: oldest (at, then ID) first; the first max(0, n - maxCount) go, and so does anything older than maxAge.
          const sorted = [...entries].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
          const overCount = Math.max(0, n - maxCount);
          const expected = sorted.filter((x, i) => i < overCount || now - x.at > maxAgeMs).map((x) => x.id);
          for (const order of [entries, [...entries].reverse(), [...entries.slice(1), ...entries.slice(0, 1)]]) {
            const got = planPrune(order, now, { maxAgeMs, maxCount });
            assert.deepEqual(got, expected, JSON.stringify({ order, maxAgeMs, maxCount }));
            const kept = entries.filter((x) => !got.includes(x.id));
            assert.ok(kept.length <= maxCount && kept.every((x) => now - x.at <= maxAgeMs));
            cases++;
          }
        }
      }
    }
  }
  assert.ok(cases > 20_000, `${cases} cases`);
});

// ───────────────────────────── the master ─────────────────────────────

const RES = 'cpus:4;mem:4096';
const MIN = 60_000;

async function leader(state: MemoryState, masterId: string, config: ConstructorParameters<typeof Harness>[0]) {
  const store = state.connect();
  const token = await store.claimEpoch();
  assert.ok(token.ok);
  const registrar = new Registrar(store.fenced(token.value));
  const h = new Harness({ agentPingTimeoutMs: 1000, maxAgentPingTimeouts: 2, ...config }, { masterId, registry: registrar });
  const contents = await registrar.recover();
  assert.ok(contents.ok);
  applyRecovery(h.master, contents.value);
  return h;
}

async function registry(state: MemoryState): Promise<RegistryContents> {
  const r = await new Registrar(state.connect()).recover();
  assert.ok(r.ok);
  return r.value;
}

const states = (c: RegistryContents) => Object.fromEntries([...c.agents].map(([id, a]) => [id, a.state]));

async function agent(h: Harness, name: string): Promise<FakeAgent> {
  const a = new FakeAgent(h, name, 5051);
  a.register(RES);
  await h.flush();
  assert.ok(a.id);
  return a;
}

/** Stops `a` answering pings and waits until it is marked unreachable (3 s at 1 s × 2 misses). */
async function partition(h: Harness, a: FakeAgent): Promise<void> {
  a.answerPings = false;
  for (let i = 0; i < 4 && !h.master.unreachableAgents.has(a.id!); i++) {
    h.advance(1000);
    await h.flush();
  }
  assert.ok(h.master.unreachableAgents.has(a.id!));
}

function task(id: string, offer: Offer): TaskInfo {
  return {
    name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { value: 'sleep 100', shell: true },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 128 } }],
  };
}

test('GC by age: an old unreachable agent leaves the registry, /master/state, the metrics and its framework; a recent one stays; if it comes back it is an unknown agent', async () => {
  const state = new MemoryState();
  const h = await leader(state, 'M1', { registryMaxAgentAgeMs: 10 * MIN, registryGcIntervalMs: MIN });
  const t0 = h.clock.now(); // GC passes run at t0 + k minutes
  const a = await agent(h, 'a');
  const b = await agent(h, 'b');
  await agent(h, 'c');
  const s = h.scheduler({ capabilities: [{ type: 'PARTITION_AWARE' }], checkpoint: true });
  await h.flush();
  const offer = s.liveOffers().find((o) => o.agent_id.value === a.id)!;
  assert.ok(s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task('t', offer)] } }] } }).ok);
  h.settle();
  a.update(s.frameworkId!, 't', 'TASK_RUNNING', testUuid());

  await partition(h, a); // marked at ~3 s
  h.advance(5 * MIN);
  await h.flush();
  await partition(h, b); // marked at ~5 min
  assert.equal(stateJson(h.master, {}).unreachable_slaves, 2);
  assert.equal(s.lastState('t'), 'TASK_UNREACHABLE');

  // a was marked 3 s after t0: the pass at 10 min keeps it, the one at 11 min prunes it.
  h.advance(t0 + 10 * MIN - h.clock.now());
  await h.flush();
  assert.equal(h.master.unreachableAgents.size, 2);
  h.advance(MIN);
  await h.flush();
  assert.deepEqual([...h.master.unreachableAgents.keys()], [b.id]);
  assert.equal(stateJson(h.master, {}).unreachable_slaves, 1);
  assert.equal(h.metrics.snapshot()['master/slaves_unreachable'], 1);
  assert.equal(h.master.frameworks.get(s.frameworkId!)!.unreachableTasks.size, 0, 'its unreachable task went with it');
  const reg = await registry(state);
  assert.equal(reg.agents.has(a.id!), false);
  assert.equal(reg.agents.get(b.id!)?.state, 'UNREACHABLE');
  // Reconciliation knows nothing of it any more.
  s.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't' }, agent_id: { value: a.id! } }] } });
  h.settle();
  assert.equal(s.lastState('t'), 'TASK_UNKNOWN');

  // It comes back: admitted again as an unknown agent, its task adopted as reported.
  const before = s.updates('t').length;
  a.answerPings = true;
  a.reconnect();
  a.reregister(RES, [{ frameworkId: s.frameworkId!, taskId: 't' }], [{ ...s.info, id: { value: s.frameworkId! } }]);
  await h.flush();
  assert.equal(a.ofType('AGENT_REREGISTERED').length, 1);
  assert.equal(h.master.frameworks.get(s.frameworkId!)!.tasks.get('t')?.task.state, 'TASK_RUNNING');
  assert.equal(s.updates('t').length, before, 'no REASON_AGENT_REREGISTERED update: the master no longer knew it was unreachable');
  assert.equal((await registry(state)).agents.get(a.id!)?.state, 'ADMITTED');
});

test('GC by count (oldest first) for unreachable and, separately, gone agents; a new leader does not bring pruned entries back', async () => {
  const state = new MemoryState();
  const config = { registryMaxAgentCount: 2, registryGcIntervalMs: 30 * MIN };
  const h = await leader(state, 'M1', config);
  const t0 = h.clock.now();
  const agents: FakeAgent[] = [];
  for (const name of ['u1', 'u2', 'u3', 'g1', 'g2', 'g3', 'live']) agents.push(await agent(h, name));
  const [u1, u2, u3, g1, g2, g3, live] = agents as [FakeAgent, FakeAgent, FakeAgent, FakeAgent, FakeAgent, FakeAgent, FakeAgent];
  for (const u of [u1, u2, u3]) {
    await partition(h, u);
    h.advance(MIN);
  }
  for (const g of [g1, g2, g3]) {
    assert.deepEqual(await markGone(h.master, g.id!), { ok: true, value: undefined });
    h.advance(MIN);
  }
  await h.flush();
  assert.deepEqual([h.master.unreachableAgents.size, h.master.goneAgents.size], [3, 3]);
  assert.ok(h.clock.now() < t0 + 30 * MIN);

  h.advance(t0 + 30 * MIN - h.clock.now());
  await h.flush();
  assert.deepEqual([...h.master.unreachableAgents.keys()].sort(), [u2.id, u3.id].sort());
  assert.deepEqual([...h.master.goneAgents.keys()].sort(), [g2.id, g3.id].sort());
  assert.deepEqual(states(await registry(state)), {
    [u2.id!]: 'UNREACHABLE', [u3.id!]: 'UNREACHABLE', [g2.id!]: 'GONE', [g3.id!]: 'GONE', [live.id!]: 'ADMITTED',
  });
  // Nothing more to do at the next pass.
  h.advance(30 * MIN);
  await h.flush();
  assert.equal(h.master.unreachableAgents.size + h.master.goneAgents.size, 4);

  // A new leader recovers only what is left.
  const h2 = await leader(state, 'M2', config);
  assert.deepEqual([...h2.master.unreachableAgents.keys()].sort(), [u2.id, u3.id].sort());
  assert.deepEqual([...h2.master.goneAgents.keys()].sort(), [g2.id, g3.id].sort());
  assert.deepEqual([...h2.master.recoveredAgents.keys()], [live.id]);
  assert.equal(stateJson(h2.master, {}).unreachable_slaves, 2);
  // The deposed leader's GC is fenced like every other write: its first PRUNE stops it.
  h.master.config.registryMaxAgentCount = 0;
  void collectRegistryGarbage(h.master);
  await h.flush();
  assert.ok(h.master.isStopped, 'a fenced PRUNE stops the old leader');
  assert.equal((await registry(state)).agents.size, 5, 'and changes nothing');
});

test('an agent re-registering around its prune keeps its registry entry (either order)', async () => {
  const state = new MemoryState();
  const h = await leader(state, 'M1', { registryMaxAgentAgeMs: 10_000, registryGcIntervalMs: MIN });
  const t0 = h.clock.now();
  const a = await agent(h, 'a');
  const b = await agent(h, 'b');
  await partition(h, a);
  await partition(h, b);

  // a: its re-registration (ADMIT) is in flight when the GC plans to prune it → the prune finds it admitted.
  h.advance(t0 + MIN - 1 - h.clock.now());
  a.answerPings = true;
  a.reconnect();
  a.reregister(RES, [], []);
  // b: the GC's prune is issued first, then b re-registers (its ADMIT follows the prune).
  h.advance(1);
  b.answerPings = true;
  b.reconnect();
  b.reregister(RES, [], []);
  await h.flush();

  assert.equal(a.ofType('AGENT_REREGISTERED').length, 1);
  assert.equal(b.ofType('AGENT_REREGISTERED').length, 1);
  assert.equal(h.master.unreachableAgents.size, 0);
  assert.deepEqual(states(await registry(state)), { [a.id!]: 'ADMITTED', [b.id!]: 'ADMITTED' });
  assert.ok(!h.master.isStopped);
});

test('defaults are Mesos’s: 2 weeks, 102400 agents, every 15 minutes; nothing young is pruned', async () => {
  // Hourly allocation, so that two weeks of fake time pass quickly.
  const h = new Harness({ agentPingTimeoutMs: 1000, maxAgentPingTimeouts: 2, allocationIntervalMs: 3_600_000 });
  assert.deepEqual(
    [h.master.config.registryMaxAgentAgeMs, h.master.config.registryMaxAgentCount, h.master.config.registryGcIntervalMs],
    [14 * 24 * 3600_000, 102_400, 15 * MIN],
  );
  const a = new FakeAgent(h, 'a', 5051);
  a.register(RES);
  a.answerPings = false;
  h.advance(3000);
  h.advance(14 * 24 * 60 * MIN - 3000); // the pass at two weeks after t0: it was marked 3 s short of two weeks ago, kept
  await h.flush();
  assert.equal(h.master.unreachableAgents.size, 1);
  h.advance(15 * MIN);
  await h.flush();
  assert.equal(h.master.unreachableAgents.size, 0);
});
