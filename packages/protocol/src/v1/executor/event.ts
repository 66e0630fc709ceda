/** executor.Event: the records the agent streams to a subscribed executor. */
import { bytes, enumeration, message, optional, required, string, type Infer } from '../../codec/schema.ts';
import { AgentInfo } from '../agent-info.ts';
import { ExecutorInfo } from '../executor-info.ts';
import { FrameworkInfo } from '../framework.ts';
import { ContainerID, TaskID } from '../ids.ts';
import { KillPolicy, TaskGroupInfo, TaskInfo } from '../task.ts';

export const EventType = enumeration('executor.Event.Type', {
  UNKNOWN: 0,
  SUBSCRIBED: 1,
  LAUNCH: 2,
  LAUNCH_GROUP: 8,
  KILL: 3,
  ACKNOWLEDGED: 4,
  MESSAGE: 5,
  ERROR: 6,
  SHUTDOWN: 7,
  HEARTBEAT: 9,
});
export type EventType = Infer<typeof EventType>;

/** `framework_info.id` is set. */
export const Subscribed = message('executor.Event.Subscribed', {
  executor_info: required(ExecutorInfo),
  framework_info: required(FrameworkInfo),
  agent_info: required(AgentInfo),
  container_id: optional(ContainerID),
});
export type Subscribed = Infer<typeof Subscribed>;

export const Launch = message('executor.Event.Launch', { task: required(TaskInfo) });
export type Launch = Infer<typeof Launch>;

export const LaunchGroup = message('executor.Event.LaunchGroup', { task_group: required(TaskGroupInfo) });
export type LaunchGroup = Infer<typeof LaunchGroup>;

/** `kill_policy`, when set, overrides the task's own. */
export const Kill = message('executor.Event.Kill', { task_id: required(TaskID), kill_policy: optional(KillPolicy) });
export type Kill = Infer<typeof Kill>;

/** The framework acknowledged the update whose `uuid` this is; the executor may forget it. */
export const Acknowledged = message('executor.Event.Acknowledged', { task_id: required(TaskID), uuid: required(bytes()) });
export type Acknowledged = Infer<typeof Acknowledged>;

export const EventMessage = message('executor.Event.Message', { data: required(bytes()) });
export type EventMessage = Infer<typeof EventMessage>;

export const EventError = message('executor.Event.Error', { message: required(string) });
export type EventError = Infer<typeof EventError>;

/** SHUTDOWN and HEARTBEAT have no payload. */
export const Event = message('executor.Event', {
  type: optional(EventType),
  subscribed: optional(Subscribed),
  acknowledged: optional(Acknowledged),
  launch: optional(Launch),
  launch_group: optional(LaunchGroup),
  kill: optional(Kill),
  message: optional(EventMessage),
  error: optional(EventError),
});
export type Event = Infer<typeof Event>;
