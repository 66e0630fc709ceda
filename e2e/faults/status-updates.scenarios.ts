/**
 * Scenarios 18 and 19 of fault-scenarios.md §1.9: status updates are at-least-once and in order
 * per task across lost, duplicated and unexpected acknowledgements and updates; kills and
 * framework shutdowns made while the agent is away are applied when it comes back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processes, runOnEveryAgent, withCluster } from './support/scenario.ts';

test('18a. a lost acknowledgement: the update is re-sent after the retry interval with the same uuid, and the next one waits for it (per-task order)', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  s.autoAck = false;
  const a = c.agents[0]!;
  const ex = a.executorOf('t1')!;
  // A second RUNNING-class update (healthy), then FINISHED, with the first acknowledgement lost.
  c.net.drop('STATUS_UPDATE_ACKNOWLEDGEMENT', { times: 1 });
  ex.update('t1', 'TASK_RUNNING');
  ex.update('t1', 'TASK_FINISHED');
  await c.settle();
  assert.deepEqual(s.history('t1'), ['TASK_RUNNING', 'TASK_RUNNING'], 'only the head of the stream is in flight');
  s.autoAck = true;
  s.ack(s.updates('t1').at(-1)!); // lost on the way to the agent
  await c.advance(9_000);
  assert.deepEqual(s.history('t1'), ['TASK_RUNNING', 'TASK_RUNNING']);
  await c.advance(1_500);
  const h = s.updates('t1');
  assert.deepEqual(h.map((u) => u.state), ['TASK_RUNNING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_FINISHED'], 're-sent at 10 s, then the next');
  assert.equal(h[2]!.uuid, h[1]!.uuid, 'the same update again');
  await c.settle();
  assert.equal(a.core.statusUpdates.head(s.frameworkId!, 't1'), undefined);
}));

test('18b. duplicated acknowledgements and duplicated updates: each update is delivered at least once, in order, and the stream ends clean', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  const a = c.agents[0]!;
  c.net.duplicate('STATUS_UPDATE_ACKNOWLEDGEMENT');
  c.net.duplicate('STATUS_UPDATE', { times: 1 });
  const ex = a.executorOf('t1')!;
  ex.update('t1', 'TASK_RUNNING');
  ex.update('t1', 'TASK_FINISHED');
  await c.advance(30_000);
  const h = s.updates('t1');
  assert.deepEqual(h.map((u) => u.state), ['TASK_RUNNING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_FINISHED'], 'the duplicated update arrives twice (consumers must be idempotent)');
  assert.equal(h[1]!.uuid, h[2]!.uuid);
  assert.equal(a.core.statusUpdates.head(s.frameworkId!, 't1'), undefined, 'duplicate acknowledgements are ignored, nothing is left pending');
  assert.deepEqual(processes(c), [], 'the executor finished cleanly');
}));

test('18c. an unexpected acknowledgement is ignored; a duplicate update from the executor before the ACK is dropped', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  s.autoAck = false;
  const a = c.agents[0]!;
  const ex = a.executorOf('t1')!;
  const sent = ex.update('t1', 'TASK_FINISHED');
  await c.settle();
  const finished = s.updates('t1').at(-1)!;
  assert.equal(finished.state, 'TASK_FINISHED');
  // An ACK for an update that never existed.
  const bogus = Buffer.alloc(16, 7).toString('base64');
  assert.equal(s.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: finished.agent_id!, task_id: finished.task_id, uuid: bogus } }).status, 202);
  await c.settle();
  assert.equal(a.core.statusUpdates.head(s.frameworkId!, 't1')?.uuid, finished.uuid, 'still pending');
  // The executor re-sends the same update (same uuid) before any ACK: dropped by the agent.
  ex.resend(sent);
  await c.settle();
  assert.deepEqual(s.history('t1'), ['TASK_RUNNING', 'TASK_FINISHED']);
  s.ack(finished);
  await c.settle();
  assert.equal(a.core.statusUpdates.head(s.frameworkId!, 't1'), undefined);
  await c.advance(60_000);
  assert.deepEqual(s.history('t1'), ['TASK_RUNNING', 'TASK_FINISHED'], 'nothing re-sent after the ACK');
}));

test('19a. a kill made while the agent is down is applied when it re-registers', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  const a = c.agents[0]!;
  a.kill();
  await c.settle();
  assert.equal(s.kill('t1').status, 202);
  await c.advance(10_000);
  assert.equal(s.lastState('t1'), 'TASK_RUNNING', 'nobody could kill it yet');
  assert.equal(processes(c).length, 1);
  assert.ok((await a.start()).ok);
  await c.until(() => s.lastState('t1') === 'TASK_KILLED', 60_000, 'the kill');
  await c.until(() => processes(c).length === 0, 30_000, 'the executor to exit');
}));

test('19b. a framework torn down while the agent is down is shut down on that agent when it re-registers', withCluster({ agents: 1 }, async (c) => {
  const s = await runOnEveryAgent(c, 's1', {});
  const a = c.agents[0]!;
  const ex = a.executorOf('t1')!;
  a.kill();
  await c.settle();
  assert.equal(s.teardown().status, 202);
  await c.settle();
  assert.ok(c.leader!.master.isCompletedFramework(s.frameworkId!));
  assert.equal(processes(c).length, 1);
  assert.ok((await a.start()).ok);
  await c.until(() => processes(c).length === 0, 60_000, 'the executor to be shut down');
  assert.ok(ex.received.includes('SHUTDOWN'));
  await c.settle();
  assert.equal(a.core.frameworks.has(s.frameworkId!), false, 'the agent forgot the framework');
}));
