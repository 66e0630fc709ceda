/** DiscoveryInfo (mesos.proto): service-discovery hints Mesos carries but never interprets. */
import { message, optional, repeated, required, string, type Infer } from '../codec/schema.ts';
import { DiscoveryVisibility, Labels, Port } from './common.ts';

export const Ports = message('Ports', { ports: repeated(Port) });
export type Ports = Infer<typeof Ports>;

export const DiscoveryInfo = message('DiscoveryInfo', {
  visibility: required(DiscoveryVisibility),
  name: optional(string),
  environment: optional(string),
  location: optional(string),
  version: optional(string),
  ports: optional(Ports),
  labels: optional(Labels),
});
export type DiscoveryInfo = Infer<typeof DiscoveryInfo>;
