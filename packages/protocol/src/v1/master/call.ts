/**
 * master.Call: the operator API of the master (`POST /api/v1`, also `/mesos/api/v1`). Every call
 * but SUBSCRIBE gets a synchronous answer (a master.Response, 202, or 200 with an empty body).
 */
import { bool, enumeration, message, optional, repeated, required, string, withDefault, type Infer } from '../../codec/schema.ts';
import { GoogleDuration, MachineID, ValueScalar } from '../common.ts';
import { AgentID, FrameworkID } from '../ids.ts';
import { MaintenanceSchedule } from '../maintenance.ts';
import { CallGetMetrics, CallListFiles, CallReadFile, operatorCallProblem, SetLoggingLevel } from '../operator-common.ts';
import { QuotaConfig, QuotaRequest } from '../quota.ts';
import { Resource } from '../resources.ts';
import { WeightInfo } from '../roles.ts';

export { CallGetMetrics, CallListFiles, CallReadFile, SetLoggingLevel };

export const CallType = enumeration('master.Call.Type', {
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
  GET_AGENTS: 10,
  GET_FRAMEWORKS: 11,
  GET_EXECUTORS: 12,
  GET_OPERATIONS: 33,
  GET_TASKS: 13,
  GET_ROLES: 14,
  GET_WEIGHTS: 15,
  UPDATE_WEIGHTS: 16,
  GET_MASTER: 17,
  SUBSCRIBE: 18,
  RESERVE_RESOURCES: 19,
  UNRESERVE_RESOURCES: 20,
  CREATE_VOLUMES: 21,
  DESTROY_VOLUMES: 22,
  GROW_VOLUME: 34,
  SHRINK_VOLUME: 35,
  GET_MAINTENANCE_STATUS: 23,
  GET_MAINTENANCE_SCHEDULE: 24,
  UPDATE_MAINTENANCE_SCHEDULE: 25,
  START_MAINTENANCE: 26,
  STOP_MAINTENANCE: 27,
  GET_QUOTA: 28,
  UPDATE_QUOTA: 36,
  SET_QUOTA: 29,
  REMOVE_QUOTA: 30,
  TEARDOWN: 31,
  MARK_AGENT_GONE: 32,
  DRAIN_AGENT: 37,
  DEACTIVATE_AGENT: 38,
  REACTIVATE_AGENT: 39,
});
export type CallType = Infer<typeof CallType>;

export const UpdateWeights = message('master.Call.UpdateWeights', { weight_infos: repeated(WeightInfo) });
export type UpdateWeights = Infer<typeof UpdateWeights>;

/** `source`, when given, names the (already reserved) resources a refinement starts from. */
export const ReserveResources = message('master.Call.ReserveResources', {
  agent_id: required(AgentID),
  source: repeated(Resource),
  resources: repeated(Resource),
});
export type ReserveResources = Infer<typeof ReserveResources>;

export const UnreserveResources = message('master.Call.UnreserveResources', { agent_id: required(AgentID), resources: repeated(Resource) });
export type UnreserveResources = Infer<typeof UnreserveResources>;

export const CreateVolumes = message('master.Call.CreateVolumes', { agent_id: required(AgentID), volumes: repeated(Resource) });
export type CreateVolumes = Infer<typeof CreateVolumes>;

export const DestroyVolumes = message('master.Call.DestroyVolumes', { agent_id: required(AgentID), volumes: repeated(Resource) });
export type DestroyVolumes = Infer<typeof DestroyVolumes>;

/** `agent_id` is required for agent-local volumes and absent for external ones. */
export const GrowVolume = message('master.Call.GrowVolume', { agent_id: optional(AgentID), volume: required(Resource), addition: required(Resource) });
export type GrowVolume = Infer<typeof GrowVolume>;

export const ShrinkVolume = message('master.Call.ShrinkVolume', { agent_id: optional(AgentID), volume: required(Resource), subtract: required(ValueScalar) });
export type ShrinkVolume = Infer<typeof ShrinkVolume>;

export const UpdateMaintenanceSchedule = message('master.Call.UpdateMaintenanceSchedule', { schedule: required(MaintenanceSchedule) });
export type UpdateMaintenanceSchedule = Infer<typeof UpdateMaintenanceSchedule>;

/** Brings the machines DOWN: their agents are removed and may not register until STOP_MAINTENANCE. */
export const StartMaintenance = message('master.Call.StartMaintenance', { machines: repeated(MachineID) });
export type StartMaintenance = Infer<typeof StartMaintenance>;

export const StopMaintenance = message('master.Call.StopMaintenance', { machines: repeated(MachineID) });
export type StopMaintenance = Infer<typeof StopMaintenance>;

/** All-or-nothing. `force` skips the checks that the cluster can honour the new quota. */
export const UpdateQuota = message('master.Call.UpdateQuota', { force: optional(bool), quota_configs: repeated(QuotaConfig) });
export type UpdateQuota = Infer<typeof UpdateQuota>;

/** Deprecated (pre-1.9 quota). */
export const SetQuota = message('master.Call.SetQuota', { quota_request: required(QuotaRequest) });
export type SetQuota = Infer<typeof SetQuota>;

/** Deprecated (pre-1.9 quota). */
export const RemoveQuota = message('master.Call.RemoveQuota', { role: required(string) });
export type RemoveQuota = Infer<typeof RemoveQuota>;

export const Teardown = message('master.Call.Teardown', { framework_id: required(FrameworkID) });
export type Teardown = Infer<typeof Teardown>;

/** The operator asserts the agent is never coming back; its tasks become TASK_GONE_BY_OPERATOR. */
export const MarkAgentGone = message('master.Call.MarkAgentGone', { agent_id: required(AgentID) });
export type MarkAgentGone = Infer<typeof MarkAgentGone>;

/** `max_grace_period` is a google.protobuf.Duration (`"10s"`), unlike most durations here. */
export const DrainAgent = message('master.Call.DrainAgent', {
  agent_id: required(AgentID),
  max_grace_period: optional(GoogleDuration),
  mark_gone: withDefault(bool, false),
});
export type DrainAgent = Infer<typeof DrainAgent>;

export const DeactivateAgent = message('master.Call.DeactivateAgent', { agent_id: required(AgentID) });
export type DeactivateAgent = Infer<typeof DeactivateAgent>;

export const ReactivateAgent = message('master.Call.ReactivateAgent', { agent_id: required(AgentID) });
export type ReactivateAgent = Infer<typeof ReactivateAgent>;

export const Call = message('master.Call', {
  type: optional(CallType),
  get_metrics: optional(CallGetMetrics),
  set_logging_level: optional(SetLoggingLevel),
  list_files: optional(CallListFiles),
  read_file: optional(CallReadFile),
  update_weights: optional(UpdateWeights),
  reserve_resources: optional(ReserveResources),
  unreserve_resources: optional(UnreserveResources),
  create_volumes: optional(CreateVolumes),
  destroy_volumes: optional(DestroyVolumes),
  grow_volume: optional(GrowVolume),
  shrink_volume: optional(ShrinkVolume),
  update_maintenance_schedule: optional(UpdateMaintenanceSchedule),
  start_maintenance: optional(StartMaintenance),
  stop_maintenance: optional(StopMaintenance),
  update_quota: optional(UpdateQuota),
  set_quota: optional(SetQuota),
  remove_quota: optional(RemoveQuota),
  teardown: optional(Teardown),
  mark_agent_gone: optional(MarkAgentGone),
  drain_agent: optional(DrainAgent),
  deactivate_agent: optional(DeactivateAgent),
  reactivate_agent: optional(ReactivateAgent),
});
export type Call = Infer<typeof Call>;

/** The sub-message each call type must carry; the other types carry none. */
export const CALL_FIELD = {
  GET_METRICS: 'get_metrics',
  SET_LOGGING_LEVEL: 'set_logging_level',
  LIST_FILES: 'list_files',
  READ_FILE: 'read_file',
  UPDATE_WEIGHTS: 'update_weights',
  RESERVE_RESOURCES: 'reserve_resources',
  UNRESERVE_RESOURCES: 'unreserve_resources',
  CREATE_VOLUMES: 'create_volumes',
  DESTROY_VOLUMES: 'destroy_volumes',
  GROW_VOLUME: 'grow_volume',
  SHRINK_VOLUME: 'shrink_volume',
  UPDATE_MAINTENANCE_SCHEDULE: 'update_maintenance_schedule',
  START_MAINTENANCE: 'start_maintenance',
  STOP_MAINTENANCE: 'stop_maintenance',
  UPDATE_QUOTA: 'update_quota',
  SET_QUOTA: 'set_quota',
  REMOVE_QUOTA: 'remove_quota',
  TEARDOWN: 'teardown',
  MARK_AGENT_GONE: 'mark_agent_gone',
  DRAIN_AGENT: 'drain_agent',
  DEACTIVATE_AGENT: 'deactivate_agent',
  REACTIVATE_AGENT: 'reactivate_agent',
} as const satisfies Partial<Record<CallType, keyof Call>>;

/** The master answers a failure with `400 Failed to validate master::Call: <message>`. */
export const validateMasterCall = (call: Call): string | undefined => operatorCallProblem(call, CALL_FIELD);
