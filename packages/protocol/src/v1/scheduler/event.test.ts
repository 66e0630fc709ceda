import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, formatDecodeError, unwrap } from '../../index.ts';
import { Event, EventType, Response } from './event.ts';
import { AGENT_ID, FRAMEWORK_ID, offersEvent, subscribedEvent, taskStatus, updateEvent, updateOperationStatusEvent, UUID_B64 } from '../examples.ts';

const ok = (input: unknown) => unwrap(decode(Event, input));

test('SUBSCRIBED with MasterInfo', () => {
  const e = ok(subscribedEvent);
  assert.equal(e.type, 'SUBSCRIBED');
  assert.equal(e.subscribed!.heartbeat_interval_seconds, 15);
  assert.deepEqual(e.subscribed!.master_info!.capabilities!.map((c) => c.type), ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2']);
  assert.equal(e.subscribed!.master_info!.ip, 184549386);
});

test('OFFERS: url, domain, attributes, executor_ids, unavailability, allocation_info', () => {
  const offer = ok(offersEvent).offers!.offers![0]!;
  assert.equal(offer.url!.address.ip, '10.0.0.5');
  assert.equal(offer.domain!.fault_domain!.zone.name, 'z');
  assert.deepEqual(offer.attributes!.map((a) => a.type), ['TEXT', 'SCALAR']);
  assert.deepEqual(offer.executor_ids, [{ value: 'e1' }]);
  assert.equal(offer.unavailability!.duration!.nanoseconds, 3600e9);
  assert.equal(offer.allocation_info!.role, 'eng');
  assert.deepEqual(offer.resources![2]!.ranges, { range: [{ begin: 31000, end: 32000 }] });
});

test('UPDATE with a full TaskStatus', () => {
  const status = ok(updateEvent).update!.status;
  assert.equal(status.state, 'TASK_RUNNING');
  assert.equal(status.source, 'SOURCE_EXECUTOR');
  assert.equal(status.reason, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
  assert.equal(status.uuid, UUID_B64);
  assert.equal(status.timestamp, 1470820172.07315);
  assert.equal(status.healthy, true);
  assert.deepEqual(status.check_status, { type: 'COMMAND', command: { exit_code: 0 } });
  assert.deepEqual(status.container_status!.container_id, { value: 'c1', parent: { value: 'c0' } });
  assert.equal('labels' in status && status.labels!.labels, undefined, 'empty repeated field absent');
  // Master-generated updates carry no uuid; a wrong-sized one is rejected with its path.
  const { uuid: _uuid, ...noUuid } = taskStatus;
  assert.equal(ok({ type: 'UPDATE', update: { status: noUuid } }).update!.status.uuid, undefined);
  const bad = decode(Event, { type: 'UPDATE', update: { status: { ...taskStatus, uuid: 'AAAA' } } });
  assert.ok(!bad.ok && formatDecodeError(bad.error) === 'update.status.uuid: expected 16 bytes, got 3');
  const reasons = decode(Event, { type: 'UPDATE', update: { status: { ...taskStatus, state: 1, reason: 9, source: 0 } } });
  assert.deepEqual(reasons.ok && [reasons.value.update!.status.state, reasons.value.update!.status.reason, reasons.value.update!.status.source], ['TASK_RUNNING', 'REASON_RECONCILIATION', 'SOURCE_MASTER']);
});

test('UPDATE_OPERATION_STATUS carries a UUID message, not raw bytes', () => {
  const status = ok(updateOperationStatusEvent).update_operation_status!.status;
  assert.equal(status.state, 'OPERATION_FINISHED');
  assert.deepEqual(status.uuid, { value: UUID_B64 });
});

test('the small events', () => {
  assert.deepEqual(ok({ type: 'RESCIND', rescind: { offer_id: { value: 'o' } } }).rescind, { offer_id: { value: 'o' } });
  assert.deepEqual(ok({ type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: { inverse_offer_id: { value: 'i' } } }).rescind_inverse_offer, { inverse_offer_id: { value: 'i' } });
  assert.deepEqual(ok({ type: 'FAILURE', failure: { agent_id: AGENT_ID } }).failure, { agent_id: AGENT_ID });
  assert.deepEqual(ok({ type: 'FAILURE', failure: { agent_id: AGENT_ID, executor_id: { value: 'e' }, status: 256 } }).failure!.status, 256);
  assert.deepEqual(ok({ type: 'ERROR', error: { message: 'Framework failed over' } }).error, { message: 'Framework failed over' });
  assert.deepEqual(ok({ type: 'HEARTBEAT' }), { type: 'HEARTBEAT' });
  assert.deepEqual(ok({ type: 'MESSAGE', message: { agent_id: AGENT_ID, executor_id: { value: 'e' }, data: 'aGk=' } }).message!.data, 'aGk=');
  const inverse = ok({
    type: 'INVERSE_OFFERS',
    inverse_offers: { inverse_offers: [{ id: { value: 'i' }, framework_id: FRAMEWORK_ID, agent_id: AGENT_ID, unavailability: { start: { nanoseconds: 1 } } }] },
  });
  assert.equal(inverse.inverse_offers!.inverse_offers![0]!.unavailability.start.nanoseconds, 1);
  for (const name of EventType.names) assert.equal(ok({ type: EventType.values[name] }).type, name);
});

test('scheduler.Response for RECONCILE_OPERATIONS', () => {
  const r = unwrap(decode(Response, { type: 'RECONCILE_OPERATIONS', reconcile_operations: { operation_statuses: [{ state: 'OPERATION_UNKNOWN', operation_id: { value: 'x' } }] } }));
  assert.equal(r.reconcile_operations!.operation_statuses![0]!.state, 'OPERATION_UNKNOWN');
});
