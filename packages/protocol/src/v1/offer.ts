/**
 * Offer and InverseOffer (mesos.proto): resources of one agent allocated to one role of a
 * framework, and a request to give resources back ahead of maintenance.
 */
import { message, optional, repeated, required, string, type Infer } from '../codec/schema.ts';
import { Attribute, DomainInfo, Unavailability, URL } from './common.ts';
import { AgentID, ExecutorID, FrameworkID, OfferID } from './ids.ts';
import { AllocationInfo, Resource } from './resources.ts';

/**
 * `url` is how to reach the agent (clients read `url.address.ip`); `executor_ids` lists the
 * framework's executors already running there; `unavailability` is set only when maintenance
 * is scheduled; `allocation_info.role` is the one role this offer is for.
 */
export const Offer = message('Offer', {
  id: required(OfferID),
  framework_id: required(FrameworkID),
  agent_id: required(AgentID),
  hostname: required(string),
  url: optional(URL),
  domain: optional(DomainInfo),
  resources: repeated(Resource),
  attributes: repeated(Attribute),
  executor_ids: repeated(ExecutorID),
  unavailability: optional(Unavailability),
  allocation_info: optional(AllocationInfo),
});
export type Offer = Infer<typeof Offer>;

/** An advisory request to vacate an agent (all of it when `resources` is empty) before `unavailability`. */
export const InverseOffer = message('InverseOffer', {
  id: required(OfferID),
  url: optional(URL),
  framework_id: required(FrameworkID),
  agent_id: optional(AgentID),
  unavailability: required(Unavailability),
  resources: repeated(Resource),
});
export type InverseOffer = Infer<typeof InverseOffer>;

/** `mesos.v1.Request` (renamed here to avoid the fetch `Request`): resources wanted from one agent. */
export const ResourceRequest = message('Request', { agent_id: optional(AgentID), resources: repeated(Resource) });
export type ResourceRequest = Infer<typeof ResourceRequest>;
