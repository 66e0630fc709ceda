import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encodeJson, formatDecodeError, unwrap } from '../../index.ts';
import { Call, CALL_FIELD, CallType, validateMasterCall } from './call.ts';
import { Event, EventType } from './event.ts';
import { Response, ResponseType } from './response.ts';
import { AGENT_ID, FRAMEWORK_ID, getStateResponse, taskStatus } from '../examples.ts';

const call = (input: unknown) => unwrap(decode(Call, input));
/** Maps decode to null-prototype objects (so no key can reach Object.prototype); compare as plain JSON. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

test('call type numbers are Mesos 1.11', () => {
  assert.deepEqual(
    Object.fromEntries(['GET_HEALTH', 'GET_STATE', 'GET_OPERATIONS', 'SUBSCRIBE', 'GROW_VOLUME', 'SHRINK_VOLUME', 'UPDATE_QUOTA', 'TEARDOWN', 'MARK_AGENT_GONE', 'DRAIN_AGENT', 'DEACTIVATE_AGENT', 'REACTIVATE_AGENT'].map((n) => [n, CallType.values[n as keyof typeof CallType.values]])),
    { GET_HEALTH: 1, GET_STATE: 9, GET_OPERATIONS: 33, SUBSCRIBE: 18, GROW_VOLUME: 34, SHRINK_VOLUME: 35, UPDATE_QUOTA: 36, TEARDOWN: 31, MARK_AGENT_GONE: 32, DRAIN_AGENT: 37, DEACTIVATE_AGENT: 38, REACTIVATE_AGENT: 39 },
  );
  assert.equal(new Set(Object.values(CallType.values)).size, CallType.names.length, 'numbers are unique');
  for (const name of CallType.names) assert.equal(call({ type: CallType.values[name] }).type, name);
  assert.equal(ResponseType.values.GET_OPERATIONS, 19);
});

test('calls with payloads', () => {
  assert.deepEqual(call({ type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5e9 } } }).get_metrics, { timeout: { nanoseconds: 5e9 } });
  assert.deepEqual(call({ type: 'READ_FILE', read_file: { path: '/master/log', offset: '0', length: 4096 } }).read_file, { path: '/master/log', offset: 0, length: 4096 });
  assert.deepEqual(call({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'eng', weight: 2 }] } }).update_weights, { weight_infos: [{ role: 'eng', weight: 2 }] });
  assert.deepEqual(
    plain(call({ type: 'UPDATE_QUOTA', update_quota: { force: true, quota_configs: [{ role: 'eng', guarantees: { cpus: { value: 2 } }, limits: { cpus: { value: 4 }, mem: { value: 4096 } } }] } }).update_quota),
    { force: true, quota_configs: [{ role: 'eng', guarantees: { cpus: { value: 2 } }, limits: { cpus: { value: 4 }, mem: { value: 4096 } } }] },
  );
  assert.deepEqual(call({ type: 'DRAIN_AGENT', drain_agent: { agent_id: AGENT_ID, max_grace_period: '10s' } }).drain_agent, { agent_id: AGENT_ID, max_grace_period: '10s', mark_gone: false });
  assert.equal(call({ type: 'DRAIN_AGENT', drain_agent: { agent_id: AGENT_ID, max_grace_period: { seconds: 1, nanos: 500000000 } } }).drain_agent!.max_grace_period, '1.5s');
  const bad = decode(Call, { type: 'DRAIN_AGENT', drain_agent: { agent_id: AGENT_ID, max_grace_period: '10 minutes' } });
  assert.equal(bad.ok ? '' : formatDecodeError(bad.error), 'drain_agent.max_grace_period: expected a duration such as "10s", got "10 minutes"');
  assert.deepEqual(call({ type: 'TEARDOWN', teardown: { framework_id: FRAMEWORK_ID } }).teardown, { framework_id: FRAMEWORK_ID });
  assert.deepEqual(
    call({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{ hostname: 'h', ip: '10.0.0.5' }], unavailability: { start: { nanoseconds: 1 } } }] } } })
      .update_maintenance_schedule!.schedule.windows![0]!.machine_ids,
    [{ hostname: 'h', ip: '10.0.0.5' }],
  );
  const reserve = call({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: AGENT_ID, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'eng' }] }] } });
  assert.equal(reserve.reserve_resources!.resources![0]!.reservations![0]!.role, 'eng');
  assert.deepEqual(call({ type: 'SHRINK_VOLUME', shrink_volume: { volume: { name: 'disk', type: 'SCALAR', scalar: { value: 2 } }, subtract: { value: 1 } } }).shrink_volume!.subtract, { value: 1 });
});

test('validateMasterCall', () => {
  assert.equal(validateMasterCall(call({})), "Expecting 'type' to be present");
  assert.equal(validateMasterCall(call({ type: 'GET_STATE' })), undefined);
  assert.equal(validateMasterCall(call({ type: 'SUBSCRIBE' })), undefined);
  for (const [type, field] of Object.entries(CALL_FIELD)) {
    assert.equal(validateMasterCall(call({ type })), `Expecting '${field}' to be present`, type);
    assert.ok(field in Call.shape);
  }
});

test('GET_STATE response', () => {
  const r = unwrap(decode(Response, getStateResponse));
  assert.equal(r.type, 'GET_STATE');
  const state = r.get_state!;
  const task = state.get_tasks!.tasks![0]!;
  assert.equal(task.state, 'TASK_RUNNING');
  assert.equal(task.status_update_state, 'TASK_RUNNING');
  assert.equal(task.statuses!.length, 2);
  assert.equal(task.limits!.cpus!.value, Infinity);
  assert.equal(encodeJson(task.limits), '{"cpus":{"value":"Infinity"}}');
  assert.equal(state.get_tasks!.completed_tasks![0]!.state, 'TASK_FINISHED');
  const fw = state.get_frameworks!.frameworks![0]!;
  assert.equal(fw.framework_info.failover_timeout, 0);
  assert.equal(fw.offers![0]!.url!.address.port, 5051);
  const agent = state.get_agents!.agents![0]!;
  assert.equal(agent.agent_info.port, 5051);
  assert.deepEqual(agent.capabilities!.map((c) => c.type), ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'AGENT_DRAINING']);
  assert.deepEqual(agent.drain_info, { state: 'DRAINING', config: { max_grace_period: { nanoseconds: 10e9 }, mark_gone: false } });
  assert.equal(state.get_agents!.recovered_agents, undefined);
  assert.equal(state.get_executors!.executors![0]!.executor_info.type, 'DEFAULT');

  // Output survives a JSON round trip unchanged (decode is a fixpoint on its own output).
  assert.deepEqual(unwrap(decode(Response, JSON.parse(encodeJson(r)))), r);
});

test('other responses', () => {
  const r = (input: unknown) => unwrap(decode(Response, input));
  assert.deepEqual(r({ type: 'GET_HEALTH', get_health: { healthy: true } }).get_health, { healthy: true });
  assert.deepEqual(r({ type: 'GET_VERSION', get_version: { version_info: { version: '1.11.0', build_time: 1.7e9 } } }).get_version!.version_info.version, '1.11.0');
  assert.deepEqual(r({ type: 'GET_FLAGS', get_flags: { flags: [{ name: 'port', value: '5050' }] } }).get_flags!.flags, [{ name: 'port', value: '5050' }]);
  assert.deepEqual(r({ type: 'GET_METRICS', get_metrics: { metrics: [{ name: 'master/elected', value: 1 }] } }).get_metrics!.metrics![0], { name: 'master/elected', value: 1 });
  assert.equal(r({ type: 'GET_MASTER', get_master: { master_info: { id: 'm', ip: 1 }, start_time: 1.5, elected_time: 2.5 } }).get_master!.master_info!.port, 5050);
  assert.deepEqual(r({ type: 'GET_WEIGHTS', get_weights: { weight_infos: [{ weight: 1, role: 'eng' }] } }).get_weights!.weight_infos![0], { weight: 1, role: 'eng' });
  assert.equal(r({ type: 'GET_ROLES', get_roles: { roles: [{ name: '*', weight: 1, frameworks: [FRAMEWORK_ID] }] } }).get_roles!.roles![0]!.name, '*');
  assert.deepEqual(r({ type: 'READ_FILE', read_file: { size: 10, data: 'aGVsbG8=' } }).read_file, { size: 10, data: 'aGVsbG8=' });
  assert.equal(r({ type: 'LIST_FILES', list_files: { file_infos: [{ path: '/x', mtime: { nanoseconds: 1 }, mode: 33188 }] } }).list_files!.file_infos![0]!.mode, 33188);
  const quota = r({ type: 'GET_QUOTA', get_quota: { status: { configs: [{ role: 'eng', limits: { cpus: { value: 4 } } }], infos: [{ role: 'eng' }] } } });
  assert.equal(quota.get_quota!.status.configs![0]!.limits!.cpus!.value, 4);
  const maint = r({
    type: 'GET_MAINTENANCE_STATUS',
    get_maintenance_status: { status: { draining_machines: [{ id: { hostname: 'h' }, statuses: [{ status: 'ACCEPT', framework_id: FRAMEWORK_ID, timestamp: { nanoseconds: 1 } }] }], down_machines: [{ ip: '10.0.0.9' }] } },
  });
  assert.equal(maint.get_maintenance_status!.status.draining_machines![0]!.statuses![0]!.status, 'ACCEPT');
  const ops = r({
    type: 'GET_OPERATIONS',
    get_operations: { operations: [{ framework_id: FRAMEWORK_ID, info: { type: 'RESERVE', id: { value: 'op' }, reserve: {} }, latest_status: { state: 'OPERATION_PENDING' }, uuid: { value: 'hTaLQ0b5Q1OZuab7QclTKQ==' } }] },
  });
  assert.equal(ops.get_operations!.operations![0]!.latest_status.state, 'OPERATION_PENDING');
});

test('operator events', () => {
  const e = (input: unknown) => unwrap(decode(Event, input));
  assert.equal(e({ type: 'SUBSCRIBED', subscribed: { get_state: getStateResponse.get_state, heartbeat_interval_seconds: 15 } }).subscribed!.get_state!.get_agents!.agents!.length, 1);
  assert.equal(e({ type: 'TASK_ADDED', task_added: { task: getStateResponse.get_state.get_tasks.tasks[0] } }).task_added!.task.name, 'web-1');
  assert.deepEqual(e({ type: 'TASK_UPDATED', task_updated: { framework_id: FRAMEWORK_ID, status: taskStatus, state: 'TASK_FINISHED' } }).task_updated!.state, 'TASK_FINISHED');
  assert.equal(e({ type: 'AGENT_ADDED', agent_added: { agent: getStateResponse.get_state.get_agents.agents[0] } }).agent_added!.agent.active, true);
  assert.deepEqual(e({ type: 'AGENT_REMOVED', agent_removed: { agent_id: AGENT_ID } }).agent_removed, { agent_id: AGENT_ID });
  const fw = getStateResponse.get_state.get_frameworks.frameworks[0];
  assert.equal(e({ type: 'FRAMEWORK_ADDED', framework_added: { framework: fw } }).framework_added!.framework.connected, true);
  assert.equal(e({ type: 'FRAMEWORK_UPDATED', framework_updated: { framework: fw } }).framework_updated!.framework.recovered, false);
  assert.equal(e({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: fw!.framework_info } }).framework_removed!.framework_info.name, 'Example HTTP Framework');
  assert.deepEqual(e({ type: 'HEARTBEAT' }), { type: 'HEARTBEAT' });
  assert.deepEqual(EventType.values, { UNKNOWN: 0, SUBSCRIBED: 1, TASK_ADDED: 2, TASK_UPDATED: 3, AGENT_ADDED: 4, AGENT_REMOVED: 5, FRAMEWORK_ADDED: 6, FRAMEWORK_UPDATED: 7, FRAMEWORK_REMOVED: 8, HEARTBEAT: 9 });
  const missing = decode(Event, { type: 'FRAMEWORK_ADDED', framework_added: { framework: { ...fw, connected: undefined } } });
  assert.equal(missing.ok ? '' : formatDecodeError(missing.error), 'framework_added.framework.connected: missing required field');
});
