/**
 * scheduler.Event: the records of a framework's subscription stream (RecordIO, one JSON object
 * each). The first is SUBSCRIBED (or ERROR, then the stream closes).
 */
import { bytes, double, enumeration, int32, message, optional, repeated, required, string, type Infer } from '../../codec/schema.ts';
import { AgentID, ExecutorID, FrameworkID, OfferID } from '../ids.ts';
import { MasterInfo } from '../master-info.ts';
import { InverseOffer, Offer } from '../offer.ts';
import { OperationStatus } from '../operation.ts';
import { TaskStatus } from '../status.ts';

export const EventType = enumeration('scheduler.Event.Type', {
  UNKNOWN: 0,
  SUBSCRIBED: 1,
  OFFERS: 2,
  INVERSE_OFFERS: 9,
  RESCIND: 3,
  RESCIND_INVERSE_OFFER: 10,
  UPDATE: 4,
  UPDATE_OPERATION_STATUS: 11,
  MESSAGE: 5,
  FAILURE: 6,
  ERROR: 7,
  HEARTBEAT: 8,
});
export type EventType = Infer<typeof EventType>;

/** A scheduler that hears nothing (not even HEARTBEAT) for ~5 × `heartbeat_interval_seconds` should resubscribe. */
export const Subscribed = message('scheduler.Event.Subscribed', {
  framework_id: required(FrameworkID),
  heartbeat_interval_seconds: optional(double()),
  master_info: optional(MasterInfo),
});
export type Subscribed = Infer<typeof Subscribed>;

export const Offers = message('scheduler.Event.Offers', { offers: repeated(Offer) });
export type Offers = Infer<typeof Offers>;

export const InverseOffers = message('scheduler.Event.InverseOffers', { inverse_offers: repeated(InverseOffer) });
export type InverseOffers = Infer<typeof InverseOffers>;

export const Rescind = message('scheduler.Event.Rescind', { offer_id: required(OfferID) });
export type Rescind = Infer<typeof Rescind>;

export const RescindInverseOffer = message('scheduler.Event.RescindInverseOffer', { inverse_offer_id: required(OfferID) });
export type RescindInverseOffer = Infer<typeof RescindInverseOffer>;

/** Acknowledge it (ACKNOWLEDGE) when `status.uuid` is set. */
export const Update = message('scheduler.Event.Update', { status: required(TaskStatus) });
export type Update = Infer<typeof Update>;

export const UpdateOperationStatus = message('scheduler.Event.UpdateOperationStatus', { status: required(OperationStatus) });
export type UpdateOperationStatus = Infer<typeof UpdateOperationStatus>;

export const EventMessage = message('scheduler.Event.Message', { agent_id: required(AgentID), executor_id: required(ExecutorID), data: required(bytes()) });
export type EventMessage = Infer<typeof EventMessage>;

/**
 * An agent was lost (`agent_id` only) or an executor exited (`executor_id`, and `status`: the raw
 * waitpid status, so apply WEXITSTATUS). Not ordered with respect to UPDATE and RESCIND.
 */
export const Failure = message('scheduler.Event.Failure', {
  agent_id: optional(AgentID),
  executor_id: optional(ExecutorID),
  status: optional(int32),
});
export type Failure = Infer<typeof Failure>;

/** Unrecoverable; the scheduler should abort (e.g. "Framework failed over"). */
export const EventError = message('scheduler.Event.Error', { message: required(string) });
export type EventError = Infer<typeof EventError>;

export const Event = message('scheduler.Event', {
  type: optional(EventType),
  subscribed: optional(Subscribed),
  offers: optional(Offers),
  inverse_offers: optional(InverseOffers),
  rescind: optional(Rescind),
  rescind_inverse_offer: optional(RescindInverseOffer),
  update: optional(Update),
  update_operation_status: optional(UpdateOperationStatus),
  message: optional(EventMessage),
  failure: optional(Failure),
  error: optional(EventError),
});
export type Event = Infer<typeof Event>;

/** scheduler.Response: the body of a synchronous 200 answer (only RECONCILE_OPERATIONS has one). */
export const ResponseType = enumeration('scheduler.Response.Type', { UNKNOWN: 0, RECONCILE_OPERATIONS: 1 });
export type ResponseType = Infer<typeof ResponseType>;
export const Response = message('scheduler.Response', {
  type: optional(ResponseType),
  reconcile_operations: optional(message('scheduler.Response.ReconcileOperations', { operation_statuses: repeated(OperationStatus) })),
});
export type Response = Infer<typeof Response>;
