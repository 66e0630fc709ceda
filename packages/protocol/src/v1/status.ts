/**
 * TaskState, TaskStatus and its Reason/Source enums (mesos.proto), with Mesos's exact numbers.
 */
import { bool, bytes, double, enumeration, message, optional, repeated, required, string, type Infer } from '../codec/schema.ts';
import { Labels, TimeInfo } from './common.ts';
import { ContainerStatus } from './container.ts';
import { CheckStatusInfo } from './health.ts';
import { AgentID, ExecutorID, TaskID } from './ids.ts';
import { Resource } from './resources.ts';

export const TaskState = enumeration('TaskState', {
  TASK_STAGING: 6,
  TASK_STARTING: 0,
  TASK_RUNNING: 1,
  TASK_KILLING: 8,
  TASK_FINISHED: 2,
  TASK_FAILED: 3,
  TASK_KILLED: 4,
  TASK_ERROR: 7,
  TASK_LOST: 5,
  TASK_DROPPED: 9,
  TASK_UNREACHABLE: 10,
  TASK_GONE: 11,
  TASK_GONE_BY_OPERATOR: 12,
  TASK_UNKNOWN: 13,
});
export type TaskState = Infer<typeof TaskState>;

const TERMINAL = new Set<TaskState>([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR',
]);
/**
 * Mesos's notion of terminal: the task's resources are released at the first such update.
 * TASK_LOST and TASK_GONE_BY_OPERATOR count, even though a partitioned task may come back.
 */
export const isTerminalState = (state: TaskState): boolean => TERMINAL.has(state);

/** States only PARTITION_AWARE frameworks see; the others get TASK_LOST instead. */
export const PARTITION_AWARE_STATES: readonly TaskState[] = ['TASK_DROPPED', 'TASK_UNREACHABLE', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN'];

export const TaskStatusSource = enumeration('TaskStatus.Source', { SOURCE_MASTER: 0, SOURCE_AGENT: 1, SOURCE_EXECUTOR: 2 });
export type TaskStatusSource = Infer<typeof TaskStatusSource>;

export const TaskStatusReason = enumeration('TaskStatus.Reason', {
  REASON_COMMAND_EXECUTOR_FAILED: 0,
  REASON_CONTAINER_LAUNCH_FAILED: 21,
  REASON_CONTAINER_LIMITATION: 19,
  REASON_CONTAINER_LIMITATION_DISK: 20,
  REASON_CONTAINER_LIMITATION_MEMORY: 8,
  REASON_CONTAINER_PREEMPTED: 17,
  REASON_CONTAINER_UPDATE_FAILED: 22,
  REASON_MAX_COMPLETION_TIME_REACHED: 33,
  REASON_EXECUTOR_REGISTRATION_TIMEOUT: 23,
  REASON_EXECUTOR_REREGISTRATION_TIMEOUT: 24,
  REASON_EXECUTOR_TERMINATED: 1,
  REASON_EXECUTOR_UNREGISTERED: 2,
  REASON_FRAMEWORK_REMOVED: 3,
  REASON_GC_ERROR: 4,
  REASON_INVALID_FRAMEWORKID: 5,
  REASON_INVALID_OFFERS: 6,
  REASON_IO_SWITCHBOARD_EXITED: 27,
  REASON_MASTER_DISCONNECTED: 7,
  REASON_RECONCILIATION: 9,
  REASON_RESOURCES_UNKNOWN: 18,
  REASON_AGENT_DISCONNECTED: 10,
  REASON_AGENT_DRAINING: 34,
  REASON_AGENT_REMOVED: 11,
  REASON_AGENT_REMOVED_BY_OPERATOR: 31,
  REASON_AGENT_REREGISTERED: 32,
  REASON_AGENT_RESTARTED: 12,
  REASON_AGENT_UNKNOWN: 13,
  REASON_TASK_KILLED_DURING_LAUNCH: 30,
  REASON_TASK_CHECK_STATUS_UPDATED: 28,
  REASON_TASK_HEALTH_CHECK_STATUS_UPDATED: 29,
  REASON_TASK_GROUP_INVALID: 25,
  REASON_TASK_GROUP_UNAUTHORIZED: 26,
  REASON_TASK_INVALID: 14,
  REASON_TASK_UNAUTHORIZED: 15,
  REASON_TASK_UNKNOWN: 16,
});
export type TaskStatusReason = Infer<typeof TaskStatusReason>;

/** The resources whose limit a container hit (with REASON_CONTAINER_LIMITATION*). */
export const TaskResourceLimitation = message('TaskResourceLimitation', { resources: repeated(Resource) });
export type TaskResourceLimitation = Infer<typeof TaskResourceLimitation>;

/** Bytes of an RFC 4122 UUID, as carried in TaskStatus.uuid and acknowledgements. */
export const UUID_BYTES = 16;

/**
 * A task status update. `uuid` (16 bytes, base64 on the wire) is present exactly on updates
 * that must be acknowledged; master-generated updates carry none. `timestamp` is seconds since
 * the epoch as a double.
 */
export const TaskStatus = message('TaskStatus', {
  task_id: required(TaskID),
  state: required(TaskState),
  message: optional(string),
  source: optional(TaskStatusSource),
  reason: optional(TaskStatusReason),
  data: optional(bytes()),
  agent_id: optional(AgentID),
  executor_id: optional(ExecutorID),
  timestamp: optional(double()),
  uuid: optional(bytes({ exactLength: UUID_BYTES })),
  healthy: optional(bool),
  check_status: optional(CheckStatusInfo),
  labels: optional(Labels),
  container_status: optional(ContainerStatus),
  unreachable_time: optional(TimeInfo),
  limitation: optional(TaskResourceLimitation),
});
export type TaskStatus = Infer<typeof TaskStatus>;
