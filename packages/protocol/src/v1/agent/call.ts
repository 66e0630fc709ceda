/**
 * agent.Call: the operator API of an agent (`POST /api/v1` on port 5051): introspection, and
 * launching/waiting/killing standalone and nested containers.
 */
import { bool, enumeration, int32, mapOf, message, optional, repeated, required, string, type Infer } from '../../codec/schema.ts';
import { CommandInfo } from '../command.ts';
import { LimitScalar } from '../common.ts';
import { ContainerInfo } from '../container.ts';
import { ContainerID, ResourceProviderID } from '../ids.ts';
import { Image } from '../image.ts';
import { CallGetMetrics, CallListFiles, CallReadFile, operatorCallProblem, SetLoggingLevel } from '../operator-common.ts';
import { ResourceProviderInfo } from '../resource-provider.ts';
import { Resource } from '../resources.ts';
import { ProcessIO } from './process-io.ts';

export { CallGetMetrics, CallListFiles, CallReadFile, SetLoggingLevel };

export const CallType = enumeration('agent.Call.Type', {
  UNKNOWN: 0,
  GET_HEALTH: 1,
  GET_FLAGS: 2,
  GET_VERSION: 3,
  GET_METRICS: 4,
  GET_LOGGING_LEVEL: 5,
  SET_LOGGING_LEVEL: 6,
  LIST_FILES: 7,
  READ_FILE: 8,
  GET_STATE: 9,
  GET_CONTAINERS: 10,
  GET_FRAMEWORKS: 11,
  GET_EXECUTORS: 12,
  GET_OPERATIONS: 31,
  GET_TASKS: 13,
  GET_AGENT: 20,
  GET_RESOURCE_PROVIDERS: 26,
  LAUNCH_NESTED_CONTAINER: 14,
  WAIT_NESTED_CONTAINER: 15,
  KILL_NESTED_CONTAINER: 16,
  REMOVE_NESTED_CONTAINER: 21,
  LAUNCH_NESTED_CONTAINER_SESSION: 17,
  ATTACH_CONTAINER_INPUT: 18,
  ATTACH_CONTAINER_OUTPUT: 19,
  LAUNCH_CONTAINER: 22,
  WAIT_CONTAINER: 23,
  KILL_CONTAINER: 24,
  REMOVE_CONTAINER: 25,
  ADD_RESOURCE_PROVIDER_CONFIG: 27,
  UPDATE_RESOURCE_PROVIDER_CONFIG: 28,
  REMOVE_RESOURCE_PROVIDER_CONFIG: 29,
  MARK_RESOURCE_PROVIDER_GONE: 32,
  PRUNE_IMAGES: 30,
});
export type CallType = Infer<typeof CallType>;

export const CallGetContainers = message('agent.Call.GetContainers', { show_nested: optional(bool), show_standalone: optional(bool) });
export type CallGetContainers = Infer<typeof CallGetContainers>;

/** Deprecated in favour of LaunchContainer. */
export const LaunchNestedContainer = message('agent.Call.LaunchNestedContainer', {
  container_id: required(ContainerID),
  command: optional(CommandInfo),
  container: optional(ContainerInfo),
});
export type LaunchNestedContainer = Infer<typeof LaunchNestedContainer>;

const containerOnly = (name: string) => message(name, { container_id: required(ContainerID) });

/** Deprecated in favour of WaitContainer. */
export const WaitNestedContainer = containerOnly('agent.Call.WaitNestedContainer');
export type WaitNestedContainer = Infer<typeof WaitNestedContainer>;
/** Deprecated in favour of KillContainer. */
export const KillNestedContainer = message('agent.Call.KillNestedContainer', { container_id: required(ContainerID), signal: optional(int32) });
export type KillNestedContainer = Infer<typeof KillNestedContainer>;
/** Deprecated in favour of RemoveContainer. */
export const RemoveNestedContainer = containerOnly('agent.Call.RemoveNestedContainer');
export type RemoveNestedContainer = Infer<typeof RemoveNestedContainer>;

/** Like LaunchNestedContainer, but tied to this connection and answered with a ProcessIO stream. */
export const LaunchNestedContainerSession = message('agent.Call.LaunchNestedContainerSession', {
  container_id: required(ContainerID),
  command: optional(CommandInfo),
  container: optional(ContainerInfo),
});
export type LaunchNestedContainerSession = Infer<typeof LaunchNestedContainerSession>;

export const AttachContainerInputType = enumeration('agent.Call.AttachContainerInput.Type', { UNKNOWN: 0, CONTAINER_ID: 1, PROCESS_IO: 2 });
export type AttachContainerInputType = Infer<typeof AttachContainerInputType>;

/** Streamed as records: first one CONTAINER_ID, then PROCESS_IO records. */
export const AttachContainerInput = message('agent.Call.AttachContainerInput', {
  type: optional(AttachContainerInputType),
  container_id: optional(ContainerID),
  process_io: optional(ProcessIO),
});
export type AttachContainerInput = Infer<typeof AttachContainerInput>;

export const AttachContainerOutput = containerOnly('agent.Call.AttachContainerOutput');
export type AttachContainerOutput = Infer<typeof AttachContainerOutput>;

/**
 * A standalone container (`container_id` without parent) or a nested one. 200 when launched,
 * 202 when the ID is already in use, 400 when the launch fails.
 */
export const LaunchContainer = message('agent.Call.LaunchContainer', {
  container_id: required(ContainerID),
  command: optional(CommandInfo),
  resources: repeated(Resource),
  container: optional(ContainerInfo),
  limits: optional(mapOf(LimitScalar)),
});
export type LaunchContainer = Infer<typeof LaunchContainer>;

/** Answers when the container exits (200), or 404 if it does not exist. */
export const WaitContainer = containerOnly('agent.Call.WaitContainer');
export type WaitContainer = Infer<typeof WaitContainer>;

/** `signal` defaults to SIGKILL. */
export const KillContainer = message('agent.Call.KillContainer', { container_id: required(ContainerID), signal: optional(int32) });
export type KillContainer = Infer<typeof KillContainer>;

/** Removes a finished container's runtime and sandbox directories. */
export const RemoveContainer = containerOnly('agent.Call.RemoveContainer');
export type RemoveContainer = Infer<typeof RemoveContainer>;

export const AddResourceProviderConfig = message('agent.Call.AddResourceProviderConfig', { info: required(ResourceProviderInfo) });
export type AddResourceProviderConfig = Infer<typeof AddResourceProviderConfig>;
export const UpdateResourceProviderConfig = message('agent.Call.UpdateResourceProviderConfig', { info: required(ResourceProviderInfo) });
export type UpdateResourceProviderConfig = Infer<typeof UpdateResourceProviderConfig>;
export const RemoveResourceProviderConfig = message('agent.Call.RemoveResourceProviderConfig', { type: required(string), name: required(string) });
export type RemoveResourceProviderConfig = Infer<typeof RemoveResourceProviderConfig>;
export const MarkResourceProviderGone = message('agent.Call.MarkResourceProviderGone', { resource_provider_id: required(ResourceProviderID) });
export type MarkResourceProviderGone = Infer<typeof MarkResourceProviderGone>;

/** Images in use, and `excluded_images`, are kept. */
export const PruneImages = message('agent.Call.PruneImages', { excluded_images: repeated(Image) });
export type PruneImages = Infer<typeof PruneImages>;

export const Call = message('agent.Call', {
  type: optional(CallType),
  get_metrics: optional(CallGetMetrics),
  set_logging_level: optional(SetLoggingLevel),
  list_files: optional(CallListFiles),
  read_file: optional(CallReadFile),
  get_containers: optional(CallGetContainers),
  launch_nested_container: optional(LaunchNestedContainer),
  wait_nested_container: optional(WaitNestedContainer),
  kill_nested_container: optional(KillNestedContainer),
  remove_nested_container: optional(RemoveNestedContainer),
  launch_nested_container_session: optional(LaunchNestedContainerSession),
  attach_container_input: optional(AttachContainerInput),
  attach_container_output: optional(AttachContainerOutput),
  launch_container: optional(LaunchContainer),
  wait_container: optional(WaitContainer),
  kill_container: optional(KillContainer),
  remove_container: optional(RemoveContainer),
  add_resource_provider_config: optional(AddResourceProviderConfig),
  update_resource_provider_config: optional(UpdateResourceProviderConfig),
  remove_resource_provider_config: optional(RemoveResourceProviderConfig),
  mark_resource_provider_gone: optional(MarkResourceProviderGone),
  prune_images: optional(PruneImages),
});
export type Call = Infer<typeof Call>;

/** The sub-message each call type must carry (GET_CONTAINERS' and PRUNE_IMAGES' are optional). */
export const CALL_FIELD = {
  GET_METRICS: 'get_metrics',
  SET_LOGGING_LEVEL: 'set_logging_level',
  LIST_FILES: 'list_files',
  READ_FILE: 'read_file',
  LAUNCH_NESTED_CONTAINER: 'launch_nested_container',
  WAIT_NESTED_CONTAINER: 'wait_nested_container',
  KILL_NESTED_CONTAINER: 'kill_nested_container',
  REMOVE_NESTED_CONTAINER: 'remove_nested_container',
  LAUNCH_NESTED_CONTAINER_SESSION: 'launch_nested_container_session',
  ATTACH_CONTAINER_INPUT: 'attach_container_input',
  ATTACH_CONTAINER_OUTPUT: 'attach_container_output',
  LAUNCH_CONTAINER: 'launch_container',
  WAIT_CONTAINER: 'wait_container',
  KILL_CONTAINER: 'kill_container',
  REMOVE_CONTAINER: 'remove_container',
  ADD_RESOURCE_PROVIDER_CONFIG: 'add_resource_provider_config',
  UPDATE_RESOURCE_PROVIDER_CONFIG: 'update_resource_provider_config',
  REMOVE_RESOURCE_PROVIDER_CONFIG: 'remove_resource_provider_config',
  MARK_RESOURCE_PROVIDER_GONE: 'mark_resource_provider_gone',
} as const satisfies Partial<Record<CallType, keyof Call>>;

/** The agent answers a failure with `400 Failed to validate agent::Call: <message>`. */
export const validateAgentCall = (call: Call): string | undefined => operatorCallProblem(call, CALL_FIELD);
