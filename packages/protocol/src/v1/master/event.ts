/**
 * master.Event: the operator event stream (master SUBSCRIBE call; RecordIO). SUBSCRIBED carries a
 * full GetState snapshot; later events are deltas.
 */
import { double, enumeration, message, optional, required, type Infer } from '../../codec/schema.ts';
import { FrameworkInfo } from '../framework.ts';
import { AgentID, FrameworkID } from '../ids.ts';
import { TaskState, TaskStatus } from '../status.ts';
import { Task } from '../task.ts';
import { Agent, Framework, GetState } from './response.ts';

export const EventType = enumeration('master.Event.Type', {
  UNKNOWN: 0,
  SUBSCRIBED: 1,
  TASK_ADDED: 2,
  TASK_UPDATED: 3,
  AGENT_ADDED: 4,
  AGENT_REMOVED: 5,
  FRAMEWORK_ADDED: 6,
  FRAMEWORK_UPDATED: 7,
  FRAMEWORK_REMOVED: 8,
  HEARTBEAT: 9,
});
export type EventType = Infer<typeof EventType>;

export const Subscribed = message('master.Event.Subscribed', {
  get_state: optional(GetState),
  heartbeat_interval_seconds: optional(double()),
});
export type Subscribed = Infer<typeof Subscribed>;

export const TaskAdded = message('master.Event.TaskAdded', { task: required(Task) });
export type TaskAdded = Infer<typeof TaskAdded>;

/**
 * `status` is the last update the framework acknowledged; `state` is the agent's latest state,
 * which may be newer.
 */
export const TaskUpdated = message('master.Event.TaskUpdated', {
  framework_id: required(FrameworkID),
  status: required(TaskStatus),
  state: required(TaskState),
});
export type TaskUpdated = Infer<typeof TaskUpdated>;

export const AgentAdded = message('master.Event.AgentAdded', { agent: required(Agent) });
export type AgentAdded = Infer<typeof AgentAdded>;

export const AgentRemoved = message('master.Event.AgentRemoved', { agent_id: required(AgentID) });
export type AgentRemoved = Infer<typeof AgentRemoved>;

export const FrameworkAdded = message('master.Event.FrameworkAdded', { framework: required(Framework) });
export type FrameworkAdded = Infer<typeof FrameworkAdded>;

export const FrameworkUpdated = message('master.Event.FrameworkUpdated', { framework: required(Framework) });
export type FrameworkUpdated = Infer<typeof FrameworkUpdated>;

export const FrameworkRemoved = message('master.Event.FrameworkRemoved', { framework_info: required(FrameworkInfo) });
export type FrameworkRemoved = Infer<typeof FrameworkRemoved>;

export const Event = message('master.Event', {
  type: optional(EventType),
  subscribed: optional(Subscribed),
  task_added: optional(TaskAdded),
  task_updated: optional(TaskUpdated),
  agent_added: optional(AgentAdded),
  agent_removed: optional(AgentRemoved),
  framework_added: optional(FrameworkAdded),
  framework_updated: optional(FrameworkUpdated),
  framework_removed: optional(FrameworkRemoved),
});
export type Event = Infer<typeof Event>;
