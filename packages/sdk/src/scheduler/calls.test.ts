import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encodeJson, scheduler, validateSchedulerCall } from '@agora/protocol';
import {
  acceptCall, acceptInverseOffersCall, declineCall, declineInverseOffersCall, killCall, launchGroupOperation, launchOperation,
  messageCall, reconcileCall, requestCall, reviveCall, shutdownCall, subscribeCall, suppressCall, teardownCall, updateFrameworkCall,
  type CallBody,
} from './calls.ts';

const FID = { value: 'f-0000' };

/** Every builder's output is a valid scheduler.Call on the wire once the driver adds framework_id. */
function wire(body: CallBody): unknown {
  const call = { framework_id: FID, ...body };
  const decoded = decode(scheduler.Call, JSON.parse(encodeJson(call)));
  assert.ok(decoded.ok, JSON.stringify(decoded));
  assert.equal(validateSchedulerCall(decoded.value), undefined, `${body.type} validates`);
  return JSON.parse(encodeJson(body));
}

test('call builders produce Mesos-shaped, valid calls', () => {
  const task = { name: 't', task_id: { value: 't1' }, agent_id: { value: 'S1' }, command: { shell: true, value: 'true' } };
  assert.deepEqual(wire(acceptCall(['o1', { value: 'o2' }], [launchOperation([task])], { refuse_seconds: 30 })), {
    type: 'ACCEPT',
    accept: { offer_ids: [{ value: 'o1' }, { value: 'o2' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }], filters: { refuse_seconds: 30 } },
  });
  assert.deepEqual(wire(declineCall(['o1'], {})), { type: 'DECLINE', decline: { offer_ids: [{ value: 'o1' }], filters: { refuse_seconds: 5 } } });
  assert.deepEqual(wire(declineCall(['o1'])), { type: 'DECLINE', decline: { offer_ids: [{ value: 'o1' }] } });
  const group = launchGroupOperation({ executor_id: { value: 'e1' }, framework_id: FID }, [{ ...task, command: undefined } as never]);
  assert.equal(group.launch_group?.executor.type, 'DEFAULT');
  wire(acceptCall(['o1'], [group]));
  assert.deepEqual(wire(killCall('t1', 'S1', { grace_period: { nanoseconds: 5e9 } })), {
    type: 'KILL', kill: { task_id: { value: 't1' }, agent_id: { value: 'S1' }, kill_policy: { grace_period: { nanoseconds: 5e9 } } },
  });
  assert.deepEqual(wire(killCall('t1')), { type: 'KILL', kill: { task_id: { value: 't1' } } });
  assert.deepEqual(wire(reconcileCall()), { type: 'RECONCILE', reconcile: {} }, 'implicit reconciliation');
  assert.deepEqual(wire(reconcileCall([{ taskId: 't1' }])), { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't1' } }] } });
  assert.deepEqual(wire(reviveCall()), { type: 'REVIVE', revive: {} });
  assert.deepEqual(wire(suppressCall(['a', 'b'])), { type: 'SUPPRESS', suppress: { roles: ['a', 'b'] } });
  assert.deepEqual(wire(messageCall('S1', 'e1', 'hi')), { type: 'MESSAGE', message: { agent_id: { value: 'S1' }, executor_id: { value: 'e1' }, data: 'aGk=' } });
  assert.deepEqual(wire(shutdownCall('e1', 'S1')), { type: 'SHUTDOWN', shutdown: { executor_id: { value: 'e1' }, agent_id: { value: 'S1' } } });
  assert.deepEqual(wire(teardownCall()), { type: 'TEARDOWN' });
  assert.deepEqual(wire(requestCall([{ agent_id: { value: 'S1' } }])), { type: 'REQUEST', request: { requests: [{ agent_id: { value: 'S1' } }] } });
  assert.deepEqual(wire(acceptInverseOffersCall(['i1'])), { type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [{ value: 'i1' }] } });
  assert.deepEqual(wire(declineInverseOffersCall(['i1'], { refuse_seconds: 0 })), {
    type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: [{ value: 'i1' }], filters: { refuse_seconds: 0 } },
  });
  const info = { user: 'u', name: 'n', id: FID, failover_timeout: 0, checkpoint: false };
  assert.deepEqual(wire(updateFrameworkCall(info, { suppressedRoles: ['r'] })), { type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: info, suppressed_roles: ['r'] } });
  assert.deepEqual(wire(subscribeCall(info)), { type: 'SUBSCRIBE', subscribe: { framework_info: info } });
});
