/** NetworkInfo (mesos.proto): an IP request in a ContainerInfo, or the assigned IPs in a ContainerStatus. */
import { enumeration, message, optional, repeated, required, string, uint32, withDefault, type Infer } from '../codec/schema.ts';
import { Labels } from './common.ts';

export const NetworkProtocol = enumeration('NetworkInfo.Protocol', { IPv4: 1, IPv6: 2 });
export type NetworkProtocol = Infer<typeof NetworkProtocol>;

export const NetworkIPAddress = message('NetworkInfo.IPAddress', {
  protocol: withDefault(NetworkProtocol, 'IPv4'),
  ip_address: optional(string),
});
export type NetworkIPAddress = Infer<typeof NetworkIPAddress>;

export const NetworkPortMapping = message('NetworkInfo.PortMapping', {
  host_port: required(uint32),
  container_port: required(uint32),
  protocol: optional(string),
});
export type NetworkPortMapping = Infer<typeof NetworkPortMapping>;

export const NetworkInfo = message('NetworkInfo', {
  ip_addresses: repeated(NetworkIPAddress),
  name: optional(string),
  groups: repeated(string),
  labels: optional(Labels),
  port_mappings: repeated(NetworkPortMapping),
});
export type NetworkInfo = Infer<typeof NetworkInfo>;
