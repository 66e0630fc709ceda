/**
 * Marathon's app defaults (v1.10, `docs/docs/rest-api/public/api/v2/types/*.raml` and
 * `state/*.scala`). Field names and numbers are what clients depend on.
 *
 * Notes on the ones that changed over Marathon's life:
 * - `maxLaunchDelaySeconds` is 300 since Marathon 1.8 (DC/OS 1.13); 1.4-era RAML said 3600.
 * - `unreachableStrategy` is `{inactiveAfterSeconds: 0, expungeAfterSeconds: 0}` since 1.5.1
 *   (MARATHON-7576); older docs and RAML say 300/600.
 */
import type { HealthCheck, HealthProtocol, ReadinessCheck, UnreachableEnabled, UpgradeStrategy } from './types.ts';

export const DEFAULTS = {
  cpus: 1,
  mem: 128,
  disk: 0,
  gpus: 0,
  instances: 1,
  executor: '',
  requirePorts: false,
  backoffSeconds: 1,
  backoffFactor: 1.15,
  maxLaunchDelaySeconds: 300,
  killSelection: 'YOUNGEST_FIRST',
  role: '*',
  minCpus: 0.001,
} as const;

export const DEFAULT_UPGRADE_STRATEGY: UpgradeStrategy = { minimumHealthCapacity: 1, maximumOverCapacity: 1 };

export const DEFAULT_UNREACHABLE: UnreachableEnabled = { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 };

/** `--local_port_min` / `--local_port_max`: where dynamic service ports come from. */
export const SERVICE_PORT_RANGE = { min: 10000, max: 20000 } as const;

/** Marathon health check defaults (AppHealthCheck in healthCheck.raml). */
export const HEALTH_DEFAULTS = {
  protocol: 'HTTP' as HealthProtocol,
  path: '/',
  gracePeriodSeconds: 300,
  intervalSeconds: 60,
  timeoutSeconds: 20,
  maxConsecutiveFailures: 3,
  delaySeconds: 15,
  ignoreHttp1xx: false,
  ipProtocol: 'IPv4',
} satisfies Partial<HealthCheck>;

/** Readiness check defaults (readinessCheck.raml). */
export const READINESS_DEFAULTS: ReadinessCheck = {
  name: 'readinessCheck',
  protocol: 'HTTP',
  path: '/',
  portName: 'http-api',
  intervalSeconds: 30,
  timeoutSeconds: 10,
  httpStatusCodesForReady: [200],
  preserveLastResponse: false,
};

/** Mesos check defaults for `check` (check.raml). */
export const CHECK_DEFAULTS = { intervalSeconds: 60, timeoutSeconds: 20, delaySeconds: 15 } as const;

/** Fetch artifact defaults (artifact.raml). */
export const FETCH_DEFAULTS = { extract: true, executable: false, cache: false } as const;

/** Legacy `uris` are extracted when they look like archives (Marathon's `isExtract`). */
export function looksLikeArchive(uri: string): boolean {
  return ['.tgz', '.tar.gz', '.tbz2', '.tar.bz2', '.txz', '.tar.xz', '.zip'].some((s) => uri.endsWith(s));
}
