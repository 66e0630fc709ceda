/**
 * `--master` as agents, the SDK and the CLI take it (and Mesos's agents do): `zk://…/path` follows
 * the leader in ZooKeeper; `host:port`, `master@host:port` or a bare `host` (port 5050) names a
 * single master.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import { parseZkUrl } from '../zookeeper/url.ts';
import type { Detector } from './election.ts';
import { standaloneMasterInfo } from './master-info.ts';
import { createStandaloneDetector } from './standalone.ts';
import { createZooKeeperDetector } from './zookeeper-detector.ts';

export interface MasterAddress {
  readonly hostname: string;
  readonly port: number;
}

/** Parses a standalone `--master` value. */
export function parseMasterAddress(master: string): Result<MasterAddress, string> {
  const m = /^(?:master@)?([A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(master.trim());
  if (!m) return err(`invalid --master '${master}': expected zk://host:port[,host:port]/path, host:port or master@host:port`);
  const port = m[2] === undefined ? 5050 : Number(m[2]);
  if (port < 1 || port > 65535) return err(`invalid --master '${master}': port ${port} is out of range (1-65535)`);
  return ok({ hostname: m[1]!, port });
}

export function createMasterDetector(master: string, opts: { sessionTimeoutMs?: number; log?: Logger } = {}): Result<Detector, string> {
  if (master.startsWith('file://')) return err(`--master '${master}': file:// is not supported (Mesos deprecated it); use zk:// or host:port`);
  if (master.startsWith('zk://')) {
    const url = parseZkUrl(master);
    if (!url.ok) return url;
    return ok(createZooKeeperDetector({
      servers: url.value.servers,
      path: url.value.path,
      ...(url.value.auth ? { auth: url.value.auth } : {}),
      ...(opts.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    }));
  }
  const addr = parseMasterAddress(master);
  if (!addr.ok) return addr;
  return ok(createStandaloneDetector(standaloneMasterInfo(addr.value.hostname, addr.value.port)));
}
