/**
 * Operations with feedback (mesos.proto): an Offer.Operation the framework gave an `id`, its
 * state machine and status updates. Note `OperationStatus.uuid` is a UUID *message*
 * (`{"value": "<base64>"}`), unlike TaskStatus.uuid which is raw bytes.
 */
import { bytes, enumeration, message, optional, repeated, required, string, type Infer } from '../codec/schema.ts';
import { AgentID, FrameworkID, OperationID, ResourceProviderID } from './ids.ts';
import { OfferOperation } from './offer-operation.ts';
import { Resource } from './resources.ts';
import { UUID_BYTES } from './status.ts';

export const UUID = message('UUID', { value: required(bytes({ exactLength: UUID_BYTES })) });
export type UUID = Infer<typeof UUID>;

export const OperationState = enumeration('OperationState', {
  OPERATION_UNSUPPORTED: 0,
  OPERATION_PENDING: 1,
  OPERATION_FINISHED: 2,
  OPERATION_FAILED: 3,
  OPERATION_ERROR: 4,
  OPERATION_DROPPED: 5,
  OPERATION_UNREACHABLE: 6,
  OPERATION_GONE_BY_OPERATOR: 7,
  OPERATION_RECOVERING: 8,
  OPERATION_UNKNOWN: 9,
});
export type OperationState = Infer<typeof OperationState>;

const TERMINAL = new Set<OperationState>(['OPERATION_FINISHED', 'OPERATION_FAILED', 'OPERATION_ERROR', 'OPERATION_DROPPED', 'OPERATION_GONE_BY_OPERATOR']);
export const isTerminalOperationState = (state: OperationState): boolean => TERMINAL.has(state);

/** `converted_resources` is set on OPERATION_FINISHED; `uuid` only on updates that need an ack. */
export const OperationStatus = message('OperationStatus', {
  operation_id: optional(OperationID),
  state: required(OperationState),
  message: optional(string),
  converted_resources: repeated(Resource),
  uuid: optional(UUID),
  agent_id: optional(AgentID),
  resource_provider_id: optional(ResourceProviderID),
});
export type OperationStatus = Infer<typeof OperationStatus>;

/** An operation as the master and agent track it; `uuid` is Mesos's own ID for it. */
export const Operation = message('Operation', {
  framework_id: optional(FrameworkID),
  agent_id: optional(AgentID),
  info: required(OfferOperation),
  latest_status: required(OperationStatus),
  statuses: repeated(OperationStatus),
  uuid: required(UUID),
});
export type Operation = Infer<typeof Operation>;
