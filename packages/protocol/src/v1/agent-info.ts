/** AgentInfo (mesos.proto `AgentInfo`, `SlaveInfo` internally): how an agent describes itself. */
import { enumeration, int32, message, optional, repeated, required, string, withDefault, type Infer } from '../codec/schema.ts';
import { Attribute, DomainInfo } from './common.ts';
import { AgentID } from './ids.ts';
import { Resource } from './resources.ts';

export const AgentCapabilityType = enumeration('AgentInfo.Capability.Type', {
  UNKNOWN: 0,
  MULTI_ROLE: 1,
  HIERARCHICAL_ROLE: 2,
  RESERVATION_REFINEMENT: 3,
  RESOURCE_PROVIDER: 4,
  RESIZE_VOLUME: 5,
  AGENT_OPERATION_FEEDBACK: 6,
  AGENT_DRAINING: 7,
  TASK_RESOURCE_LIMITS: 8,
});
export type AgentCapabilityType = Infer<typeof AgentCapabilityType>;

export const AgentCapability = message('AgentInfo.Capability', { type: optional(AgentCapabilityType) });
export type AgentCapability = Infer<typeof AgentCapability>;

/**
 * `resources` are the agent's configured (static) resources, without dynamic reservations or
 * volumes; `id` is set once the master has admitted the agent.
 */
export const AgentInfo = message('AgentInfo', {
  hostname: required(string),
  port: withDefault(int32, 5051),
  resources: repeated(Resource),
  attributes: repeated(Attribute),
  id: optional(AgentID),
  domain: optional(DomainInfo),
});
export type AgentInfo = Infer<typeof AgentInfo>;
