import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, decodeJson, formatDecodeError, unwrap } from '../../index.ts';
import { Call, CALL_FIELD, CallType } from './call.ts';
import { acceptCall, acknowledgeCall, FRAMEWORK_ID, subscribeCall, updateFrameworkCall, UUID_B64 } from '../examples.ts';

const ok = (input: unknown) => unwrap(decode(Call, input));
const failure = (input: unknown): string => {
  const r = decode(Call, input);
  assert.equal(r.ok, false, 'expected a decode failure');
  return r.ok ? '' : formatDecodeError(r.error);
};

test('SUBSCRIBE: full FrameworkInfo, defaults filled, nulls dropped', () => {
  const call = ok(subscribeCall);
  assert.equal(call.type, 'SUBSCRIBE');
  const info = call.subscribe!.framework_info;
  assert.equal(info.failover_timeout, 0);
  assert.equal(info.checkpoint, false);
  assert.equal(info.role, undefined, 'deprecated role is not filled in');
  assert.equal('id' in info, false, 'explicit null is ignored');
  assert.deepEqual(info.roles, ['eng', 'eng/backend']);
  assert.deepEqual(info.capabilities?.map((c) => c.type), ['MULTI_ROLE', 'PARTITION_AWARE', 'TASK_KILLING_STATE']);
  assert.deepEqual(info.offer_filters?.eng?.min_allocatable_resources?.quantities?.[0]?.quantities?.cpus, { value: 1 });
  assert.deepEqual(call.subscribe!.suppressed_roles, ['eng/backend']);
  const group = call.subscribe!.offer_constraints!.role_constraints!.eng!.groups![0]!;
  assert.deepEqual(group.attribute_constraints, [{ selector: { attribute_name: 'os' }, predicate: { exists: {} } }]);
});

test('ACCEPT with RESERVE, CREATE, LAUNCH and LAUNCH_GROUP', () => {
  const call = ok(acceptCall);
  assert.equal(call.type, 'ACCEPT');
  const ops = call.accept!.operations!;
  assert.deepEqual(ops.map((o) => o.type), ['RESERVE', 'CREATE', 'LAUNCH', 'LAUNCH_GROUP']);
  assert.equal(call.accept!.filters!.refuse_seconds, 30, 'numbers as strings are accepted');

  const task = ops[2]!.launch!.task_infos![0]!;
  assert.equal(task.command!.shell, true, 'CommandInfo.shell defaults to true');
  assert.equal(task.command!.uris![0]!.extract, true, 'URI.extract defaults to true');
  assert.deepEqual(task.command!.uris![1], { value: 'https://example.com/run.sh', executable: true, extract: true, cache: true, output_file: 'bin/run.sh' });
  assert.deepEqual(task.command!.environment!.variables!.map((v) => v.type), ['VALUE', 'SECRET']);
  assert.deepEqual(task.health_check, {
    type: 'HTTP',
    http: { protocol: 'IPv4', port: 31000, path: '/health' },
    delay_seconds: 15,
    interval_seconds: 10,
    timeout_seconds: 20,
    consecutive_failures: 3,
    grace_period_seconds: 10,
  });
  assert.equal(task.limits!.cpus!.value, Infinity);
  assert.equal(task.container!.mesos!.image!.cached, true);
  assert.deepEqual(task.container!.network_infos![0]!.ip_addresses, [{ protocol: 'IPv4' }]);
  assert.equal(task.kill_policy!.grace_period!.nanoseconds, 5e9);

  const group = ops[3]!.launch_group!;
  assert.equal(group.executor.type, 'DEFAULT');
  assert.equal(group.executor.shutdown_grace_period!.nanoseconds, 10e9, 'int64 accepted as a string');
  assert.equal(group.task_group.tasks!.length, 2);
  const b = group.task_group.tasks![1]!;
  assert.deepEqual(b.command, { shell: false, value: '/bin/sleep', arguments: ['sleep', '1000'] });
  assert.deepEqual(b.check, { type: 'TCP', tcp: { port: 8080 }, delay_seconds: 15, interval_seconds: 10, timeout_seconds: 20 });

  const volume = ops[1]!.create!.volumes![0]!;
  assert.deepEqual(volume.disk!.persistence, { id: 'vol-1', principal: 'example' });
});

test('ACKNOWLEDGE: type by number, uuid kept as base64', () => {
  const call = ok(acknowledgeCall);
  assert.equal(call.type, 'ACKNOWLEDGE');
  assert.equal(call.acknowledge!.uuid, UUID_B64);
  assert.match(failure({ ...acknowledgeCall, acknowledge: { ...acknowledgeCall.acknowledge, uuid: 'not base64!' } }), /^acknowledge\.uuid: invalid base64$/);
});

test('every call type decodes by name and by number', () => {
  for (const name of CallType.names) {
    assert.equal(ok({ type: name }).type, name);
    assert.equal(ok({ type: CallType.values[name] }).type, name);
  }
  assert.equal(ok({ type: 'NOT_A_TYPE' }).type, undefined, 'unknown names in an optional enum are dropped');
});

test('the other calls', () => {
  const fid = { framework_id: FRAMEWORK_ID };
  assert.deepEqual(ok({ ...fid, type: 'DECLINE', decline: { offer_ids: [{ value: 'o1' }], filters: {} } }).decline, { offer_ids: [{ value: 'o1' }], filters: { refuse_seconds: 5 } });
  assert.deepEqual(ok({ ...fid, type: 'REVIVE', revive: { roles: ['eng'] } }).revive, { roles: ['eng'] });
  assert.deepEqual(ok({ ...fid, type: 'SUPPRESS', suppress: {} }).suppress, {});
  assert.deepEqual(ok({ ...fid, type: 'KILL', kill: { task_id: { value: 't' }, kill_policy: { grace_period: { nanoseconds: 1 } } } }).kill, { task_id: { value: 't' }, kill_policy: { grace_period: { nanoseconds: 1 } } });
  assert.deepEqual(ok({ ...fid, type: 'SHUTDOWN', shutdown: { executor_id: { value: 'e' }, agent_id: { value: 'a' } } }).shutdown, { executor_id: { value: 'e' }, agent_id: { value: 'a' } });
  assert.deepEqual(ok({ ...fid, type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't' } }] } }).reconcile, { tasks: [{ task_id: { value: 't' } }] });
  assert.deepEqual(ok({ ...fid, type: 'RECONCILE', reconcile: { tasks: [] } }).reconcile, {}, 'an empty repeated field is absent');
  assert.deepEqual(
    ok({ ...fid, type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: 'op' }, agent_id: { value: 'a' } }] } }).reconcile_operations,
    { operations: [{ operation_id: { value: 'op' }, agent_id: { value: 'a' } }] },
  );
  assert.deepEqual(
    ok({ ...fid, type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { agent_id: { value: 'a' }, uuid: UUID_B64, operation_id: { value: 'op' } } }).acknowledge_operation_status,
    { agent_id: { value: 'a' }, uuid: UUID_B64, operation_id: { value: 'op' } },
  );
  assert.deepEqual(ok({ ...fid, type: 'MESSAGE', message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: 'aGk=' } }).message, { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: 'aGk=' });
  assert.deepEqual(ok({ ...fid, type: 'REQUEST', request: { requests: [{ agent_id: { value: 'a' }, resources: [] }] } }).request, { requests: [{ agent_id: { value: 'a' } }] });
  assert.deepEqual(ok({ ...fid, type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [{ value: 'i' }] } }).accept_inverse_offers, { inverse_offer_ids: [{ value: 'i' }] });
  assert.deepEqual(ok({ ...fid, type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: [{ value: 'i' }], filters: { refuse_seconds: 1 } } }).decline_inverse_offers, { inverse_offer_ids: [{ value: 'i' }], filters: { refuse_seconds: 1 } });
  const update = ok(updateFrameworkCall).update_framework!;
  assert.equal(update.framework_info.failover_timeout, 604800);
  assert.deepEqual(ok({ ...fid, type: 'TEARDOWN' }), { ...fid, type: 'TEARDOWN' });
});

test('error paths name the field precisely', () => {
  const badTask = structuredClone(acceptCall);
  delete (badTask.accept.operations[2]!.launch!.task_infos[0] as Record<string, unknown>).task_id;
  assert.equal(failure(badTask), 'accept.operations[2].launch.task_infos[0].task_id: missing required field');

  const badType = structuredClone(acceptCall);
  badType.accept.operations[2]!.launch!.task_infos[0]!.resources[1]!.type = 'SCALARR';
  assert.equal(failure(badType), 'accept.operations[2].launch.task_infos[0].resources[1].type: unknown Value.Type value "SCALARR"');

  const badGroup = structuredClone(acceptCall);
  (badGroup.accept.operations[3]!.launch_group!.task_group.tasks[1]!.command as Record<string, unknown>).arguments = 'sleep';
  assert.equal(failure(badGroup), 'accept.operations[3].launch_group.task_group.tasks[1].command.arguments: expected an array, got "sleep"');

  assert.equal(failure({ type: 'SUBSCRIBE', subscribe: { framework_info: { name: 'x' } } }), 'subscribe.framework_info.user: missing required field');
  assert.equal(failure({ type: 'KILL', kill: { task_id: { value: 7 } } }), 'kill.task_id.value: expected a string, got number 7');
  assert.equal(failure({ type: 'DECLINE', decline: { filters: { refuse_seconds: 'soon' } } }), 'decline.filters.refuse_seconds: expected a finite number, got "soon"');
  assert.equal(failure([]), 'expected scheduler.Call (an object), got an array');
});

test('JSON text: malformed, empty body, unknown keys', () => {
  assert.equal(decodeJson(Call, '{"type":').ok, false);
  assert.deepEqual(decodeJson(Call, ''), { ok: true, value: {} });
  assert.deepEqual(decodeJson(Call, '{"type":"TEARDOWN","framework_id":{"value":"f"},"future_field":{"x":[1,2]}}'), {
    ok: true,
    value: { type: 'TEARDOWN', framework_id: { value: 'f' } },
  });
});

test('CALL_FIELD names a declared sub-message for every type that has one', () => {
  for (const [type, field] of Object.entries(CALL_FIELD)) {
    assert.ok(CallType.names.includes(type as never));
    assert.ok(field in Call.shape);
  }
});
