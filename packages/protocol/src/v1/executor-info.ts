/** ExecutorInfo (mesos.proto): the process that runs a framework's tasks on an agent. */
import { bytes, enumeration, message, optional, repeated, required, string, type Infer } from '../codec/schema.ts';
import { CommandInfo } from './command.ts';
import { DurationInfo, Labels } from './common.ts';
import { ContainerInfo } from './container.ts';
import { DiscoveryInfo } from './discovery.ts';
import { ExecutorID, FrameworkID } from './ids.ts';
import { Resource } from './resources.ts';

/**
 * DEFAULT: Mesos's own executor (no `command`; a container, if any, is MESOS without an image).
 * CUSTOM: the framework's executor (`command` required). Unset on LAUNCH means "infer from
 * whether `command` is set"; LAUNCH_GROUP requires it.
 */
export const ExecutorType = enumeration('ExecutorInfo.Type', { UNKNOWN: 0, DEFAULT: 1, CUSTOM: 2 });
export type ExecutorType = Infer<typeof ExecutorType>;

export const ExecutorInfo = message('ExecutorInfo', {
  type: optional(ExecutorType),
  executor_id: required(ExecutorID),
  framework_id: optional(FrameworkID),
  command: optional(CommandInfo),
  container: optional(ContainerInfo),
  resources: repeated(Resource),
  name: optional(string),
  /** Deprecated since 1.0 (use labels); the agent sets it to the task ID for command executors. */
  source: optional(string),
  data: optional(bytes()),
  discovery: optional(DiscoveryInfo),
  shutdown_grace_period: optional(DurationInfo),
  labels: optional(Labels),
});
export type ExecutorInfo = Infer<typeof ExecutorInfo>;
