/**
 * What masters write into ZooKeeper, as Mesos does: an EPHEMERAL|SEQUENTIAL node
 * `<path>/json.info_<10-digit sequence>` whose data is the MasterInfo as compact JSON with sorted
 * keys. The lowest sequence leads. Children with other labels (`info_` protobuf nodes of old Mesos
 * masters, `log_replicas`, Agora's own `state`) are not candidates and are ignored.
 */
import { decode, err, formatDecodeError, MasterInfo, packMasterIp, type Result } from '@agora/protocol';
import { canonicalJson } from '../json.ts';

export const MASTER_INFO_LABEL = 'json.info';
export const MEMBER_PREFIX = `${MASTER_INFO_LABEL}_`;

export function encodeMasterInfo(info: MasterInfo): Buffer {
  return Buffer.from(canonicalJson(info));
}

export function decodeMasterInfo(bytes: Uint8Array | undefined): Result<MasterInfo, string> {
  if (bytes === undefined || bytes.length === 0) return err('the node has no data');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    return err(`not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = decode(MasterInfo, json);
  return r.ok ? r : err(`not a MasterInfo: ${formatDecodeError(r.error)}`);
}

/** The sequence number of a `json.info_<seq>` child name, or undefined for any other name. */
export function memberSequence(name: string): number | undefined {
  if (!name.startsWith(MEMBER_PREFIX)) return undefined;
  const digits = name.slice(MEMBER_PREFIX.length);
  return /^\d{10}$/.test(digits) ? Number(digits) : undefined;
}

/** The candidates among a group node's children, lowest sequence (the leader) first. */
export function candidates(children: readonly string[]): Array<{ name: string; sequence: number }> {
  const out: Array<{ name: string; sequence: number }> = [];
  for (const name of children) {
    const sequence = memberSequence(name);
    if (sequence !== undefined) out.push({ name, sequence });
  }
  return out.sort((a, b) => a.sequence - b.sequence);
}

export const sameMaster = (a: MasterInfo | undefined, b: MasterInfo | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b));

/** The MasterInfo a standalone address stands for (`id` unknown, so empty). */
export function standaloneMasterInfo(hostname: string, port: number): MasterInfo {
  const ip = packMasterIp(hostname);
  return {
    id: '',
    ip: ip ?? 0,
    port,
    pid: `master@${hostname}:${port}`,
    hostname,
    address: ip === undefined ? { hostname, port } : { hostname, ip: hostname, port },
  };
}
