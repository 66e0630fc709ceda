/**
 * Mesos's executor call validation (slave/validation.cpp, `executor::call::validate`). The agent
 * answers a failure with `400 Failed to validate executor::Call: <message>`.
 */
import type { CheckStatusInfo } from '../health.ts';
import { uuidProblem } from '../../uuid.ts';
import type { Call } from './call.ts';

/** A check status must name its type and carry the matching result message. */
export function checkStatusProblem(status: CheckStatusInfo): string | undefined {
  switch (status.type) {
    case undefined:
      return "CheckStatusInfo must specify 'type'";
    case 'COMMAND':
      return status.command === undefined ? "Expecting 'command' to be set for COMMAND check's status" : undefined;
    case 'HTTP':
      return status.http === undefined ? "Expecting 'http' to be set for HTTP check's status" : undefined;
    case 'TCP':
      return status.tcp === undefined ? "Expecting 'tcp' to be set for TCP check's status" : undefined;
    case 'UNKNOWN':
      return "'UNKNOWN' is not a valid check's status type";
  }
}

export function validateExecutorCall(call: Call): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  // Decoding requires both IDs; these guard values built in code.
  if (call.executor_id === undefined) return "Expecting 'executor_id' to be present";
  if (call.framework_id === undefined) return "Expecting 'framework_id' to be present";

  switch (call.type) {
    case 'UNKNOWN':
    case 'HEARTBEAT':
      return undefined;
    case 'SUBSCRIBE':
      return call.subscribe === undefined ? "Expecting 'subscribe' to be present" : undefined;
    case 'MESSAGE':
      return call.message === undefined ? "Expecting 'message' to be present" : undefined;
    case 'UPDATE': {
      if (call.update === undefined) return "Expecting 'update' to be present";
      const status = call.update.status;
      if (status.uuid === undefined) return "Expecting 'uuid' to be present";
      const bad = uuidProblem(status.uuid);
      if (bad !== undefined) return bad;
      if (status.executor_id !== undefined && status.executor_id.value !== call.executor_id.value) {
        return `ExecutorID in Call: ${call.executor_id.value} does not match ExecutorID in TaskStatus: ${status.executor_id.value}`;
      }
      if (status.source !== 'SOURCE_EXECUTOR') {
        return `Received Call from executor ${call.executor_id.value} of framework ${call.framework_id.value} with invalid source, expecting 'SOURCE_EXECUTOR'`;
      }
      if (status.state === 'TASK_STAGING') {
        return `Received TASK_STAGING from executor ${call.executor_id.value} of framework ${call.framework_id.value} which is not allowed`;
      }
      if (status.check_status !== undefined) {
        const problem = checkStatusProblem(status.check_status);
        if (problem !== undefined) return `Invalid check status: ${problem}`;
      }
      return undefined;
    }
  }
}
