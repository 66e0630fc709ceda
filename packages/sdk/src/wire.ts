/**
 * The Mesos v1 wire types a framework author handles, re-exported from `@agora/protocol` so that
 * a framework can import everything from `@agora/sdk`. They are the protocol's own types (field
 * names as in mesos.proto); anything not listed here is still available from `@agora/protocol`.
 */
export type {
  AgentID, CheckInfo, CheckStatusInfo, CommandInfo, ContainerInfo, ExecutorID, ExecutorInfo,
  Filters, FrameworkID, FrameworkInfo, HealthCheck, KillPolicy, Labels, Offer, OfferID, Resource, Result,
  TaskGroupInfo, TaskID, TaskInfo, TaskState, TaskStatus,
} from '@agora/protocol';
export { err, isTerminalState, ok } from '@agora/protocol';
