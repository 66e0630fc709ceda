/**
 * Mesos's scheduler call validation (master/validation.cpp, `scheduler::call::validate`): the
 * checks made after decoding and before the master looks at its own state. The master answers a
 * failure with `400 Failed to validate scheduler::Call: <message>`; the messages are Mesos's.
 *
 * An `UNKNOWN` type passes, as in Mesos, so that the master can answer it with 501.
 */
import { uuidProblem } from '../../uuid.ts';
import type { FrameworkID } from '../ids.ts';
import { CALL_FIELD, type Call } from './call.ts';

const sameId = (a: FrameworkID | undefined, b: FrameworkID | undefined): boolean => a?.value === b?.value;

/**
 * `principal` is the authenticated principal, when HTTP framework authentication is on; a
 * SUBSCRIBE naming a different `framework_info.principal` is then refused.
 */
/** Mesos's message, then the field it is about (Mesos's own text does not say which). */
const inField = (problem: string | undefined, field: string): string | undefined => (problem === undefined ? undefined : `${problem} in '${field}'`);

export function validateSchedulerCall(call: Call, principal?: string): string | undefined {
  const type = call.type;
  if (type === undefined) return "Expecting 'type' to be present";

  if (type === 'SUBSCRIBE') {
    const subscribe = call.subscribe;
    if (subscribe === undefined) return "Expecting 'subscribe' to be present";
    const info = subscribe.framework_info;
    if (!sameId(info.id, call.framework_id)) return "'framework_id' differs from 'subscribe.framework_info.id'";
    if (principal !== undefined && info.principal !== undefined && principal !== info.principal) {
      return `Authenticated principal '${principal}' does not match principal '${info.principal}' set in \`FrameworkInfo\``;
    }
    return undefined;
  }

  if (call.framework_id === undefined) return "Expecting 'framework_id' to be present";

  switch (type) {
    case 'UNKNOWN':
    case 'TEARDOWN':
    case 'REVIVE':
    case 'SUPPRESS':
      return undefined;
    case 'ACKNOWLEDGE': {
      const ack = call.acknowledge;
      if (ack === undefined) return "Expecting 'acknowledge' to be present";
      return inField(uuidProblem(ack.uuid), 'acknowledge.uuid');
    }
    case 'ACKNOWLEDGE_OPERATION_STATUS': {
      const ack = call.acknowledge_operation_status;
      if (ack === undefined) return "Expecting 'acknowledge_operation_status' to be present";
      const bad = inField(uuidProblem(ack.uuid), 'acknowledge_operation_status.uuid');
      if (bad !== undefined) return bad;
      // Mesos requires the agent until operations on external resource providers exist.
      if (ack.agent_id === undefined) return "Expecting 'agent_id' to be present";
      return undefined;
    }
    case 'UPDATE_FRAMEWORK': {
      const update = call.update_framework;
      if (update === undefined) return "Expecting 'update_framework' to be present";
      if (!sameId(call.framework_id, update.framework_info.id)) return "'framework_id' differs from 'update_framework.framework_info.id'";
      return undefined;
    }
    default: {
      const field = CALL_FIELD[type];
      return call[field] === undefined ? `Expecting '${field}' to be present` : undefined;
    }
  }
}
