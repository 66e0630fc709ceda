import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, formatDecodeError, unwrap } from '../../index.ts';
import { Call, CallType } from './call.ts';
import { Event, EventType } from './event.ts';
import { validateExecutorCall } from './validate.ts';
import { FRAMEWORK_ID, launchTask, masterInfo, taskStatus, UUID_B64 } from '../examples.ts';

const ids = { executor_id: { value: 'web-1' }, framework_id: FRAMEWORK_ID };
const call = (input: unknown) => unwrap(decode(Call, input));
const event = (input: unknown) => unwrap(decode(Event, input));
const check = (input: unknown) => validateExecutorCall(call(input));

test('SUBSCRIBE with unacknowledged tasks and updates', () => {
  const c = call({ ...ids, type: 'SUBSCRIBE', subscribe: { unacknowledged_tasks: [launchTask], unacknowledged_updates: [{ status: taskStatus }] } });
  assert.equal(c.subscribe!.unacknowledged_tasks![0]!.command!.shell, true);
  assert.equal(c.subscribe!.unacknowledged_updates![0]!.status.uuid, UUID_B64);
  assert.equal(check({ ...ids, type: 'SUBSCRIBE', subscribe: {} }), undefined);
});

test('both IDs are required to decode', () => {
  const r = decode(Call, { framework_id: FRAMEWORK_ID, type: 'HEARTBEAT' });
  assert.ok(!r.ok && formatDecodeError(r.error) === 'executor_id: missing required field');
  const r2 = decode(Call, { executor_id: { value: 'e' }, type: 'HEARTBEAT' });
  assert.ok(!r2.ok && formatDecodeError(r2.error) === 'framework_id: missing required field');
});

test('call types by name and number', () => {
  for (const name of CallType.names) assert.equal(call({ ...ids, type: CallType.values[name] }).type, name);
  assert.deepEqual(CallType.values, { UNKNOWN: 0, SUBSCRIBE: 1, UPDATE: 2, MESSAGE: 3, HEARTBEAT: 4 });
});

test('validation', () => {
  assert.equal(check({ ...ids }), "Expecting 'type' to be present");
  assert.equal(check({ ...ids, type: 'HEARTBEAT' }), undefined);
  assert.equal(check({ ...ids, type: 'UNKNOWN' }), undefined);
  assert.equal(check({ ...ids, type: 'SUBSCRIBE' }), "Expecting 'subscribe' to be present");
  assert.equal(check({ ...ids, type: 'MESSAGE' }), "Expecting 'message' to be present");
  assert.equal(check({ ...ids, type: 'MESSAGE', message: { data: 'aGk=' } }), undefined);
  assert.equal(check({ ...ids, type: 'UPDATE' }), "Expecting 'update' to be present");

  const update = (status: object) => check({ ...ids, type: 'UPDATE', update: { status: { ...taskStatus, ...status } } });
  assert.equal(update({}), undefined);
  const { uuid: _u, ...noUuid } = taskStatus;
  assert.equal(check({ ...ids, type: 'UPDATE', update: { status: noUuid } }), "Expecting 'uuid' to be present");
  assert.equal(update({ executor_id: { value: 'other' } }), 'ExecutorID in Call: web-1 does not match ExecutorID in TaskStatus: other');
  assert.equal(update({ source: 'SOURCE_AGENT' }), `Received Call from executor web-1 of framework ${FRAMEWORK_ID.value} with invalid source, expecting 'SOURCE_EXECUTOR'`);
  assert.equal(update({ source: null }), `Received Call from executor web-1 of framework ${FRAMEWORK_ID.value} with invalid source, expecting 'SOURCE_EXECUTOR'`);
  assert.equal(update({ state: 'TASK_STAGING' }), `Received TASK_STAGING from executor web-1 of framework ${FRAMEWORK_ID.value} which is not allowed`);
  assert.equal(update({ check_status: { type: 'HTTP' } }), "Invalid check status: Expecting 'http' to be set for HTTP check's status");
  assert.equal(update({ check_status: {} }), "Invalid check status: CheckStatusInfo must specify 'type'");
  assert.equal(update({ check_status: { type: 'TCP', tcp: {} } }), undefined, 'an empty result means "not known yet"');
});

const agentInfo = { hostname: 'agent1', id: { value: 'S3' }, resources: [] };
const executorInfo = { executor_id: { value: 'web-1' }, framework_id: FRAMEWORK_ID, command: { value: 'mesos-executor' }, type: 'CUSTOM' };

test('events', () => {
  const sub = event({
    type: 'SUBSCRIBED',
    subscribed: { executor_info: executorInfo, framework_info: { user: 'root', name: 'f', id: FRAMEWORK_ID }, agent_info: agentInfo, container_id: { value: 'c' } },
  }).subscribed!;
  assert.equal(sub.agent_info.port, 5051, 'AgentInfo.port defaults to 5051');
  assert.equal(sub.executor_info.command!.shell, true);
  assert.equal(sub.framework_info.checkpoint, false);

  assert.equal(event({ type: 'LAUNCH', launch: { task: launchTask } }).launch!.task.task_id.value, 'web-1');
  assert.equal(event({ type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks: [launchTask] } } }).launch_group!.task_group.tasks!.length, 1);
  assert.deepEqual(event({ type: 'KILL', kill: { task_id: { value: 't' }, kill_policy: { grace_period: { nanoseconds: 3e9 } } } }).kill!.kill_policy, { grace_period: { nanoseconds: 3e9 } });
  assert.deepEqual(event({ type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 't' }, uuid: UUID_B64 } }).acknowledged, { task_id: { value: 't' }, uuid: UUID_B64 });
  assert.deepEqual(event({ type: 'MESSAGE', message: { data: 'aGk=' } }).message, { data: 'aGk=' });
  assert.deepEqual(event({ type: 'ERROR', error: { message: 'bad' } }).error, { message: 'bad' });
  assert.deepEqual(event({ type: 'SHUTDOWN' }), { type: 'SHUTDOWN' });
  assert.deepEqual(event({ type: 9 }), { type: 'HEARTBEAT' });
  assert.deepEqual(EventType.values, {
    UNKNOWN: 0, SUBSCRIBED: 1, LAUNCH: 2, LAUNCH_GROUP: 8, KILL: 3, ACKNOWLEDGED: 4, MESSAGE: 5, ERROR: 6, SHUTDOWN: 7, HEARTBEAT: 9,
  });
  // SUBSCRIBED's agent_info is required.
  const r = decode(Event, { type: 'SUBSCRIBED', subscribed: { executor_info: executorInfo, framework_info: { user: 'u', name: 'n' } } });
  assert.equal(r.ok ? 'decoded' : formatDecodeError(r.error), 'subscribed.agent_info: missing required field');
  // A MasterInfo is not an AgentInfo: its `id` is a string, an AgentInfo's an AgentID message.
  const wrong = decode(Event, { type: 'SUBSCRIBED', subscribed: { executor_info: executorInfo, framework_info: { user: 'u', name: 'n' }, agent_info: masterInfo } });
  assert.equal(wrong.ok ? 'decoded' : formatDecodeError(wrong.error), `subscribed.agent_info.id: expected AgentID (an object), got "${masterInfo.id}"`);
});
