/** agent.Response: synchronous answers of the agent operator API. */
import { enumeration, int32, message, optional, repeated, required, string, type Infer } from '../../codec/schema.ts';
import { AgentInfo } from '../agent-info.ts';
import { TimeInfo } from '../common.ts';
import { ContainerStatus } from '../container.ts';
import { DrainConfig } from '../drain.ts';
import { ExecutorInfo } from '../executor-info.ts';
import { FrameworkInfo } from '../framework.ts';
import { ContainerID, ExecutorID, FrameworkID } from '../ids.ts';
import { Operation } from '../operation.ts';
import {
  GetFlags, GetHealth, GetLoggingLevel, GetVersion, ResponseGetMetrics, ResponseListFiles, ResponseReadFile,
} from '../operator-common.ts';
import { ResourceProviderEntry } from '../resource-provider.ts';
import { ResourceStatistics } from '../statistics.ts';
import { TaskResourceLimitation, TaskState, TaskStatusReason } from '../status.ts';
import { Task } from '../task.ts';

export { GetFlags, GetHealth, GetLoggingLevel, GetVersion, ResponseGetMetrics, ResponseListFiles, ResponseReadFile };

export const ResponseType = enumeration('agent.Response.Type', {
  UNKNOWN: 0,
  GET_HEALTH: 1,
  GET_FLAGS: 2,
  GET_VERSION: 3,
  GET_METRICS: 4,
  GET_LOGGING_LEVEL: 5,
  LIST_FILES: 6,
  READ_FILE: 7,
  GET_STATE: 8,
  GET_CONTAINERS: 9,
  GET_FRAMEWORKS: 10,
  GET_EXECUTORS: 11,
  GET_OPERATIONS: 17,
  GET_TASKS: 12,
  GET_AGENT: 14,
  GET_RESOURCE_PROVIDERS: 16,
  WAIT_NESTED_CONTAINER: 13,
  WAIT_CONTAINER: 15,
});
export type ResponseType = Infer<typeof ResponseType>;

export const Container = message('agent.Response.GetContainers.Container', {
  framework_id: optional(FrameworkID),
  executor_id: optional(ExecutorID),
  executor_name: optional(string),
  container_id: required(ContainerID),
  container_status: optional(ContainerStatus),
  resource_statistics: optional(ResourceStatistics),
});
export type Container = Infer<typeof Container>;

export const ResponseGetContainers = message('agent.Response.GetContainers', { containers: repeated(Container) });
export type ResponseGetContainers = Infer<typeof ResponseGetContainers>;

export const Framework = message('agent.Response.GetFrameworks.Framework', { framework_info: required(FrameworkInfo) });
export type Framework = Infer<typeof Framework>;

export const GetFrameworks = message('agent.Response.GetFrameworks', { frameworks: repeated(Framework), completed_frameworks: repeated(Framework) });
export type GetFrameworks = Infer<typeof GetFrameworks>;

export const Executor = message('agent.Response.GetExecutors.Executor', { executor_info: required(ExecutorInfo) });
export type Executor = Infer<typeof Executor>;

export const GetExecutors = message('agent.Response.GetExecutors', { executors: repeated(Executor), completed_executors: repeated(Executor) });
export type GetExecutors = Infer<typeof GetExecutors>;

export const GetOperations = message('agent.Response.GetOperations', { operations: repeated(Operation) });
export type GetOperations = Infer<typeof GetOperations>;

/**
 * pending: waiting for the executor to be launched; queued: waiting for a launched executor to
 * register; launched: running; terminated: terminal with updates unacknowledged; completed: done.
 */
export const GetTasks = message('agent.Response.GetTasks', {
  pending_tasks: repeated(Task),
  queued_tasks: repeated(Task),
  launched_tasks: repeated(Task),
  terminated_tasks: repeated(Task),
  completed_tasks: repeated(Task),
});
export type GetTasks = Infer<typeof GetTasks>;

export const GetAgent = message('agent.Response.GetAgent', {
  agent_info: optional(AgentInfo),
  drain_config: optional(DrainConfig),
  estimated_drain_start_time: optional(TimeInfo),
});
export type GetAgent = Infer<typeof GetAgent>;

export const GetResourceProviders = message('agent.Response.GetResourceProviders', { resource_providers: repeated(ResourceProviderEntry) });
export type GetResourceProviders = Infer<typeof GetResourceProviders>;

/**
 * `exit_status` is the raw wait(2) status (apply WEXITSTATUS). `state`/`reason` are set when the
 * agent itself ended the container (e.g. a limitation).
 */
export const WaitContainerResult = message('agent.Response.WaitContainer', {
  exit_status: optional(int32),
  state: optional(TaskState),
  reason: optional(TaskStatusReason),
  limitation: optional(TaskResourceLimitation),
  message: optional(string),
});
export type WaitContainerResult = Infer<typeof WaitContainerResult>;

export const GetState = message('agent.Response.GetState', {
  get_tasks: optional(GetTasks),
  get_executors: optional(GetExecutors),
  get_frameworks: optional(GetFrameworks),
});
export type GetState = Infer<typeof GetState>;

export const Response = message('agent.Response', {
  type: optional(ResponseType),
  get_health: optional(GetHealth),
  get_flags: optional(GetFlags),
  get_version: optional(GetVersion),
  get_metrics: optional(ResponseGetMetrics),
  get_logging_level: optional(GetLoggingLevel),
  list_files: optional(ResponseListFiles),
  read_file: optional(ResponseReadFile),
  get_state: optional(GetState),
  get_containers: optional(ResponseGetContainers),
  get_frameworks: optional(GetFrameworks),
  get_executors: optional(GetExecutors),
  get_operations: optional(GetOperations),
  get_tasks: optional(GetTasks),
  get_agent: optional(GetAgent),
  get_resource_providers: optional(GetResourceProviders),
  wait_nested_container: optional(WaitContainerResult),
  wait_container: optional(WaitContainerResult),
});
export type Response = Infer<typeof Response>;
