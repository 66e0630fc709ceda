import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, ok, type internal, type TaskState } from '@agora/protocol';
import { FakeClock } from '@agora/runtime';
import { sequentialIds } from '../ids.ts';
import { StatusUpdateManager, uuidKey } from './manager.ts';
import type { StatusUpdateStore } from './store.ts';

const SEC = 1000;

function setup(opts: { min?: number; max?: number; store?: StatusUpdateStore; maxPending?: number } = {}) {
  const clock = new FakeClock();
  const sent: internal.StatusUpdate[] = [];
  const ids = sequentialIds();
  const m = new StatusUpdateManager({
    clock,
    retryMinMs: opts.min ?? 10 * SEC,
    retryMaxMs: opts.max ?? 600 * SEC,
    forward: (u) => sent.push(u),
    store: opts.store,
    maxPendingPerStream: opts.maxPending,
  });
  m.resume();
  const make = (task: string, state: TaskState, uuid = ids.uuid(), fw = 'fw-1'): internal.StatusUpdate => ({
    framework_id: { value: fw },
    status: { task_id: { value: task }, state, uuid, source: 'SOURCE_EXECUTOR' },
    timestamp: clock.now() / 1000,
    uuid,
  });
  const states = () => sent.map((u) => `${u.status.task_id.value}:${u.status.state}`);
  return { clock, sent, m, make, states };
}

test('one update in flight per task; the next goes when the head is acknowledged', () => {
  const { clock, m, make, sent, states } = setup();
  const starting = make('t1', 'TASK_STARTING');
  const running = make('t1', 'TASK_RUNNING');
  const finished = make('t1', 'TASK_FINISHED');
  assert.deepEqual(m.update(starting), ok(true));
  assert.deepEqual(m.update(running), ok(true));
  assert.deepEqual(m.update(finished), ok(true));
  assert.deepEqual(states(), ['t1:TASK_STARTING']);
  assert.equal(sent[0]!.latest_state, 'TASK_STARTING', 'latest_state: the newest state queued when it was sent');
  clock.advance(10 * SEC);
  assert.equal(sent[1]!.latest_state, 'TASK_FINISHED', 'a retry carries the newest state');
  sent.length = 0;

  const a1 = m.acknowledgement('fw-1', 't1', starting.uuid!);
  assert.ok(a1.ok && !a1.value.terminal);
  assert.deepEqual(states(), ['t1:TASK_RUNNING']);
  m.acknowledgement('fw-1', 't1', running.uuid!);
  assert.deepEqual(states(), ['t1:TASK_RUNNING', 't1:TASK_FINISHED']);
  const a3 = m.acknowledgement('fw-1', 't1', finished.uuid!);
  assert.ok(a3.ok && a3.value.terminal, 'the terminal ack ends the stream');
  assert.equal(m.streamCount, 0);
});

test('streams of different tasks are independent', () => {
  const { m, make, states } = setup();
  m.update(make('a', 'TASK_RUNNING'));
  m.update(make('b', 'TASK_RUNNING'));
  m.update(make('a', 'TASK_FINISHED'));
  assert.deepEqual(states(), ['a:TASK_RUNNING', 'b:TASK_RUNNING']);
});

test('the head is retried from retry-min, doubling up to retry-max, until acknowledged', () => {
  const { clock, m, make, sent } = setup({ min: 10 * SEC, max: 30 * SEC });
  const start = clock.now();
  const u = make('t1', 'TASK_RUNNING');
  m.update(u);
  const at = () => sent.map((s) => (s === undefined ? -1 : 0)).length;
  const times: number[] = [];
  const record = () => times.push((clock.now() - start) / SEC);
  record();
  for (let i = 0; i < 120; i++) {
    const before = at();
    clock.advance(SEC);
    if (at() > before) record();
  }
  assert.deepEqual(times, [0, 10, 30, 60, 90, 120], 'intervals 10, 20, 30 (capped), 30, 30');
  m.acknowledgement('fw-1', 't1', u.uuid!);
  const n = sent.length;
  clock.advance(600 * SEC);
  assert.equal(sent.length, n, 'no retries after the ack');
  assert.equal(clock.timers, 0);
});

test('duplicate updates (same uuid) are dropped, before and after their acknowledgement', () => {
  const { m, make, sent } = setup();
  const running = make('t1', 'TASK_RUNNING');
  assert.deepEqual(m.update(running), ok(true));
  assert.deepEqual(m.update({ ...running }), ok(false), 'a retried executor update');
  assert.equal(sent.length, 1);
  m.acknowledgement('fw-1', 't1', running.uuid!);
  assert.deepEqual(m.update({ ...running }), ok(false), 'already acknowledged');
  // The same bytes in URL-safe base64 without padding are the same uuid.
  const alt = running.uuid!.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  assert.deepEqual(m.update({ ...running, uuid: alt }), ok(false));
});

test('a duplicate terminal update after the terminal ack starts a new stream (forwarded again)', () => {
  const { m, make, states } = setup();
  const finished = make('t1', 'TASK_FINISHED');
  m.update(finished);
  m.acknowledgement('fw-1', 't1', finished.uuid!);
  assert.deepEqual(m.update({ ...finished }), ok(true));
  assert.deepEqual(states(), ['t1:TASK_FINISHED', 't1:TASK_FINISHED']);
});

test('acknowledgements of unknown, stale or duplicate uuids are ignored', () => {
  const { clock, m, make, sent } = setup();
  const a = make('t1', 'TASK_STARTING');
  const b = make('t1', 'TASK_RUNNING');
  m.update(a);
  m.update(b);
  const other = make('t1', 'TASK_RUNNING');
  assert.ok(!m.acknowledgement('fw-1', 't1', other.uuid!).ok, 'unknown uuid');
  assert.ok(!m.acknowledgement('fw-1', 't1', b.uuid!).ok, 'not the head');
  assert.ok(!m.acknowledgement('fw-1', 'nope', a.uuid!).ok, 'unknown task');
  assert.ok(!m.acknowledgement('fw-1', 't1', '!!!').ok, 'not base64');
  assert.equal(m.head('fw-1', 't1')!.uuid, a.uuid, 'the head is still pending');
  clock.advance(10 * SEC);
  assert.equal(sent.length, 2, 'and still retried');
  assert.ok(m.acknowledgement('fw-1', 't1', a.uuid!).ok);
  const dup = m.acknowledgement('fw-1', 't1', a.uuid!);
  assert.ok(!dup.ok && /Duplicate/.test(dup.error));
  assert.equal(m.head('fw-1', 't1')!.uuid, b.uuid);
});

test('paused: nothing is forwarded; resume re-sends the head of every stream', () => {
  const { clock, m, make, states, sent } = setup();
  const a = make('a', 'TASK_RUNNING');
  m.update(a);
  m.pause();
  m.update(make('a', 'TASK_FINISHED'));
  m.update(make('b', 'TASK_RUNNING'));
  clock.advance(3600 * SEC);
  assert.deepEqual(states(), ['a:TASK_RUNNING'], 'no retries while paused');
  m.resume();
  assert.deepEqual(states(), ['a:TASK_RUNNING', 'a:TASK_RUNNING', 'b:TASK_RUNNING']);
  assert.equal(sent[1]!.latest_state, 'TASK_FINISHED');
  clock.advance(10 * SEC);
  assert.equal(sent.length, 5, 'retry timers restart at retry-min');
});

test('a stream ends only when its terminal update is acknowledged; cleanup drops a framework', () => {
  const { m, make } = setup();
  m.update(make('t1', 'TASK_FAILED'));
  m.update(make('t2', 'TASK_RUNNING', undefined, 'fw-2'));
  assert.equal(m.streamCount, 2);
  m.cleanup('fw-1');
  assert.equal(m.streamCount, 1);
  assert.equal(m.hasStream('fw-2', 't2'), true);
});

test('checkpointing streams write through the store; a store failure refuses the update', () => {
  const log: string[] = [];
  let fail = false;
  const store: StatusUpdateStore = {
    recordUpdate: (k, u) => (fail ? err('disk full') : (log.push(`update ${k.taskId} ${u.status.state} ${k.executorId}`), ok(undefined))),
    recordAck: (k, uuid) => (log.push(`ack ${k.taskId} ${uuidKey(uuid)!.slice(-2)}`), ok(undefined)),
    remove: (k) => void log.push(`remove ${k.taskId}`),
  };
  const { m, make, sent } = setup({ store });
  const u = make('t1', 'TASK_FINISHED');
  assert.deepEqual(m.update(u, { checkpoint: true, executorId: 'e1', containerId: 'c1' }), ok(true));
  m.update(make('t2', 'TASK_RUNNING'));
  fail = true;
  const refused = m.update(make('t3', 'TASK_RUNNING'), { checkpoint: true });
  assert.ok(!refused.ok && /disk full/.test(refused.error));
  assert.equal(m.hasStream('fw-1', 't3'), false, 'a refused update leaves no stream behind');
  assert.equal(sent.length, 2);
  m.acknowledgement('fw-1', 't1', u.uuid!);
  assert.deepEqual(log, ['update t1 TASK_FINISHED e1', 'ack t1 01', 'remove t1']);
});

test('an update without a valid uuid is refused; a runaway stream is bounded', () => {
  const { m, make } = setup({ maxPending: 3 });
  const u = make('t1', 'TASK_RUNNING');
  assert.ok(!m.update({ ...u, uuid: undefined, status: { ...u.status, uuid: undefined } }).ok);
  for (let i = 0; i < 3; i++) assert.ok(m.update(make('t1', 'TASK_RUNNING')).ok);
  assert.ok(!m.update(make('t1', 'TASK_RUNNING')).ok);
});

test('a recovered stream: head re-sent on resume with the retry schedule, old uuids still duplicates, acks recorded', () => {
  const acks: string[] = [];
  const store: StatusUpdateStore = { recordUpdate: () => ok(undefined), recordAck: (k, u) => (acks.push(`${k.taskId} ${uuidKey(u)!.slice(-2)}`), ok(undefined)), remove: () => {} };
  const { clock, m, make, sent } = setup({ store });
  m.pause();
  const done = make('t1', 'TASK_STARTING');
  const running = make('t1', 'TASK_RUNNING');
  const finished = make('t1', 'TASK_FINISHED');
  const key = { frameworkId: 'fw-1', taskId: 't1', executorId: 'e1', containerId: 'c1' };
  m.recover(key, [running, finished], [done, running, finished].map((u) => uuidKey(u.uuid!)!), [uuidKey(done.uuid!)!]);
  assert.equal(sent.length, 0, 'nothing while paused (not registered yet)');
  m.resume();
  assert.deepEqual(sent.map((u) => [u.status.state, u.latest_state]), [['TASK_RUNNING', 'TASK_FINISHED']]);
  clock.advance(10 * SEC);
  clock.advance(20 * SEC);
  assert.equal(sent.length, 3, 'retried after 10 s, then 20 s');
  assert.deepEqual(m.update({ ...done }), ok(false), 'acknowledged before the restart: a duplicate');
  assert.deepEqual(m.update({ ...running }), ok(false), 'received before the restart: a duplicate');
  assert.ok(m.acknowledgement('fw-1', 't1', running.uuid!).ok);
  assert.equal(sent.at(-1)!.status.state, 'TASK_FINISHED');
  assert.ok(m.acknowledgement('fw-1', 't1', finished.uuid!).ok);
  assert.equal(m.streamCount, 0);
  assert.equal(acks.length, 2, 'acknowledgements of a recovered stream are checkpointed');
});
