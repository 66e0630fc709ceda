/** MasterInfo (mesos.proto): how a master identifies itself (SUBSCRIBED, ZooKeeper `json.info_*`). */
import { enumeration, message, optional, repeated, required, string, uint32, withDefault, type Infer } from '../codec/schema.ts';
import { Address, DomainInfo } from './common.ts';

export const MasterCapabilityType = enumeration('MasterInfo.Capability.Type', {
  UNKNOWN: 0,
  AGENT_UPDATE: 1,
  AGENT_DRAINING: 2,
  QUOTA_V2: 3,
});
export type MasterCapabilityType = Infer<typeof MasterCapabilityType>;

export const MasterCapability = message('MasterInfo.Capability', { type: optional(MasterCapabilityType) });
export type MasterCapability = Infer<typeof MasterCapability>;

/**
 * `id` is a UUID per master process. `ip` is the IPv4 address packed in network byte order and
 * read as a host (little-endian) integer: 10.0.0.11 → 184549386 (see `packMasterIp`).
 * `address` supersedes `ip`/`port`/`hostname`. `port` is required with default 5050.
 */
export const MasterInfo = message('MasterInfo', {
  id: required(string),
  ip: required(uint32),
  port: withDefault(uint32, 5050),
  pid: optional(string),
  hostname: optional(string),
  version: optional(string),
  address: optional(Address),
  domain: optional(DomainInfo),
  capabilities: repeated(MasterCapability),
});
export type MasterInfo = Infer<typeof MasterInfo>;

/** 'a.b.c.d' → MasterInfo.ip (a + b·2⁸ + c·2¹⁶ + d·2²⁴), or undefined for anything but dotted IPv4. */
export function packMasterIp(ipv4: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ipv4);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return o[0]! + o[1]! * 0x100 + o[2]! * 0x10000 + o[3]! * 0x1000000;
}

/** Inverse of `packMasterIp`. */
export function unpackMasterIp(ip: number): string {
  return [ip & 0xff, (ip >>> 8) & 0xff, (ip >>> 16) & 0xff, (ip >>> 24) & 0xff].join('.');
}
