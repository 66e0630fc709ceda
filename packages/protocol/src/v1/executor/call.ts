/**
 * executor.Call: what an executor POSTs to the agent's /api/v1/executor. Both IDs are required
 * on every call (a missing one fails decoding, as it fails parsing in Mesos).
 */
import { bytes, enumeration, message, optional, repeated, required, type Infer } from '../../codec/schema.ts';
import { ExecutorID, FrameworkID } from '../ids.ts';
import { TaskStatus } from '../status.ts';
import { TaskInfo } from '../task.ts';

export const CallType = enumeration('executor.Call.Type', { UNKNOWN: 0, SUBSCRIBE: 1, UPDATE: 2, MESSAGE: 3, HEARTBEAT: 4 });
export type CallType = Infer<typeof CallType>;

/** A status update; the executor keeps it (and re-sends it on re-subscribe) until ACKNOWLEDGED. */
export const Update = message('executor.Call.Update', { status: required(TaskStatus) });
export type Update = Infer<typeof Update>;

/** On re-subscribe: the tasks and updates not yet acknowledged, so the agent can replay or drop them. */
export const Subscribe = message('executor.Call.Subscribe', {
  unacknowledged_tasks: repeated(TaskInfo),
  unacknowledged_updates: repeated(Update),
});
export type Subscribe = Infer<typeof Subscribe>;

export const CallMessage = message('executor.Call.Message', { data: required(bytes()) });
export type CallMessage = Infer<typeof CallMessage>;

export const Call = message('executor.Call', {
  executor_id: required(ExecutorID),
  framework_id: required(FrameworkID),
  type: optional(CallType),
  subscribe: optional(Subscribe),
  update: optional(Update),
  message: optional(CallMessage),
});
export type Call = Infer<typeof Call>;
