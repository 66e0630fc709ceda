import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, unwrap } from '../../index.ts';
import { Call } from './call.ts';
import { validateSchedulerCall } from './validate.ts';
import { acceptCall, acknowledgeCall, FRAMEWORK_ID, subscribeCall, updateFrameworkCall, UUID_B64 } from '../examples.ts';

const check = (input: unknown, principal?: string) => validateSchedulerCall(unwrap(decode(Call, input)), principal);
const fid = { framework_id: FRAMEWORK_ID };
const info = { user: 'u', name: 'n' };

test('valid calls pass', () => {
  assert.equal(check(subscribeCall), undefined);
  assert.equal(check(acceptCall), undefined);
  assert.equal(check(acknowledgeCall), undefined);
  assert.equal(check(updateFrameworkCall), undefined);
  assert.equal(check({ ...fid, type: 'TEARDOWN' }), undefined);
  assert.equal(check({ ...fid, type: 'REVIVE' }), undefined, 'REVIVE without a sub-message means all roles');
  assert.equal(check({ ...fid, type: 'SUPPRESS' }), undefined);
  assert.equal(check({ ...fid, type: 'UNKNOWN' }), undefined, 'UNKNOWN passes validation; the master answers 501');
});

test('type must be present', () => {
  assert.equal(check({}), "Expecting 'type' to be present");
  assert.equal(check({ type: 'BOGUS' }), "Expecting 'type' to be present", 'an unknown type name is dropped, so it is missing');
});

test('SUBSCRIBE: sub-message, framework ID agreement, principal', () => {
  assert.equal(check({ type: 'SUBSCRIBE' }), "Expecting 'subscribe' to be present");
  const resubscribe = { ...fid, type: 'SUBSCRIBE', subscribe: { framework_info: { ...info, id: FRAMEWORK_ID } } };
  assert.equal(check(resubscribe), undefined);
  assert.equal(check({ ...resubscribe, framework_id: { value: 'other' } }), "'framework_id' differs from 'subscribe.framework_info.id'");
  assert.equal(check({ ...fid, type: 'SUBSCRIBE', subscribe: { framework_info: info } }), "'framework_id' differs from 'subscribe.framework_info.id'");
  assert.equal(check({ type: 'SUBSCRIBE', subscribe: { framework_info: { ...info, id: FRAMEWORK_ID } } }), "'framework_id' differs from 'subscribe.framework_info.id'");
  const withPrincipal = { type: 'SUBSCRIBE', subscribe: { framework_info: { ...info, principal: 'alice' } } };
  assert.equal(check(withPrincipal, 'alice'), undefined);
  assert.equal(check(withPrincipal, 'bob'), "Authenticated principal 'bob' does not match principal 'alice' set in `FrameworkInfo`");
  assert.equal(check({ type: 'SUBSCRIBE', subscribe: { framework_info: info } }, 'bob'), undefined);
});

test('framework_id is required on every other call', () => {
  for (const type of ['TEARDOWN', 'ACCEPT', 'REVIVE', 'UNKNOWN']) assert.equal(check({ type }), "Expecting 'framework_id' to be present");
});

test('each type needs its sub-message', () => {
  const needs: Record<string, string> = {
    ACCEPT: 'accept', DECLINE: 'decline', ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers', DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
    KILL: 'kill', SHUTDOWN: 'shutdown', ACKNOWLEDGE: 'acknowledge', ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status',
    RECONCILE: 'reconcile', RECONCILE_OPERATIONS: 'reconcile_operations', MESSAGE: 'message', REQUEST: 'request', UPDATE_FRAMEWORK: 'update_framework',
  };
  for (const [type, field] of Object.entries(needs)) assert.equal(check({ ...fid, type }), `Expecting '${field}' to be present`, type);
});

test('ACKNOWLEDGE uuid must be exactly 16 bytes', () => {
  const ack = (uuid: string) => check({ ...fid, type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid } });
  assert.equal(ack(UUID_B64), undefined);
  assert.equal(ack('AAAA'), "Not a valid UUID in 'acknowledge.uuid'");
  assert.equal(ack(''), "Not a valid UUID in 'acknowledge.uuid'");
  assert.equal(ack('hTaLQ0b5Q1OZuab7QclTKQAA'), "Not a valid UUID in 'acknowledge.uuid'", '18 bytes');
});

test('ACKNOWLEDGE_OPERATION_STATUS needs a valid uuid and an agent', () => {
  const ack = (body: object) => check({ ...fid, type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: { operation_id: { value: 'op' }, ...body } });
  assert.equal(ack({ uuid: UUID_B64, agent_id: { value: 'a' } }), undefined);
  assert.equal(ack({ uuid: 'AAAA', agent_id: { value: 'a' } }), "Not a valid UUID in 'acknowledge_operation_status.uuid'");
  assert.equal(ack({ uuid: UUID_B64 }), "Expecting 'agent_id' to be present");
});

test('UPDATE_FRAMEWORK: the IDs must agree', () => {
  const bad = structuredClone(updateFrameworkCall);
  bad.update_framework.framework_info.id = { value: 'other' };
  assert.equal(check(bad), "'framework_id' differs from 'update_framework.framework_info.id'");
});
