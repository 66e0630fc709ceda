/**
 * The master's validated configuration: flags compiled once into what the master uses.
 */
import { err, ok, type Result } from '@agora/protocol';
import { isValidRole, type ResourceQuantities } from '@agora/resources';
import { parseRemovalRateLimit, type RemovalRateLimit } from './agents/removal-limit.ts';
import type { MasterOptions } from './flags.ts';

export interface MasterConfig {
  allocationIntervalMs: number;
  offerTimeoutMs: number | undefined;
  agentPingTimeoutMs: number;
  maxAgentPingTimeouts: number;
  heartbeatIntervalMs: number;
  /** undefined: any valid role may be used. */
  rolesWhitelist: ReadonlySet<string> | undefined;
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
  maxUnreachableTasksPerFramework: number;
  maxOperatorSubscribers: number;
  /** Bytes a subscriber may fall behind before it is disconnected. */
  maxStreamBufferBytes: number;
  cluster: string | undefined;
  minAllocatable: readonly ResourceQuantities[];
  /** After a failover: how long recovered agents have to re-register. */
  agentReregisterTimeoutMs: number;
  /** After a failover: the largest fraction (0–1) of recovered agents the re-register timeout may mark unreachable. */
  recoveryAgentRemovalLimit: number;
  /** Agents failing health checks are marked unreachable at most this fast (undefined: at once). */
  agentRemovalRateLimit: RemovalRateLimit | undefined;
  /** Registry GC: unreachable and gone entries older than this are pruned. */
  registryMaxAgentAgeMs: number;
  /** Registry GC: at most this many unreachable (and, separately, gone) entries are kept. */
  registryMaxAgentCount: number;
  registryGcIntervalMs: number;
}

/** Where the registry is kept: nowhere, a file store in a directory, or ZooKeeper. */
export type RegistryBackend = { kind: 'in_memory' } | { kind: 'file'; dir: string } | { kind: 'zookeeper'; url: string };

export interface HaConfig {
  registry: RegistryBackend;
  /** The ZooKeeper URL masters contend at (undefined: standalone, always the leader). */
  zk: string | undefined;
  quorum: number | undefined;
  zkSessionTimeoutMs: number;
}

/** `50%`, `0.5` → 0.5. */
export function parsePercentage(text: string): Result<number, string> {
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  const v = pct ? Number(pct[1]) / 100 : /^\d+(?:\.\d+)?$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v) || v < 0 || v > 1) return err(`'${text}' is not a percentage between 0% and 100%`);
  return ok(v);
}

/** The registry and election settings (Mesos's rules: --zk with the replicated registry needs --quorum). */
export function compileHa(o: MasterOptions): Result<HaConfig, string> {
  if (o.zk !== undefined && !o.zk.startsWith('zk://')) return err(`--zk: expected zk://host:port[,host:port...]/path, got '${o.zk}'`);
  const kind = o.registry ?? (o.zk !== undefined || o.workDir !== undefined ? 'replicated_log' : 'in_memory');
  let registry: RegistryBackend;
  if (kind === 'in_memory') registry = { kind: 'in_memory' };
  else if (o.zk !== undefined) {
    if (o.quorum === undefined) return err('--quorum: required with --zk and --registry=replicated_log (a majority of the masters, e.g. 2 of 3)');
    registry = { kind: 'zookeeper', url: o.zk };
  } else if (o.workDir !== undefined) registry = { kind: 'file', dir: o.workDir };
  else return err('--registry=replicated_log needs --zk or --work-dir (where to keep the registry)');
  return ok({ registry, zk: o.zk, quorum: o.quorum, zkSessionTimeoutMs: o.zkSessionTimeout });
}

export function compileConfig(o: MasterOptions, minAllocatable: readonly ResourceQuantities[]): Result<MasterConfig, string> {
  for (const r of o.roles) if (!isValidRole(r)) return err(`--roles: '${r}' is not a valid role name`);
  const limit = parsePercentage(o.recoveryAgentRemovalLimit);
  if (!limit.ok) return err(`--recovery-agent-removal-limit: ${limit.error}`);
  const rate = o.agentRemovalRateLimit === undefined ? undefined : parseRemovalRateLimit(o.agentRemovalRateLimit);
  if (rate && !rate.ok) return err(`--agent-removal-rate-limit: ${rate.error}`);
  return ok({
    agentReregisterTimeoutMs: o.agentReregisterTimeout,
    recoveryAgentRemovalLimit: limit.value,
    agentRemovalRateLimit: rate?.value,
    registryMaxAgentAgeMs: o.registryMaxAgentAge,
    registryMaxAgentCount: o.registryMaxAgentCount,
    registryGcIntervalMs: o.registryGcInterval,
    allocationIntervalMs: o.allocationInterval,
    offerTimeoutMs: o.offerTimeout,
    agentPingTimeoutMs: o.agentPingTimeout,
    maxAgentPingTimeouts: o.maxAgentPingTimeouts,
    heartbeatIntervalMs: o.heartbeatInterval,
    rolesWhitelist: o.roles.length > 0 ? new Set(o.roles) : undefined,
    maxCompletedFrameworks: o.maxCompletedFrameworks,
    maxCompletedTasksPerFramework: o.maxCompletedTasksPerFramework,
    maxUnreachableTasksPerFramework: o.maxUnreachableTasksPerFramework,
    maxOperatorSubscribers: o.maxOperatorEventStreamSubscribers,
    maxStreamBufferBytes: o.maxEventStreamBuffer * 1024 * 1024,
    cluster: o.cluster,
    minAllocatable,
  });
}

/** A config for in-process tests: Mesos defaults, overridable. */
export function testConfig(overrides: Partial<MasterConfig> = {}): MasterConfig {
  return {
    allocationIntervalMs: 1000,
    offerTimeoutMs: undefined,
    agentPingTimeoutMs: 15_000,
    maxAgentPingTimeouts: 5,
    heartbeatIntervalMs: 5_000,
    rolesWhitelist: undefined,
    maxCompletedFrameworks: 50,
    maxCompletedTasksPerFramework: 1000,
    maxUnreachableTasksPerFramework: 1000,
    maxOperatorSubscribers: 1000,
    maxStreamBufferBytes: 256 * 1024 * 1024,
    cluster: undefined,
    minAllocatable: [],
    agentReregisterTimeoutMs: 600_000,
    recoveryAgentRemovalLimit: 1,
    agentRemovalRateLimit: undefined,
    registryMaxAgentAgeMs: 14 * 24 * 3600_000,
    registryMaxAgentCount: 100 * 1024,
    registryGcIntervalMs: 15 * 60_000,
    ...overrides,
  };
}
