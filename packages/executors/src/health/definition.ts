/**
 * What to probe and when, decided once from a task's `HealthCheck` or `CheckInfo` (pure).
 *
 * Both messages become one `CheckDefinition` (Mesos converts a HealthCheck to a CheckInfo the
 * same way before running it): durations in milliseconds, a `timeoutMs` of 0 meaning "no timeout",
 * and a target that is a command, a URL on the loopback address, or a loopback TCP port.
 *
 *  - HTTP: `<scheme>://127.0.0.1:<port><path>` (`[::1]` for an IPv6 HealthCheck); the scheme is
 *    `http` unless a HealthCheck says `https` (CheckInfo.Http has no scheme). A missing path is "".
 *  - TCP: a connection to 127.0.0.1 (or ::1) on `port`.
 *  - COMMAND: the CommandInfo as given; `user` and `uris` are ignored, as Mesos ignores them.
 *
 * A definition that cannot be run (no type, a missing sub-message, a negative duration) is an
 * error value; the master rejects such tasks at launch, so an executor only logs it.
 */
import { err, ok, type CheckInfo, type CheckStatusInfo, type CheckType, type CommandInfo, type HealthCheck, type Result } from '@agora/protocol';

export type CheckTarget =
  | { readonly type: 'COMMAND'; readonly command: CommandInfo }
  | { readonly type: 'HTTP'; readonly url: string }
  | { readonly type: 'TCP'; readonly host: string; readonly port: number };

export interface CheckDefinition {
  readonly target: CheckTarget;
  readonly delayMs: number;
  readonly intervalMs: number;
  /** 0: the probe may run forever (Mesos treats a zero timeout as infinite). */
  readonly timeoutMs: number;
}

export interface HealthDefinition extends CheckDefinition {
  readonly consecutiveFailures: number;
  readonly gracePeriodMs: number;
}

export const IPV4_LOOPBACK = '127.0.0.1';
export const IPV6_LOOPBACK = '::1';

function durationMs(seconds: number, name: string): Result<number, string> {
  if (!Number.isFinite(seconds) || seconds < 0) return err(`Expecting '${name}' to be non-negative`);
  return ok(seconds * 1000);
}

function timing(c: { delay_seconds: number; interval_seconds: number; timeout_seconds: number }): Result<Omit<CheckDefinition, 'target'>, string> {
  const delay = durationMs(c.delay_seconds, 'delay_seconds');
  if (!delay.ok) return delay;
  const interval = durationMs(c.interval_seconds, 'interval_seconds');
  if (!interval.ok) return interval;
  const timeout = durationMs(c.timeout_seconds, 'timeout_seconds');
  if (!timeout.ok) return timeout;
  return ok({ delayMs: delay.value, intervalMs: interval.value, timeoutMs: timeout.value });
}

const hostFor = (protocol: string | undefined): string => (protocol === 'IPv6' ? IPV6_LOOPBACK : IPV4_LOOPBACK);
const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

function httpUrl(scheme: string, host: string, port: number, path: string | undefined): string {
  return `${scheme}://${urlHost(host)}:${port}${path ?? ''}`;
}

export function healthDefinition(hc: HealthCheck): Result<HealthDefinition, string> {
  const t = timing(hc);
  if (!t.ok) return t;
  const grace = durationMs(hc.grace_period_seconds, 'grace_period_seconds');
  if (!grace.ok) return grace;
  let target: CheckTarget;
  switch (hc.type) {
    case 'COMMAND':
      if (!hc.command) return err("Expecting 'command' to be set for COMMAND health check");
      target = { type: 'COMMAND', command: hc.command };
      break;
    case 'HTTP': {
      if (!hc.http) return err("Expecting 'http' to be set for HTTP health check");
      const scheme = hc.http.scheme ?? 'http';
      if (scheme !== 'http' && scheme !== 'https') return err(`Unsupported HTTP health check scheme: '${scheme}'`);
      target = { type: 'HTTP', url: httpUrl(scheme, hostFor(hc.http.protocol), hc.http.port, hc.http.path) };
      break;
    }
    case 'TCP':
      if (!hc.tcp) return err("Expecting 'tcp' to be set for TCP health check");
      target = { type: 'TCP', host: hostFor(hc.tcp.protocol), port: hc.tcp.port };
      break;
    default:
      return err("HealthCheck must specify 'type'");
  }
  return ok({ ...t.value, target, consecutiveFailures: hc.consecutive_failures, gracePeriodMs: grace.value });
}

export function checkDefinition(check: CheckInfo): Result<CheckDefinition, string> {
  const t = timing(check);
  if (!t.ok) return t;
  let target: CheckTarget;
  switch (check.type) {
    case 'COMMAND':
      if (!check.command) return err("Expecting 'command' to be set for COMMAND check");
      target = { type: 'COMMAND', command: check.command.command };
      break;
    case 'HTTP':
      if (!check.http) return err("Expecting 'http' to be set for HTTP check");
      target = { type: 'HTTP', url: httpUrl('http', IPV4_LOOPBACK, check.http.port, check.http.path) };
      break;
    case 'TCP':
      if (!check.tcp) return err("Expecting 'tcp' to be set for TCP check");
      target = { type: 'TCP', host: IPV4_LOOPBACK, port: check.tcp.port };
      break;
    default:
      return err("CheckInfo must specify 'type'");
  }
  return ok({ ...t.value, target });
}

/**
 * The check status of a check with no result (not run yet, timed out, could not run): the type
 * and an empty sub-message. Mesos's built-in executors put this on every fresh status update of a
 * task that has a check, so a reader can tell "checked, no result" from "not checked".
 */
export function emptyCheckStatus(type: CheckType | undefined): CheckStatusInfo | undefined {
  switch (type) {
    case 'COMMAND':
      return { type, command: {} };
    case 'HTTP':
      return { type, http: {} };
    case 'TCP':
      return { type, tcp: {} };
    default:
      return undefined;
  }
}
