/**
 * An agent process is SIGKILLed while its tasks run, and the master reports it as Mesos does:
 *  - the channel drops at once: tasks of frameworks that do not checkpoint cannot survive an agent
 *    restart, so they are TASK_LOST with REASON_AGENT_DISCONNECTED right away;
 *  - after the ping timeouts the agent is unreachable: the checkpointing frameworks' tasks become
 *    TASK_UNREACHABLE (TASK_LOST without PARTITION_AWARE) with REASON_AGENT_REMOVED, and every
 *    framework hears FAILURE for the agent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from './support/cluster.ts';
import { TestFramework } from './support/framework.ts';
import { getJson } from './support/processes.ts';

let c: Cluster;
before(async () => {
  c = await startCluster({
    agents: 2,
    masterFlags: ['--agent-ping-timeout=500ms', '--max-agent-ping-timeouts=3', '--allocation-interval=500ms'],
    agentFlags: ['--resources=cpus:2;mem:1024'],
  });
});
after(() => c?.stop());

test('agent killed → its tasks are reported lost (unreachable to partition-aware frameworks)', async () => {
  const plain = new TestFramework(c.masterUrl, { name: 'plain' }).start();
  const aware = new TestFramework(c.masterUrl, { name: 'aware', checkpoint: true, capabilities: [{ type: 'PARTITION_AWARE' }] }).start();
  try {
    const [victimId] = await c.agentIds();
    const o1 = await plain.takeOffer(victimId);
    const [t1] = await plain.launch(o1, [{ name: 'p', command: 'sleep 300' }]);
    await plain.waitForState(t1!.task_id.value, 'TASK_RUNNING');
    const o2 = await aware.takeOffer(victimId);
    const [t2] = await aware.launch(o2, [{ name: 'a', command: 'sleep 300' }]);
    await aware.waitForState(t2!.task_id.value, 'TASK_RUNNING');

    await c.agents[0]!.kill();
    const lost = await plain.waitForState(t1!.task_id.value, 'TASK_LOST', 20_000);
    assert.equal(lost.reason, 'REASON_AGENT_DISCONNECTED');
    const unreachable = await aware.waitForState(t2!.task_id.value, 'TASK_UNREACHABLE', 20_000);
    assert.equal(unreachable.reason, 'REASON_AGENT_REMOVED');
    assert.deepEqual(aware.statesOf(t2!.task_id.value), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_UNREACHABLE'], 'nothing before the ping timeouts');
    for (const u of [lost, unreachable]) {
      assert.equal(u.source, 'SOURCE_MASTER');
      assert.equal(u.agent_id?.value, victimId);
    }
    assert.ok(unreachable.unreachable_time, 'unreachable_time is set');
    assert.ok(plain.failures.some((f) => f.agentId === victimId && !f.executorId), 'FAILURE {agent_id}');
    const state = await getJson<{ unreachable_slaves: number; slaves: Array<{ id: string }> }>(`${c.masterUrl}/master/state`);
    assert.equal(state.unreachable_slaves, 1);
    assert.ok(!state.slaves.some((s) => s.id === victimId));
    const snap = await getJson<Record<string, number>>(`${c.masterUrl}/metrics/snapshot`);
    assert.equal(snap['master/slave_unreachable_completed'], 1);
    assert.equal(snap['master/slaves_active'], 1, 'the other agent is untouched');
  } finally {
    await Promise.all([plain.teardown(), aware.teardown()]);
  }
});
