/**
 * --agent-removal-rate-limit: the flag's syntax, the pure permit spacing, and (harness) a
 * partition of five agents marked one per second, one of them canceled because it answered
 * while it waited (Mesos's `SlaveTest.RateLimitSlaveShutdown`/`CancelSlaveShutdown`, with the
 * unreachable metrics of monitoring.md), and recovered agents paced the same way after a failover.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from '@agora/runtime';
import { MemoryState } from '@agora/state';
import { compileConfig } from '../config.ts';
import { MASTER_FLAGS } from '../flags.ts';
import { applyRecovery } from '../ha/recovery.ts';
import { Registrar } from '../registrar/registrar.ts';
import { FakeAgent, Harness } from '../testing/harness.ts';
import { markGone } from './gone.ts';
import { parseRemovalRateLimit, RemovalRate } from './removal-limit.ts';

test('parseRemovalRateLimit: <number of agents>/<duration>, positive both', () => {
  assert.deepEqual(parseRemovalRateLimit('1/20mins'), { ok: true, value: { permits: 1, durationMs: 1_200_000 } });
  assert.deepEqual(parseRemovalRateLimit('100/1secs'), { ok: true, value: { permits: 100, durationMs: 1000 } });
  assert.deepEqual(parseRemovalRateLimit(' 2/3hrs '), { ok: true, value: { permits: 2, durationMs: 3 * 3_600_000 } });
  for (const bad of ['', '1', '1/', '/1secs', 'a/1secs', '1.5/1secs', '-1/1secs', '1/2/3secs', '1/fast', '1 secs']) {
    const r = parseRemovalRateLimit(bad);
    assert.equal(r.ok, false, bad);
  }
  assert.match((parseRemovalRateLimit('0/1secs') as { error: string }).error, /positive integer/);
  assert.match((parseRemovalRateLimit('1/0secs') as { error: string }).error, /duration must be positive/);
});

test('the flag: parsed into the config; errors name --agent-removal-rate-limit; no limit by default', () => {
  const config = (argv: string[]) => {
    const f = parseFlags(MASTER_FLAGS, argv);
    assert.ok(f.ok, f.ok ? '' : f.error);
    return compileConfig(f.value.options, []);
  };
  const none = config([]);
  assert.ok(none.ok);
  assert.equal(none.value.agentRemovalRateLimit, undefined);
  const set = config(['--agent_removal_rate_limit=1/20mins']);
  assert.ok(set.ok);
  assert.deepEqual(set.value.agentRemovalRateLimit, { permits: 1, durationMs: 1_200_000 });
  const bad = config(['--agent-removal-rate-limit=fast']);
  assert.equal(bad.ok, false);
  assert.match((bad as { error: string }).error, /^--agent-removal-rate-limit: expected <number of agents>\/<duration>/);
});

test('RemovalRate: n/d grants one permit every d/n, the first at once, never in the past', () => {
  const r = new RemovalRate({ permits: 1, durationMs: 1000 });
  assert.equal(r.earliest(7), 7);
  assert.equal(r.earliest(7), 7, 'earliest takes nothing');
  assert.deepEqual([r.take(0), r.take(0), r.take(0)], [0, 1000, 2000]);
  assert.equal(r.take(1500), 3000, 'queued behind the permits already promised');
  assert.equal(r.take(10_000), 10_000, 'idle long enough: at once');
  assert.equal(r.earliest(10_500), 11_000);
  assert.equal(r.take(10_001), 11_000);
  const fast = new RemovalRate({ permits: 100, durationMs: 1000 });
  assert.deepEqual([fast.take(5), fast.take(5), fast.take(5)], [5, 15, 25]);
  const slow = new RemovalRate({ permits: 2, durationMs: 3000 });
  assert.deepEqual([slow.take(0), slow.take(0), slow.take(4000)], [0, 1500, 4000]);
});

const metrics = (h: Harness) => {
  const s = h.metrics.snapshot();
  return { scheduled: s['master/slave_unreachable_scheduled'], canceled: s['master/slave_unreachable_canceled'], completed: s['master/slave_unreachable_completed'], unreachable: s['master/slaves_unreachable'] };
};

test('five agents partitioned at once with 1/1secs: marked one per second; one that answers while it waits is spared and its turn passes on', () => {
  const h = new Harness({ agentPingTimeoutMs: 1000, maxAgentPingTimeouts: 2, agentRemovalRateLimit: { permits: 1, durationMs: 1000 } });
  const agents: FakeAgent[] = [];
  for (let i = 0; i < 5; i++) agents.push(h.agent('cpus:1;mem:512', `host${i}`));
  const s = h.scheduler({ capabilities: [{ type: 'PARTITION_AWARE' }] });
  for (const a of agents) a.answerPings = false;
  // t=1000 ping unanswered, t=2000 one miss, t=3000 two misses: all five scheduled at once.
  h.advance(2999);
  assert.deepEqual(metrics(h), { scheduled: 0, canceled: 0, completed: 0, unreachable: 0 });
  h.advance(1);
  assert.deepEqual(metrics(h), { scheduled: 5, canceled: 0, completed: 1, unreachable: 1 });
  assert.ok(h.master.unreachableAgents.has(agents[0]!.id!), 'the first is marked at once');
  // The third heals while it waits; it is still pinged, answers, and is not marked.
  h.advance(500);
  agents[2]!.answerPings = true;
  h.advance(500); // t=4000
  assert.deepEqual(metrics(h), { scheduled: 5, canceled: 0, completed: 2, unreachable: 2 });
  h.advance(999);
  assert.equal(h.master.unreachableAgents.size, 2, 'not before the next turn');
  h.advance(1); // t=5000: the third's turn; it answered, so the permit goes to the fourth
  assert.deepEqual(metrics(h), { scheduled: 5, canceled: 1, completed: 3, unreachable: 3 });
  h.advance(1000); // t=6000
  assert.deepEqual(metrics(h), { scheduled: 5, canceled: 1, completed: 4, unreachable: 4 });
  assert.deepEqual([...h.master.unreachableAgents.keys()], [0, 1, 3, 4].map((i) => agents[i]!.id!), 'in the order they failed');
  const spared = h.master.agents.get(agents[2]!.id!)!;
  assert.ok(spared.active && spared.connected, 'the healed agent stays registered and active');
  // Frameworks heard FAILURE for exactly the four that were marked.
  const failed = s.ofType('FAILURE').map((e) => e.failure!.agent_id!.value);
  assert.deepEqual(failed.sort(), [0, 1, 3, 4].map((i) => agents[i]!.id!).sort());
  h.advance(10_000);
  assert.deepEqual(metrics(h), { scheduled: 5, canceled: 1, completed: 4, unreachable: 4 }, 'nothing further');
});

test('without a limit every failing agent is marked at once (scheduled = completed)', () => {
  const h = new Harness({ agentPingTimeoutMs: 1000, maxAgentPingTimeouts: 2 });
  const agents = [0, 1, 2].map((i) => h.agent('cpus:1;mem:512', `host${i}`));
  for (const a of agents) a.answerPings = false;
  h.advance(3000);
  assert.deepEqual(metrics(h), { scheduled: 3, canceled: 0, completed: 3, unreachable: 3 });
});

test('an agent that re-registers while it waits is not marked (its turn is canceled)', () => {
  const h = new Harness({ agentPingTimeoutMs: 1000, maxAgentPingTimeouts: 2, agentRemovalRateLimit: { permits: 1, durationMs: 60_000 } });
  const a = h.agent('cpus:1;mem:512', 'a');
  const b = h.agent('cpus:1;mem:512', 'b');
  a.answerPings = false;
  b.answerPings = false;
  h.advance(3000);
  assert.deepEqual(metrics(h), { scheduled: 2, canceled: 0, completed: 1, unreachable: 1 });
  // b's channel broke and it comes back: it re-registers (known agent) before its turn.
  b.answerPings = true;
  b.reconnect();
  b.reregister('cpus:1;mem:512', [], []);
  assert.equal(b.ofType('AGENT_REREGISTERED').length, 1);
  h.advance(60_000);
  assert.deepEqual(metrics(h), { scheduled: 2, canceled: 1, completed: 1, unreachable: 1 });
  assert.ok(h.master.agents.has(b.id!));
});

test('an agent marked gone while it waits leaves the queue silently (neither canceled nor completed)', async () => {
  const h = new Harness({ agentPingTimeoutMs: 1000, maxAgentPingTimeouts: 2, agentRemovalRateLimit: { permits: 1, durationMs: 60_000 } });
  const a = h.agent('cpus:1;mem:512', 'a');
  const b = h.agent('cpus:1;mem:512', 'b');
  a.answerPings = false;
  b.answerPings = false;
  h.advance(3000);
  assert.ok(h.master.agentRemovals.isScheduled(b.id!));
  assert.deepEqual(await markGone(h.master, b.id!), { ok: true, value: undefined });
  h.advance(60_000);
  assert.ok(!h.master.agentRemovals.isScheduled(b.id!));
  assert.deepEqual(metrics(h), { scheduled: 2, canceled: 0, completed: 1, unreachable: 1 });
  assert.ok(h.master.goneAgents.has(b.id!) && !h.master.unreachableAgents.has(b.id!));
});

test('after a failover, recovered agents that did not re-register are marked at the same rate; one that comes back before its turn is canceled', async () => {
  const state = new MemoryState();
  const lead = async (masterId: string, config: ConstructorParameters<typeof Harness>[0]) => {
    const store = state.connect();
    const token = await store.claimEpoch();
    assert.ok(token.ok);
    const registrar = new Registrar(store.fenced(token.value));
    const h = new Harness(config, { masterId, registry: registrar });
    const contents = await registrar.recover();
    assert.ok(contents.ok);
    applyRecovery(h.master, contents.value);
    return h;
  };
  const first = await lead('M1', {});
  const agents = ['a', 'b', 'c'].map((name) => {
    const a = new FakeAgent(first, name, 5051);
    a.register('cpus:1;mem:512');
    return a;
  });
  await first.flush();
  assert.ok(agents.every((a) => a.id));

  const h = await lead('M2', { agentReregisterTimeoutMs: 10_000, agentRemovalRateLimit: { permits: 1, durationMs: 60_000 } });
  assert.equal(h.master.recoveredAgents.size, 3);
  h.advance(10_000);
  await h.flush();
  assert.deepEqual(metrics(h), { scheduled: 3, canceled: 0, completed: 1, unreachable: 1 });
  assert.deepEqual([...h.master.unreachableAgents.keys()], [agents[0]!.id]);
  // b comes back while it waits.
  const b = new FakeAgent(h, 'b', 5051);
  b.id = agents[1]!.id!;
  b.reregister('cpus:1;mem:512', [], []);
  await h.flush();
  assert.equal(b.ofType('AGENT_REREGISTERED').length, 1);
  h.advance(59_999);
  await h.flush();
  assert.equal(h.master.unreachableAgents.size, 1, 'not before the next permit');
  h.advance(1);
  await h.flush();
  // b's turn is canceled (it is no longer a recovered agent) and c takes the permit.
  assert.deepEqual(metrics(h), { scheduled: 3, canceled: 1, completed: 2, unreachable: 2 });
  assert.deepEqual([...h.master.unreachableAgents.keys()].sort(), [agents[0]!.id, agents[2]!.id].sort());
  assert.ok(h.master.agents.has(b.id));
  const reg = await new Registrar(state.connect()).recover();
  assert.ok(reg.ok);
  assert.deepEqual([...reg.value.agents].map(([id, e]) => [id, e.state]).sort(), [[agents[0]!.id, 'UNREACHABLE'], [b.id, 'ADMITTED'], [agents[2]!.id, 'UNREACHABLE']].sort());
});
