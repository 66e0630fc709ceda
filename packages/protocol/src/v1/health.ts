/**
 * Health checks (may kill the task), general checks (never kill) and check results, from
 * mesos.proto. The `*_seconds` defaults are Mesos's and are emitted when unset.
 */
import { bool, double, enumeration, int32, message, optional, repeated, required, string, uint32, withDefault, type Infer } from '../codec/schema.ts';
import { CommandInfo } from './command.ts';
import { NetworkProtocol } from './network.ts';

export const CheckType = enumeration('CheckInfo.Type', { UNKNOWN: 0, COMMAND: 1, HTTP: 2, TCP: 3 });
export type CheckType = Infer<typeof CheckType>;

export const HealthCheckType = enumeration('HealthCheck.Type', { UNKNOWN: 0, COMMAND: 1, HTTP: 2, TCP: 3 });
export type HealthCheckType = Infer<typeof HealthCheckType>;

/** GET scheme://<task host>:port/path; the built-in executors count 200–399 as healthy. */
export const HealthCheckHTTP = message('HealthCheck.HTTPCheckInfo', {
  protocol: withDefault(NetworkProtocol, 'IPv4'),
  scheme: optional(string),
  port: required(uint32),
  path: optional(string),
  statuses: repeated(uint32),
});
export type HealthCheckHTTP = Infer<typeof HealthCheckHTTP>;

export const HealthCheckTCP = message('HealthCheck.TCPCheckInfo', {
  protocol: withDefault(NetworkProtocol, 'IPv4'),
  port: required(uint32),
});
export type HealthCheckTCP = Infer<typeof HealthCheckTCP>;

/**
 * A health check. After `consecutive_failures` failed checks (outside the grace period) the
 * executor kills the task. A zero `timeout_seconds` means no timeout.
 */
export const HealthCheck = message('HealthCheck', {
  delay_seconds: withDefault(double(), 15),
  interval_seconds: withDefault(double(), 10),
  timeout_seconds: withDefault(double(), 20),
  consecutive_failures: withDefault(uint32, 3),
  grace_period_seconds: withDefault(double(), 10),
  type: optional(HealthCheckType),
  command: optional(CommandInfo),
  http: optional(HealthCheckHTTP),
  tcp: optional(HealthCheckTCP),
});
export type HealthCheck = Infer<typeof HealthCheck>;

/** A check whose result is only reported (TaskStatus.check_status), never acted on. */
export const CheckInfo = message('CheckInfo', {
  type: optional(CheckType),
  command: optional(message('CheckInfo.Command', { command: required(CommandInfo) })),
  http: optional(message('CheckInfo.Http', { port: required(uint32), path: optional(string) })),
  tcp: optional(message('CheckInfo.Tcp', { port: required(uint32) })),
  delay_seconds: withDefault(double(), 15),
  interval_seconds: withDefault(double(), 10),
  timeout_seconds: withDefault(double(), 20),
});
export type CheckInfo = Infer<typeof CheckInfo>;

/** The latest check result. An empty sub-message (no exit code) means the result is not known yet. */
export const CheckStatusInfo = message('CheckStatusInfo', {
  type: optional(CheckType),
  command: optional(message('CheckStatusInfo.Command', { exit_code: optional(int32) })),
  http: optional(message('CheckStatusInfo.Http', { status_code: optional(uint32) })),
  tcp: optional(message('CheckStatusInfo.Tcp', { succeeded: optional(bool) })),
});
export type CheckStatusInfo = Infer<typeof CheckStatusInfo>;
