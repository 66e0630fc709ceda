/** FrameworkInfo (mesos.proto): how a framework describes itself when it subscribes. */
import { bool, double, enumeration, mapOf, message, optional, repeated, required, string, withDefault, type Infer } from '../codec/schema.ts';
import { Labels } from './common.ts';
import { FrameworkID } from './ids.ts';
import { ResourceQuantity } from './resources.ts';

export const FrameworkCapabilityType = enumeration('FrameworkInfo.Capability.Type', {
  UNKNOWN: 0,
  REVOCABLE_RESOURCES: 1,
  TASK_KILLING_STATE: 2,
  GPU_RESOURCES: 3,
  SHARED_RESOURCES: 4,
  PARTITION_AWARE: 5,
  MULTI_ROLE: 6,
  RESERVATION_REFINEMENT: 7,
  REGION_AWARE: 8,
});
export type FrameworkCapabilityType = Infer<typeof FrameworkCapabilityType>;

export const FrameworkCapability = message('FrameworkInfo.Capability', { type: optional(FrameworkCapabilityType) });
export type FrameworkCapability = Infer<typeof FrameworkCapability>;

/** A set of scalar quantities: `{"quantities": {"cpus": {"value": 1}}}`. */
export const ResourceQuantities = message('OfferFilters.ResourceQuantities', { quantities: optional(mapOf(ResourceQuantity)) });
export type ResourceQuantities = Infer<typeof ResourceQuantities>;

/**
 * Per-role offer shaping. An offer is allocatable to the role if it contains any one of
 * `min_allocatable_resources.quantities`; this overrides the master's --min_allocatable_resources.
 */
export const OfferFilters = message('OfferFilters', {
  min_allocatable_resources: optional(
    message('OfferFilters.MinAllocatableResources', { quantities: repeated(ResourceQuantities) }),
  ),
});
export type OfferFilters = Infer<typeof OfferFilters>;

/**
 * `user` and `name` are required. `failover_timeout` (seconds, default 0) is how long the master
 * keeps a disconnected framework's tasks. With MULTI_ROLE the framework uses `roles` and must
 * not set `role`; without it, the deprecated `role` (default "*", emitted only when set).
 */
export const FrameworkInfo = message('FrameworkInfo', {
  user: required(string),
  name: required(string),
  id: optional(FrameworkID),
  failover_timeout: withDefault(double(), 0),
  checkpoint: withDefault(bool, false),
  role: optional(string),
  roles: repeated(string),
  hostname: optional(string),
  principal: optional(string),
  webui_url: optional(string),
  capabilities: repeated(FrameworkCapability),
  labels: optional(Labels),
  offer_filters: optional(mapOf(OfferFilters)),
});
export type FrameworkInfo = Infer<typeof FrameworkInfo>;

/** Whether the framework declared `type` among its capabilities. */
export function hasCapability(info: Pick<FrameworkInfo, 'capabilities'>, type: FrameworkCapabilityType): boolean {
  return info.capabilities?.some((c) => c.type === type) ?? false;
}

/** The framework's roles: `roles` with MULTI_ROLE, otherwise `[role ?? "*"]`. */
export function frameworkRoles(info: Pick<FrameworkInfo, 'capabilities' | 'role' | 'roles'>): string[] {
  return hasCapability(info, 'MULTI_ROLE') ? [...(info.roles ?? [])] : [info.role ?? '*'];
}
