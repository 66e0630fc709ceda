/**
 * scheduler.Call: what a framework POSTs to /api/v1/scheduler. The envelope carries
 * `framework_id` (all calls but a first SUBSCRIBE), `type`, and the sub-message named after the
 * type in lower case. Whether the sub-message is present is checked by `validateSchedulerCall`.
 */
import { bytes, enumeration, message, optional, repeated, required, string, type Infer } from '../../codec/schema.ts';
import { Filters } from '../common.ts';
import { FrameworkInfo } from '../framework.ts';
import { AgentID, ExecutorID, FrameworkID, OfferID, OperationID, ResourceProviderID, TaskID } from '../ids.ts';
import { ResourceRequest } from '../offer.ts';
import { OfferOperation } from '../offer-operation.ts';
import { KillPolicy } from '../task.ts';
import { OfferConstraints } from './offer-constraints.ts';

export const CallType = enumeration('scheduler.Call.Type', {
  UNKNOWN: 0,
  SUBSCRIBE: 1,
  TEARDOWN: 2,
  ACCEPT: 3,
  DECLINE: 4,
  ACCEPT_INVERSE_OFFERS: 13,
  DECLINE_INVERSE_OFFERS: 14,
  REVIVE: 5,
  KILL: 6,
  SHUTDOWN: 7,
  ACKNOWLEDGE: 8,
  ACKNOWLEDGE_OPERATION_STATUS: 15,
  RECONCILE: 9,
  RECONCILE_OPERATIONS: 16,
  MESSAGE: 10,
  REQUEST: 11,
  SUPPRESS: 12,
  UPDATE_FRAMEWORK: 17,
});
export type CallType = Infer<typeof CallType>;

/** New framework: no ID anywhere. Re-subscribe: `framework_info.id` equal to the call's `framework_id`. */
export const Subscribe = message('scheduler.Call.Subscribe', {
  framework_info: required(FrameworkInfo),
  suppressed_roles: repeated(string),
  offer_constraints: optional(OfferConstraints),
});
export type Subscribe = Infer<typeof Subscribe>;

/** Operations run in order; unused resources are declined with `filters` (refuse_seconds 5 by default). */
export const Accept = message('scheduler.Call.Accept', {
  offer_ids: repeated(OfferID),
  operations: repeated(OfferOperation),
  filters: optional(Filters),
});
export type Accept = Infer<typeof Accept>;

export const Decline = message('scheduler.Call.Decline', { offer_ids: repeated(OfferID), filters: optional(Filters) });
export type Decline = Infer<typeof Decline>;

export const AcceptInverseOffers = message('scheduler.Call.AcceptInverseOffers', { inverse_offer_ids: repeated(OfferID), filters: optional(Filters) });
export type AcceptInverseOffers = Infer<typeof AcceptInverseOffers>;

export const DeclineInverseOffers = message('scheduler.Call.DeclineInverseOffers', { inverse_offer_ids: repeated(OfferID), filters: optional(Filters) });
export type DeclineInverseOffers = Infer<typeof DeclineInverseOffers>;

/** No roles means all of the framework's roles. */
export const Revive = message('scheduler.Call.Revive', { roles: repeated(string) });
export type Revive = Infer<typeof Revive>;

/** No roles means all of the framework's roles. */
export const Suppress = message('scheduler.Call.Suppress', { roles: repeated(string) });
export type Suppress = Infer<typeof Suppress>;

/** `kill_policy` overrides the task's own (and can shorten a kill already in progress). */
export const Kill = message('scheduler.Call.Kill', { task_id: required(TaskID), agent_id: optional(AgentID), kill_policy: optional(KillPolicy) });
export type Kill = Infer<typeof Kill>;

export const Shutdown = message('scheduler.Call.Shutdown', { executor_id: required(ExecutorID), agent_id: required(AgentID) });
export type Shutdown = Infer<typeof Shutdown>;

/** `uuid` is the base64 of the update's 16-byte UUID (its length is checked by validation, as Mesos does). */
export const Acknowledge = message('scheduler.Call.Acknowledge', { agent_id: required(AgentID), task_id: required(TaskID), uuid: required(bytes()) });
export type Acknowledge = Infer<typeof Acknowledge>;

export const AcknowledgeOperationStatus = message('scheduler.Call.AcknowledgeOperationStatus', {
  agent_id: optional(AgentID),
  resource_provider_id: optional(ResourceProviderID),
  uuid: required(bytes()),
  operation_id: required(OperationID),
});
export type AcknowledgeOperationStatus = Infer<typeof AcknowledgeOperationStatus>;

export const ReconcileTask = message('scheduler.Call.Reconcile.Task', { task_id: required(TaskID), agent_id: optional(AgentID) });
export type ReconcileTask = Infer<typeof ReconcileTask>;

/** No tasks means implicit reconciliation: the latest state of every task the master knows. */
export const Reconcile = message('scheduler.Call.Reconcile', { tasks: repeated(ReconcileTask) });
export type Reconcile = Infer<typeof Reconcile>;

export const ReconcileOperation = message('scheduler.Call.ReconcileOperations.Operation', {
  operation_id: required(OperationID),
  agent_id: optional(AgentID),
  resource_provider_id: optional(ResourceProviderID),
});
export type ReconcileOperation = Infer<typeof ReconcileOperation>;

export const ReconcileOperations = message('scheduler.Call.ReconcileOperations', { operations: repeated(ReconcileOperation) });
export type ReconcileOperations = Infer<typeof ReconcileOperations>;

/** Best-effort bytes for one executor. */
export const CallMessage = message('scheduler.Call.Message', { agent_id: required(AgentID), executor_id: required(ExecutorID), data: required(bytes()) });
export type CallMessage = Infer<typeof CallMessage>;

export const Request = message('scheduler.Call.Request', { requests: repeated(ResourceRequest) });
export type Request = Infer<typeof Request>;

/** Synchronous and all-or-nothing (200 on success); `principal`, `user` and `checkpoint` may not change. */
export const UpdateFramework = message('scheduler.Call.UpdateFramework', {
  framework_info: required(FrameworkInfo),
  suppressed_roles: repeated(string),
  offer_constraints: optional(OfferConstraints),
});
export type UpdateFramework = Infer<typeof UpdateFramework>;

export const Call = message('scheduler.Call', {
  framework_id: optional(FrameworkID),
  type: optional(CallType),
  subscribe: optional(Subscribe),
  accept: optional(Accept),
  decline: optional(Decline),
  accept_inverse_offers: optional(AcceptInverseOffers),
  decline_inverse_offers: optional(DeclineInverseOffers),
  revive: optional(Revive),
  kill: optional(Kill),
  shutdown: optional(Shutdown),
  acknowledge: optional(Acknowledge),
  acknowledge_operation_status: optional(AcknowledgeOperationStatus),
  reconcile: optional(Reconcile),
  reconcile_operations: optional(ReconcileOperations),
  message: optional(CallMessage),
  request: optional(Request),
  suppress: optional(Suppress),
  update_framework: optional(UpdateFramework),
});
export type Call = Infer<typeof Call>;

/**
 * The sub-message each type carries. REVIVE's and SUPPRESS's are optional (absent means all
 * roles); TEARDOWN and UNKNOWN have none.
 */
export const CALL_FIELD = {
  SUBSCRIBE: 'subscribe',
  ACCEPT: 'accept',
  DECLINE: 'decline',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  REVIVE: 'revive',
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status',
  RECONCILE: 'reconcile',
  RECONCILE_OPERATIONS: 'reconcile_operations',
  MESSAGE: 'message',
  REQUEST: 'request',
  SUPPRESS: 'suppress',
  UPDATE_FRAMEWORK: 'update_framework',
} as const satisfies Partial<Record<CallType, keyof Call>>;
