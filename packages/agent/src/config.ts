/**
 * Flags → a validated configuration, compiled once. Every error names the flag it is about.
 * Nothing here touches the disk except resolving default paths; directories are created and
 * resources detected when the agent starts (agent.ts).
 */
import { hostname as osHostname, networkInterfaces, tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { err, internal, ok, parseDurationMs, type Attribute, type Flag, type Result } from '@agora/protocol';
import type { Resources } from '@agora/resources';
import type { LogLevel, Options } from '@agora/runtime';
import { parseAttributes } from './attributes.ts';
import { compileIsolation, type IsolationConfig } from './isolators/registry.ts';
import { parseBytes } from './fetcher/bytes.ts';
import type { AgentFlags } from './flags.ts';
import { parseMasterAddress, type MasterAddress } from './master/master-address.ts';
import { parseResourcesFlag } from './resource-detection.ts';

export type AgentOptions = Options<AgentFlags>;

/** The longest path a Unix socket may have (sun_path is 108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

export interface AgentConfig {
  master: MasterAddress;
  bindIp: string;
  /** Requested port; 0 means "any" (the bound port is known after listening). */
  port: number;
  advertiseIp: string;
  hostname: string;
  workDir: string;
  runtimeDir: string;
  /** `--resources` as validated; merged over detection at start. */
  resourcesFlag: Resources | undefined;
  attributes: Attribute[];
  defaultRole: string;
  launcherDir: string;
  commandExecutor: 'host' | 'process';
  defaultExecutor: 'host' | 'process';
  executorRegistrationTimeoutMs: number;
  executorShutdownGracePeriodMs: number;
  executorReregistrationTimeout: string;
  executorReregistrationTimeoutMs: number;
  recoveryTimeout: string;
  recover: 'reconnect' | 'cleanup';
  strict: boolean;
  executorHeartbeatIntervalMs: number;
  gcDelayMs: number;
  gcDiskHeadroom: number;
  diskWatchIntervalMs: number;
  registrationBackoffFactorMs: number;
  statusUpdateRetryMinMs: number;
  statusUpdateRetryMaxMs: number;
  maxCompletedExecutorsPerFramework: number;
  switchUser: boolean;
  /** --isolation and the isolators' flags (isolators/registry.ts). */
  isolation: IsolationConfig;
  /** The fetcher (fetcher/): cache, limits and plug-in modules. */
  fetcher: { cacheSize: number; cacheDir: string; stallTimeoutMs: number; maxSize: number; pluginModules: string[] };
  logLevel: LogLevel;
  /** The effective flags, as GET_FLAGS and `/flags` report them. */
  flags: Flag[];
}

/** packages/executors/bin, found relative to this package. */
export const DEFAULT_LAUNCHER_DIR = fileURLToPath(new URL('../../executors/bin', import.meta.url));

function duration(flag: string, text: string, opts: { min?: number } = {}): Result<number, string> {
  const r = parseDurationMs(text);
  if (!r.ok) return err(`--${flag}: ${r.error}`);
  if (opts.min !== undefined && r.value < opts.min) return err(`--${flag}: must be at least ${opts.min}ms, got '${text}'`);
  return ok(r.value);
}

function fetcherConfig(o: AgentOptions, workDir: string): Result<AgentConfig['fetcher'], string> {
  const bytes = (flag: string, text: string, min: number): Result<number, string> => {
    const r = parseBytes(text);
    if (!r.ok) return err(`--${flag}: ${r.error}`);
    return r.value < min ? err(`--${flag}: must be at least ${min} bytes, got '${text}'`) : r;
  };
  const cacheSize = bytes('fetcher-cache-size', o.fetcherCacheSize, 0);
  if (!cacheSize.ok) return cacheSize;
  const maxSize = bytes('fetcher-max-size', o.fetcherMaxSize, 1);
  if (!maxSize.ok) return maxSize;
  const stall = duration('fetcher-stall-timeout', o.fetcherStallTimeout, { min: 1 });
  if (!stall.ok) return stall;
  return ok({
    cacheSize: cacheSize.value,
    cacheDir: resolve(o.fetcherCacheDir ?? join(workDir, 'fetch')),
    stallTimeoutMs: stall.value,
    maxSize: maxSize.value,
    pluginModules: o.fetcherPlugins.filter((m) => m.trim() !== ''),
  });
}

function firstExternalIPv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.');

export function compileConfig(o: AgentOptions): Result<AgentConfig, string> {
  if (o.master === undefined || o.master.trim() === '') return err('--master is required (host:port of the master)');
  const master = parseMasterAddress(o.master);
  if (!master.ok) return err(`--master: ${master.error}`);

  if (isIP(o.ip) === 0) return err(`--ip: '${o.ip}' is not an IP address`);
  const advertiseIp = o.advertiseIp ?? (o.ip === '0.0.0.0' || o.ip === '::' ? firstExternalIPv4() : o.ip);
  if (isIP(advertiseIp) === 0) return err(`--advertise-ip: '${advertiseIp}' is not an IP address`);
  const hostname = o.hostname ?? (isLoopback(advertiseIp) ? advertiseIp : osHostname());
  if (hostname.trim() === '' || /[\s/]/.test(hostname)) return err(`--hostname: '${hostname}' is not a valid hostname`);

  const workDir = resolve(o.workDir ?? join(tmpdir(), 'agora', `agent-${o.port}`));
  const runtimeDir = resolve(o.runtimeDir ?? join(workDir, 'run'));
  const socket = join(runtimeDir, internal.EXECUTOR_HOST_SOCKET);
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    return err(`--runtime-dir: the executor host socket '${socket}' would exceed ${MAX_SOCKET_PATH} bytes; choose a shorter directory`);
  }

  let resourcesFlag: Resources | undefined;
  if (o.resources !== undefined && o.resources.trim() !== '') {
    const r = parseResourcesFlag(o.resources, o.defaultRole);
    if (!r.ok) return err(`--resources: ${r.error}`);
    resourcesFlag = r.value;
  }
  const attributes = parseAttributes(o.attributes ?? '');
  if (!attributes.ok) return err(`--attributes: ${attributes.error}`);

  const durations: Array<[string, string, number?]> = [
    ['executor-registration-timeout', o.executorRegistrationTimeout, 1],
    ['executor-shutdown-grace-period', o.executorShutdownGracePeriod],
    ['executor-reregistration-timeout', o.executorReregistrationTimeout],
    ['recovery-timeout', o.recoveryTimeout],
    ['executor-heartbeat-interval', o.executorHeartbeatInterval, 1],
    ['gc-delay', o.gcDelay],
    ['disk-watch-interval', o.diskWatchInterval, 1],
    ['registration-backoff-factor', o.registrationBackoffFactor],
    ['status-update-retry-min', o.statusUpdateRetryMin, 1],
    ['status-update-retry-max', o.statusUpdateRetryMax, 1],
  ];
  const ms: Record<string, number> = {};
  for (const [flag, text, min] of durations) {
    const d = duration(flag, text, min === undefined ? {} : { min });
    if (!d.ok) return d;
    ms[flag] = d.value;
  }
  // Mesos's MAX_EXECUTOR_REREGISTRATION_TIMEOUT.
  if (ms['executor-reregistration-timeout']! > 15_000) return err(`--executor-reregistration-timeout: must be at most 15secs, got '${o.executorReregistrationTimeout}'`);
  if (ms['status-update-retry-max']! < ms['status-update-retry-min']!) {
    return err('--status-update-retry-max: must not be below --status-update-retry-min');
  }

  const fetcher = fetcherConfig(o, workDir);
  if (!fetcher.ok) return fetcher;

  const isolation = compileIsolation(o, workDir);
  if (!isolation.ok) return isolation;

  const flags: Flag[] = Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ({ name: k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value: String(v) }))
    .sort((a, b) => a.name.localeCompare(b.name));

  return ok({
    master: master.value,
    bindIp: o.ip,
    port: o.port,
    advertiseIp,
    hostname,
    workDir,
    runtimeDir,
    resourcesFlag,
    attributes: attributes.value,
    defaultRole: o.defaultRole,
    launcherDir: resolve(o.launcherDir ?? DEFAULT_LAUNCHER_DIR),
    commandExecutor: o.commandExecutor === 'process' ? 'process' : 'host',
    defaultExecutor: o.defaultExecutor === 'process' ? 'process' : 'host',
    executorRegistrationTimeoutMs: ms['executor-registration-timeout']!,
    executorShutdownGracePeriodMs: ms['executor-shutdown-grace-period']!,
    executorReregistrationTimeout: o.executorReregistrationTimeout,
    executorReregistrationTimeoutMs: ms['executor-reregistration-timeout']!,
    recoveryTimeout: o.recoveryTimeout,
    recover: o.recover === 'cleanup' ? 'cleanup' : 'reconnect',
    strict: o.strict,
    executorHeartbeatIntervalMs: ms['executor-heartbeat-interval']!,
    gcDelayMs: ms['gc-delay']!,
    gcDiskHeadroom: o.gcDiskHeadroom,
    diskWatchIntervalMs: ms['disk-watch-interval']!,
    registrationBackoffFactorMs: ms['registration-backoff-factor']!,
    statusUpdateRetryMinMs: ms['status-update-retry-min']!,
    statusUpdateRetryMaxMs: ms['status-update-retry-max']!,
    maxCompletedExecutorsPerFramework: o.maxCompletedExecutorsPerFramework,
    switchUser: o.switchUser,
    isolation: isolation.value,
    fetcher: fetcher.value,
    logLevel: o.logLevel as LogLevel,
    flags,
  });
}
