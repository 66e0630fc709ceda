/**
 * master.Response: synchronous answers of the master operator API, `{"type":"GET_X","get_x":{..}}`.
 * Resources in these answers are in the "endpoint" format (both reservation forms when possible).
 */
import { bool, double, enumeration, message, optional, repeated, required, string, type Infer } from '../../codec/schema.ts';
import { AgentCapability, AgentInfo } from '../agent-info.ts';
import { TimeInfo } from '../common.ts';
import { DrainInfo } from '../drain.ts';
import { ExecutorInfo } from '../executor-info.ts';
import { FrameworkInfo } from '../framework.ts';
import { AgentID } from '../ids.ts';
import { ClusterStatus, MaintenanceSchedule } from '../maintenance.ts';
import { MasterInfo } from '../master-info.ts';
import { InverseOffer, Offer } from '../offer.ts';
import { Operation } from '../operation.ts';
import {
  GetFlags, GetHealth, GetLoggingLevel, GetVersion, ResponseGetMetrics, ResponseListFiles, ResponseReadFile,
} from '../operator-common.ts';
import { QuotaStatus } from '../quota.ts';
import { ResourceProviderEntry } from '../resource-provider.ts';
import { Resource } from '../resources.ts';
import { Role, WeightInfo } from '../roles.ts';
import { Task } from '../task.ts';
import { OfferConstraints } from '../scheduler/offer-constraints.ts';

export { GetFlags, GetHealth, GetLoggingLevel, GetVersion, ResponseGetMetrics, ResponseListFiles, ResponseReadFile };

export const ResponseType = enumeration('master.Response.Type', {
  UNKNOWN: 0,
  GET_HEALTH: 1,
  GET_FLAGS: 2,
  GET_VERSION: 3,
  GET_METRICS: 4,
  GET_LOGGING_LEVEL: 5,
  LIST_FILES: 6,
  READ_FILE: 7,
  GET_STATE: 8,
  GET_AGENTS: 9,
  GET_FRAMEWORKS: 10,
  GET_EXECUTORS: 11,
  GET_OPERATIONS: 19,
  GET_TASKS: 12,
  GET_ROLES: 13,
  GET_WEIGHTS: 14,
  GET_MASTER: 15,
  GET_MAINTENANCE_STATUS: 16,
  GET_MAINTENANCE_SCHEDULE: 17,
  GET_QUOTA: 18,
});
export type ResponseType = Infer<typeof ResponseType>;

/** An admitted agent. `pid` is `slave(1)@ip:port`; `active` is false while disconnected. */
export const Agent = message('master.Response.GetAgents.Agent', {
  agent_info: required(AgentInfo),
  active: required(bool),
  deactivated: optional(bool),
  version: required(string),
  pid: optional(string),
  registered_time: optional(TimeInfo),
  reregistered_time: optional(TimeInfo),
  total_resources: repeated(Resource),
  allocated_resources: repeated(Resource),
  offered_resources: repeated(Resource),
  capabilities: repeated(AgentCapability),
  resource_providers: repeated(ResourceProviderEntry),
  drain_info: optional(DrainInfo),
  estimated_drain_start_time: optional(TimeInfo),
});
export type Agent = Infer<typeof Agent>;

/** `recovered_agents` are in the registry but have not re-registered since the master failed over. */
export const GetAgents = message('master.Response.GetAgents', { agents: repeated(Agent), recovered_agents: repeated(AgentInfo) });
export type GetAgents = Infer<typeof GetAgents>;

/**
 * `connected`: its subscription stream is open. `active`: connected and not deactivated.
 * `recovered`: known only from re-registering agents since a master failover.
 */
export const Framework = message('master.Response.GetFrameworks.Framework', {
  framework_info: required(FrameworkInfo),
  active: required(bool),
  connected: required(bool),
  recovered: required(bool),
  registered_time: optional(TimeInfo),
  reregistered_time: optional(TimeInfo),
  unregistered_time: optional(TimeInfo),
  offers: repeated(Offer),
  inverse_offers: repeated(InverseOffer),
  allocated_resources: repeated(Resource),
  offered_resources: repeated(Resource),
  offer_constraints: optional(OfferConstraints),
});
export type Framework = Infer<typeof Framework>;

export const GetFrameworks = message('master.Response.GetFrameworks', {
  frameworks: repeated(Framework),
  completed_frameworks: repeated(Framework),
  /** Deprecated and always empty since 1.2. */
  recovered_frameworks: repeated(FrameworkInfo),
});
export type GetFrameworks = Infer<typeof GetFrameworks>;

export const Executor = message('master.Response.GetExecutors.Executor', { executor_info: required(ExecutorInfo), agent_id: required(AgentID) });
export type Executor = Infer<typeof Executor>;

export const GetExecutors = message('master.Response.GetExecutors', {
  executors: repeated(Executor),
  /** Deprecated and always empty since 1.3. */
  orphan_executors: repeated(Executor),
});
export type GetExecutors = Infer<typeof GetExecutors>;

export const GetOperations = message('master.Response.GetOperations', { operations: repeated(Operation) });
export type GetOperations = Infer<typeof GetOperations>;

/**
 * `tasks`: launched and not yet completed (a terminal one stays until its terminal update is
 * acknowledged). `completed_tasks`: terminal and acknowledged. `pending_tasks` and
 * `orphan_tasks` are kept for old clients.
 */
export const GetTasks = message('master.Response.GetTasks', {
  pending_tasks: repeated(Task),
  tasks: repeated(Task),
  unreachable_tasks: repeated(Task),
  completed_tasks: repeated(Task),
  orphan_tasks: repeated(Task),
});
export type GetTasks = Infer<typeof GetTasks>;

export const GetRoles = message('master.Response.GetRoles', { roles: repeated(Role) });
export type GetRoles = Infer<typeof GetRoles>;

export const GetWeights = message('master.Response.GetWeights', { weight_infos: repeated(WeightInfo) });
export type GetWeights = Infer<typeof GetWeights>;

/** Times are seconds since the epoch. */
export const GetMaster = message('master.Response.GetMaster', {
  master_info: optional(MasterInfo),
  start_time: optional(double()),
  elected_time: optional(double()),
});
export type GetMaster = Infer<typeof GetMaster>;

export const GetMaintenanceStatus = message('master.Response.GetMaintenanceStatus', { status: required(ClusterStatus) });
export type GetMaintenanceStatus = Infer<typeof GetMaintenanceStatus>;

export const GetMaintenanceSchedule = message('master.Response.GetMaintenanceSchedule', { schedule: required(MaintenanceSchedule) });
export type GetMaintenanceSchedule = Infer<typeof GetMaintenanceSchedule>;

export const GetQuota = message('master.Response.GetQuota', { status: required(QuotaStatus) });
export type GetQuota = Infer<typeof GetQuota>;

export const GetState = message('master.Response.GetState', {
  get_tasks: optional(GetTasks),
  get_executors: optional(GetExecutors),
  get_frameworks: optional(GetFrameworks),
  get_agents: optional(GetAgents),
});
export type GetState = Infer<typeof GetState>;

export const Response = message('master.Response', {
  type: optional(ResponseType),
  get_health: optional(GetHealth),
  get_flags: optional(GetFlags),
  get_version: optional(GetVersion),
  get_metrics: optional(ResponseGetMetrics),
  get_logging_level: optional(GetLoggingLevel),
  list_files: optional(ResponseListFiles),
  read_file: optional(ResponseReadFile),
  get_state: optional(GetState),
  get_agents: optional(GetAgents),
  get_frameworks: optional(GetFrameworks),
  get_executors: optional(GetExecutors),
  get_operations: optional(GetOperations),
  get_tasks: optional(GetTasks),
  get_roles: optional(GetRoles),
  get_weights: optional(GetWeights),
  get_master: optional(GetMaster),
  get_maintenance_status: optional(GetMaintenanceStatus),
  get_maintenance_schedule: optional(GetMaintenanceSchedule),
  get_quota: optional(GetQuota),
});
export type Response = Infer<typeof Response>;
