/**
 * ResourceProviderInfo and the CSI plugin description it carries (mesos.proto). Agora reports
 * these in operator responses; it does not run resource providers itself.
 */
import { bool, double, enumeration, message, optional, repeated, required, string, withDefault, type Infer } from '../codec/schema.ts';
import { CommandInfo } from './command.ts';
import { Attribute } from './common.ts';
import { ContainerInfo } from './container.ts';
import { ResourceProviderID } from './ids.ts';
import { ReservationInfo, Resource } from './resources.ts';

export const CSIPluginService = enumeration('CSIPluginContainerInfo.Service', { UNKNOWN: 0, CONTROLLER_SERVICE: 1, NODE_SERVICE: 2 });
export type CSIPluginService = Infer<typeof CSIPluginService>;

export const CSIPluginContainerInfo = message('CSIPluginContainerInfo', {
  services: repeated(CSIPluginService),
  command: optional(CommandInfo),
  resources: repeated(Resource),
  container: optional(ContainerInfo),
});
export type CSIPluginContainerInfo = Infer<typeof CSIPluginContainerInfo>;

export const CSIPluginEndpoint = message('CSIPluginEndpoint', { csi_service: required(CSIPluginService), endpoint: required(string) });
export type CSIPluginEndpoint = Infer<typeof CSIPluginEndpoint>;

/** A managed plugin lists `containers`; an unmanaged one lists `endpoints`. */
export const CSIPluginInfo = message('CSIPluginInfo', {
  type: required(string),
  name: withDefault(string, 'default'),
  containers: repeated(CSIPluginContainerInfo),
  endpoints: repeated(CSIPluginEndpoint),
  target_path_root: optional(string),
  target_path_exists: optional(bool),
});
export type CSIPluginInfo = Infer<typeof CSIPluginInfo>;

export const ResourceProviderInfo = message('ResourceProviderInfo', {
  id: optional(ResourceProviderID),
  attributes: repeated(Attribute),
  type: required(string),
  name: required(string),
  default_reservations: repeated(ReservationInfo),
  storage: optional(
    message('ResourceProviderInfo.Storage', {
      plugin: required(CSIPluginInfo),
      reconciliation_interval_seconds: optional(double()),
    }),
  ),
});
export type ResourceProviderInfo = Infer<typeof ResourceProviderInfo>;

/** A provider and its total resources, as GET_AGENTS and GET_RESOURCE_PROVIDERS list them. */
export const ResourceProviderEntry = message('ResourceProvider', {
  resource_provider_info: required(ResourceProviderInfo),
  total_resources: repeated(Resource),
});
export type ResourceProviderEntry = Infer<typeof ResourceProviderEntry>;
