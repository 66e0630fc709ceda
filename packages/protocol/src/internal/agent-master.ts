/**
 * Agora's own agent↔master protocol (ADR 0002): the messages carried, in batches, over each
 * agent's channel. They mirror Mesos's internal messages (RegisterSlaveMessage, RunTaskMessage,
 * StatusUpdateMessage, ...) with v1 names and types, and use the v1 envelope style:
 * `{"type": "RUN_TASK", "run_task": {...}}`. Both sides decode what they receive with these
 * schemas: the master treats agents as untrusted input too.
 */
import {
  bool, bytes, double, enumeration, int32, message, optional, repeated, required, string, type Infer,
} from '../codec/schema.ts';
import { AgentCapability, AgentInfo } from '../v1/agent-info.ts';
import { ExecutorInfo } from '../v1/executor-info.ts';
import { FrameworkInfo } from '../v1/framework.ts';
import { AgentID, ExecutorID, FrameworkID, TaskID } from '../v1/ids.ts';
import { MasterInfo } from '../v1/master-info.ts';
import { Resource } from '../v1/resources.ts';
import { TaskState, TaskStatus, UUID_BYTES } from '../v1/status.ts';
import { KillPolicy, Task, TaskGroupInfo, TaskInfo } from '../v1/task.ts';

/**
 * A status update as the agent forwards it (Mesos's StatusUpdate). `uuid` equals `status.uuid`;
 * `latest_state` is the newest state the agent knows for the task, which may be ahead of
 * `status.state` while earlier updates wait for acknowledgement.
 */
export const StatusUpdate = message('StatusUpdate', {
  framework_id: required(FrameworkID),
  executor_id: optional(ExecutorID),
  agent_id: optional(AgentID),
  status: required(TaskStatus),
  timestamp: required(double()),
  uuid: optional(bytes({ exactLength: UUID_BYTES })),
  latest_state: optional(TaskState),
});
export type StatusUpdate = Infer<typeof StatusUpdate>;

/** An executor the agent is running, with the framework it belongs to. */
export const AgentExecutor = message('AgentExecutor', {
  framework_id: required(FrameworkID),
  executor_info: required(ExecutorInfo),
});
export type AgentExecutor = Infer<typeof AgentExecutor>;

// ───────────────────────────── agent → master ─────────────────────────────

export const AgentMessageType = enumeration('AgentMessage.Type', {
  REGISTER_AGENT: 1,
  REREGISTER_AGENT: 2,
  STATUS_UPDATE: 3,
  EXECUTOR_EXITED: 4,
  EXECUTOR_TO_FRAMEWORK: 5,
  PONG: 6,
  UNREGISTER_AGENT: 7,
});
export type AgentMessageType = Infer<typeof AgentMessageType>;

export const RegisterAgent = message('AgentMessage.RegisterAgent', {
  agent_info: required(AgentInfo),
  /** The IP address the agent serves on (its libprocess PID's address in Mesos); offers carry it. */
  ip: optional(string),
  capabilities: repeated(AgentCapability),
  version: required(string),
  /** Dynamic reservations and volumes checkpointed on the agent (empty for a new agent). */
  checkpointed_resources: repeated(Resource),
});
export type RegisterAgent = Infer<typeof RegisterAgent>;

/**
 * Sent on reconnection (same master, or a new leader after failover): everything the master
 * needs to rebuild its view of this agent.
 */
export const ReregisterAgent = message(
  'AgentMessage.ReregisterAgent',
  {
    agent_info: required(AgentInfo),
    ip: optional(string),
    capabilities: repeated(AgentCapability),
    version: required(string),
    checkpointed_resources: repeated(Resource),
    frameworks: repeated(FrameworkInfo),
    executors: repeated(AgentExecutor),
    tasks: repeated(Task),
  },
  (m) => (m.agent_info.id === undefined ? { field: 'agent_info.id', message: 'missing required field (re-registration needs the agent ID)' } : undefined),
);
export type ReregisterAgent = Infer<typeof ReregisterAgent>;

export const ExecutorExited = message('AgentMessage.ExecutorExited', {
  framework_id: required(FrameworkID),
  executor_id: required(ExecutorID),
  /** Raw waitpid status, as in the scheduler FAILURE event. */
  status: required(int32),
});
export type ExecutorExited = Infer<typeof ExecutorExited>;

export const ExecutorToFramework = message('AgentMessage.ExecutorToFramework', {
  framework_id: required(FrameworkID),
  executor_id: required(ExecutorID),
  data: required(bytes()),
});
export type ExecutorToFramework = Infer<typeof ExecutorToFramework>;

const requireSubMessage = (m: { type: string } & Record<string, unknown>) => {
  const key = m.type.toLowerCase();
  return m[key] === undefined && !['PONG', 'PING', 'UNREGISTER_AGENT'].includes(m.type)
    ? { field: key, message: `missing required field for type ${m.type}` }
    : undefined;
};

export const AgentMessage = message(
  'AgentMessage',
  {
    type: required(AgentMessageType),
    register_agent: optional(RegisterAgent),
    reregister_agent: optional(ReregisterAgent),
    status_update: optional(message('AgentMessage.StatusUpdate', { update: required(StatusUpdate) })),
    executor_exited: optional(ExecutorExited),
    executor_to_framework: optional(ExecutorToFramework),
  },
  requireSubMessage,
);
export type AgentMessage = Infer<typeof AgentMessage>;

// ───────────────────────────── master → agent ─────────────────────────────

export const MasterMessageType = enumeration('MasterMessage.Type', {
  AGENT_REGISTERED: 1,
  AGENT_REREGISTERED: 2,
  RUN_TASK: 3,
  RUN_TASK_GROUP: 4,
  KILL_TASK: 5,
  SHUTDOWN_EXECUTOR: 6,
  SHUTDOWN_FRAMEWORK: 7,
  STATUS_UPDATE_ACKNOWLEDGEMENT: 8,
  FRAMEWORK_TO_EXECUTOR: 9,
  UPDATE_FRAMEWORK: 10,
  PING: 11,
  CHECKPOINT_RESOURCES: 12,
  SHUTDOWN_AGENT: 13,
  RECONCILE_TASKS: 14,
});
export type MasterMessageType = Infer<typeof MasterMessageType>;

export const AgentRegistered = message('MasterMessage.AgentRegistered', {
  agent_id: required(AgentID),
  master_info: required(MasterInfo),
  /** How long the agent may go without a PING before it looks for the master again (Mesos: 75 s). */
  total_ping_timeout_seconds: optional(double()),
});
export type AgentRegistered = Infer<typeof AgentRegistered>;

export const RunTask = message('MasterMessage.RunTask', {
  framework: required(FrameworkInfo),
  task: required(TaskInfo),
});
export type RunTask = Infer<typeof RunTask>;

export const RunTaskGroup = message('MasterMessage.RunTaskGroup', {
  framework: required(FrameworkInfo),
  executor: required(ExecutorInfo),
  task_group: required(TaskGroupInfo),
});
export type RunTaskGroup = Infer<typeof RunTaskGroup>;

export const KillTask = message('MasterMessage.KillTask', {
  framework_id: required(FrameworkID),
  task_id: required(TaskID),
  kill_policy: optional(KillPolicy),
});
export type KillTask = Infer<typeof KillTask>;

export const ShutdownExecutor = message('MasterMessage.ShutdownExecutor', {
  framework_id: required(FrameworkID),
  executor_id: required(ExecutorID),
});
export type ShutdownExecutor = Infer<typeof ShutdownExecutor>;

export const StatusUpdateAcknowledgement = message('MasterMessage.StatusUpdateAcknowledgement', {
  framework_id: required(FrameworkID),
  task_id: required(TaskID),
  uuid: required(bytes({ exactLength: UUID_BYTES })),
});
export type StatusUpdateAcknowledgement = Infer<typeof StatusUpdateAcknowledgement>;

export const FrameworkToExecutor = message('MasterMessage.FrameworkToExecutor', {
  framework_id: required(FrameworkID),
  executor_id: required(ExecutorID),
  data: required(bytes()),
});
export type FrameworkToExecutor = Infer<typeof FrameworkToExecutor>;

/**
 * The master asks for the latest state of tasks it believes are on this agent (after failover).
 * `framework` (as Mesos's ReconcileTasksMessage.framework) lets an agent that does not know the
 * framework answer TASK_DROPPED rather than TASK_LOST to a PARTITION_AWARE one.
 */
export const ReconcileTasks = message('MasterMessage.ReconcileTasks', {
  framework_id: required(FrameworkID),
  task_ids: repeated(TaskID),
  framework: optional(FrameworkInfo),
});
export type ReconcileTasks = Infer<typeof ReconcileTasks>;

export const MasterMessage = message(
  'MasterMessage',
  {
    type: required(MasterMessageType),
    agent_registered: optional(AgentRegistered),
    agent_reregistered: optional(AgentRegistered),
    run_task: optional(RunTask),
    run_task_group: optional(RunTaskGroup),
    kill_task: optional(KillTask),
    shutdown_executor: optional(ShutdownExecutor),
    shutdown_framework: optional(message('MasterMessage.ShutdownFramework', { framework_id: required(FrameworkID) })),
    status_update_acknowledgement: optional(StatusUpdateAcknowledgement),
    framework_to_executor: optional(FrameworkToExecutor),
    update_framework: optional(message('MasterMessage.UpdateFramework', { framework_info: required(FrameworkInfo) })),
    ping: optional(message('MasterMessage.Ping', { connected: optional(bool) })),
    checkpoint_resources: optional(message('MasterMessage.CheckpointResources', { resources: repeated(Resource) })),
    shutdown_agent: optional(message('MasterMessage.ShutdownAgent', { message: optional(string) })),
    reconcile_tasks: optional(ReconcileTasks),
  },
  requireSubMessage,
);
export type MasterMessage = Infer<typeof MasterMessage>;

/** The WebSocket path agents connect to on the master. */
export const AGENT_CHANNEL_PATH = '/agora/v1/agent';
