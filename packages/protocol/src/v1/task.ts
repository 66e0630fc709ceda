/**
 * TaskInfo (what a framework launches), TaskGroupInfo (tasks launched together under one
 * executor), KillPolicy, and Task (the master's and agent's record of a launched task).
 */
import { bytes, mapOf, message, optional, repeated, required, string, type Infer } from '../codec/schema.ts';
import { CommandInfo } from './command.ts';
import { DurationInfo, Labels, LimitScalar } from './common.ts';
import { ContainerInfo } from './container.ts';
import { DiscoveryInfo } from './discovery.ts';
import { ExecutorInfo } from './executor-info.ts';
import { CheckInfo, HealthCheck } from './health.ts';
import { AgentID, ExecutorID, FrameworkID, TaskID } from './ids.ts';
import { Resource } from './resources.ts';
import { TaskState, TaskStatus } from './status.ts';

/** How long to wait between the graceful kill (SIGTERM) and the forcible one (SIGKILL). */
export const KillPolicy = message('KillPolicy', { grace_period: optional(DurationInfo) });
export type KillPolicy = Infer<typeof KillPolicy>;

/**
 * A task to launch. Mesos requires exactly one of `command` / `executor` (except inside a
 * LAUNCH_GROUP, where the group's executor is implied); that is launch validation, reported as
 * TASK_ERROR, so it is not a decoding rule here.
 */
export const TaskInfo = message('TaskInfo', {
  name: required(string),
  task_id: required(TaskID),
  agent_id: required(AgentID),
  resources: repeated(Resource),
  executor: optional(ExecutorInfo),
  command: optional(CommandInfo),
  container: optional(ContainerInfo),
  health_check: optional(HealthCheck),
  check: optional(CheckInfo),
  kill_policy: optional(KillPolicy),
  data: optional(bytes()),
  labels: optional(Labels),
  discovery: optional(DiscoveryInfo),
  max_completion_time: optional(DurationInfo),
  /** Per-resource limits (`cpus`, `mem`); a value may be Infinity. */
  limits: optional(mapOf(LimitScalar)),
});
export type TaskInfo = Infer<typeof TaskInfo>;

export const TaskGroupInfo = message('TaskGroupInfo', { tasks: repeated(TaskInfo) });
export type TaskGroupInfo = Infer<typeof TaskGroupInfo>;

/**
 * A launched task as the master (and agent) track it. `state` is the latest state the agent
 * reported; `status_update_state`/`status_update_uuid` name the update waiting for the
 * framework's acknowledgement (both set or both unset).
 */
export const Task = message('Task', {
  name: required(string),
  task_id: required(TaskID),
  framework_id: required(FrameworkID),
  executor_id: optional(ExecutorID),
  agent_id: required(AgentID),
  state: required(TaskState),
  resources: repeated(Resource),
  statuses: repeated(TaskStatus),
  status_update_state: optional(TaskState),
  status_update_uuid: optional(bytes()),
  labels: optional(Labels),
  discovery: optional(DiscoveryInfo),
  container: optional(ContainerInfo),
  health_check: optional(HealthCheck),
  kill_policy: optional(KillPolicy),
  user: optional(string),
  limits: optional(mapOf(LimitScalar)),
});
export type Task = Infer<typeof Task>;
