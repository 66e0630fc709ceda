/**
 * Partitions and operator removal, deterministically (fault-scenarios.md §1.9 rows 20–23):
 * MARK_AGENT_GONE, a task that finishes while its agent is partitioned, and a gone agent that
 * keeps talking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Offer, TaskInfo } from '@agora/protocol';
import { markGone } from '../agents/gone.ts';
import { Harness, testUuid, type FakeAgent, type FakeScheduler } from '../testing/harness.ts';

const RES = 'cpus:4;mem:4096';

function task(id: string, offer: Offer): TaskInfo {
  return {
    name: id, task_id: { value: id }, agent_id: offer.agent_id, command: { value: 'sleep 100', shell: true },
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 128 } }],
  };
}

function running(h: Harness, agent: FakeAgent, s: FakeScheduler, id: string): void {
  const offer = s.liveOffers().find((o) => o.agent_id.value === agent.id)!;
  assert.ok(s.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task(id, offer)] } }], filters: { refuse_seconds: 0 } } }).ok);
  h.settle();
  agent.update(s.frameworkId!, id, 'TASK_RUNNING', testUuid());
}

test('MARK_AGENT_GONE: TASK_GONE_BY_OPERATOR (TASK_LOST without PARTITION_AWARE), the agent is shut down and may never re-register', async () => {
  const h = new Harness();
  const agent = h.agent(RES);
  const aware = h.scheduler({ name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] });
  running(h, agent, aware, 'a1');
  h.advance(1000);
  for (const o of aware.liveOffers()) aware.call({ type: 'DECLINE', decline: { offer_ids: [o.id], filters: { refuse_seconds: 3600 } } });
  const plain = h.scheduler({ name: 'plain' });
  h.advance(1000);
  running(h, agent, plain, 'p1');

  assert.deepEqual(await markGone(h.master, agent.id!), { ok: true, value: undefined });
  h.settle();
  const a = aware.updates('a1').at(-1)!;
  assert.equal(a.state, 'TASK_GONE_BY_OPERATOR');
  assert.equal(a.reason, 'REASON_AGENT_REMOVED_BY_OPERATOR');
  assert.equal(plain.lastState('p1'), 'TASK_LOST');
  assert.equal(agent.ofType('SHUTDOWN_AGENT').length, 1);
  assert.ok(h.master.goneAgents.has(agent.id!));
  assert.equal(h.master.agents.size, 0);
  assert.ok(aware.ofType('FAILURE').some((e) => e.failure?.agent_id?.value === agent.id));

  // It comes back anyway: refused.
  agent.reconnect();
  agent.reregister(RES, [{ frameworkId: aware.frameworkId!, taskId: 'a1' }], []);
  assert.equal(agent.ofType('SHUTDOWN_AGENT').length, 2);
  assert.equal(h.master.agents.size, 0);
  // Reconciliation names it gone.
  aware.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'zz' }, agent_id: { value: agent.id! } }] } });
  h.settle();
  assert.equal(aware.lastState('zz'), 'TASK_GONE_BY_OPERATOR');
  assert.deepEqual(await markGone(h.master, 'nope'), { ok: false, error: 'Unknown agent nope' });
});

test('a task that finishes while its agent is partitioned: unreachable first, then its terminal state once the agent is back', () => {
  const h = new Harness({ agentPingTimeoutMs: 1000, maxAgentPingTimeouts: 2 });
  const agent = h.agent(RES);
  const s = h.scheduler({ capabilities: [{ type: 'PARTITION_AWARE' }], checkpoint: true });
  running(h, agent, s, 't');
  agent.answerPings = false;
  h.advance(3000);
  assert.equal(s.lastState('t'), 'TASK_UNREACHABLE');
  // Meanwhile the task finished on the agent; the partition heals and the agent re-registers.
  agent.answerPings = true;
  agent.reconnect();
  agent.reregister(RES, [{ frameworkId: s.frameworkId!, taskId: 't', state: 'TASK_FINISHED' }], [{ ...s.info, id: { value: s.frameworkId! } }]);
  const back = s.updates('t').at(-1)!;
  assert.equal(back.state, 'TASK_FINISHED');
  assert.equal(back.reason, 'REASON_AGENT_REREGISTERED');
  // Its reliable update arrives too (the agent retries it until acknowledged).
  agent.update(s.frameworkId!, 't', 'TASK_FINISHED', testUuid());
  assert.equal(s.lastState('t'), 'TASK_FINISHED');
  assert.ok(h.master.frameworks.get(s.frameworkId!)!.tasks.get('t')!.released, 'its resources were returned');
});
