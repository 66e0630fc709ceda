/**
 * The executor's configuration, read from the environment the agent gives every executor
 * (Mesos `executorEnvironment()`; see docs/executor-http-api.md). It is read from an explicit
 * object rather than `process.env`, because the executor host runs many executors in one process.
 *
 * Required: MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT. Everything else has the
 * agent's default when absent; a variable that is present but invalid is always an error naming it.
 */
import { err, ok, parseDurationMs, type Result } from '@agora/protocol';

/** Defaults are the Mesos agent's: executor_shutdown_grace_period, recovery_timeout, executor_reregistration_timeout. */
export const DEFAULT_SHUTDOWN_GRACE_PERIOD_MS = 5_000;
export const DEFAULT_RECOVERY_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS = 2_000;

export interface ExecutorConfig {
  readonly frameworkId: string;
  readonly executorId: string;
  /** `http://<MESOS_AGENT_ENDPOINT>/api/v1/executor`. */
  readonly agentUrl: string;
  /** MESOS_AGENT_ENDPOINT as given (`ip:port`). */
  readonly agentEndpoint: string;
  /** The sandbox on the host (MESOS_DIRECTORY); undefined when the agent did not say. */
  readonly directory: string | undefined;
  /** The sandbox as the task sees it (MESOS_SANDBOX, else MESOS_DIRECTORY). */
  readonly sandbox: string | undefined;
  /** MESOS_CHECKPOINT=1: the framework checkpoints, so a broken stream is survivable. */
  readonly checkpoint: boolean;
  readonly recoveryTimeoutMs: number;
  readonly subscriptionBackoffMaxMs: number;
  readonly shutdownGracePeriodMs: number;
  /** MESOS_EXECUTOR_AUTHENTICATION_TOKEN, sent as `Authorization: Bearer <token>`. */
  readonly authenticationToken: string | undefined;
  /**
   * MESOS_DOMAIN_SOCKET: the agent serves the executor API on this Unix socket (its
   * `--http_executor_domain_sockets`); calls go there instead of to MESOS_AGENT_ENDPOINT.
   */
  readonly domainSocket: string | undefined;
  /** MESOS_SLAVE_ID / MESOS_AGENT_ID when given (informational). */
  readonly agentId: string | undefined;
}

export interface EnvironmentError {
  /** The variable at fault, e.g. `MESOS_EXECUTOR_ID`. */
  readonly variable: string;
  readonly message: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

const problem = (variable: string, message: string): { ok: false; error: EnvironmentError } => err({ variable, message });

/** A printable form: `MESOS_EXECUTOR_ID: expected ...`. */
export const formatEnvironmentError = (e: EnvironmentError): string => `${e.variable}: ${e.message}`;

function requiredVar(env: Environment, name: string): Result<string, EnvironmentError> {
  const v = env[name];
  if (v === undefined) return problem(name, 'expected to be set in the environment');
  if (v.trim() === '') return problem(name, 'must not be empty');
  return ok(v);
}

function durationVar(env: Environment, name: string, fallbackMs: number): Result<number, EnvironmentError> {
  const v = env[name];
  if (v === undefined || v === '') return ok(fallbackMs);
  const d = parseDurationMs(v);
  return d.ok ? d : problem(name, d.error);
}

/**
 * `ip:port`, `host:port` or `[v6]:port`; an `http(s)://` URL is also accepted. The port is required,
 * as the agent always sends it.
 */
function agentUrlOf(endpoint: string): Result<string, EnvironmentError> {
  const base = /^https?:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return problem('MESOS_AGENT_ENDPOINT', `'${endpoint}' is not an address (expected ip:port)`);
  }
  if (url.port === '' || url.hostname === '') return problem('MESOS_AGENT_ENDPOINT', `'${endpoint}' has no port (expected ip:port)`);
  const path = url.pathname.replace(/\/+$/, '');
  return ok(`${url.protocol}//${url.host}${path}/api/v1/executor`);
}

export function parseExecutorEnvironment(env: Environment): Result<ExecutorConfig, EnvironmentError> {
  const frameworkId = requiredVar(env, 'MESOS_FRAMEWORK_ID');
  if (!frameworkId.ok) return frameworkId;
  const executorId = requiredVar(env, 'MESOS_EXECUTOR_ID');
  if (!executorId.ok) return executorId;
  const endpoint = requiredVar(env, 'MESOS_AGENT_ENDPOINT');
  if (!endpoint.ok) return endpoint;
  const agentUrl = agentUrlOf(endpoint.value.trim());
  if (!agentUrl.ok) return agentUrl;

  const cp = env.MESOS_CHECKPOINT;
  if (cp !== undefined && cp !== '' && cp !== '0' && cp !== '1') return problem('MESOS_CHECKPOINT', `expected 0 or 1, got '${cp}'`);
  const recovery = durationVar(env, 'MESOS_RECOVERY_TIMEOUT', DEFAULT_RECOVERY_TIMEOUT_MS);
  if (!recovery.ok) return recovery;
  const backoff = durationVar(env, 'MESOS_SUBSCRIPTION_BACKOFF_MAX', DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS);
  if (!backoff.ok) return backoff;
  const grace = durationVar(env, 'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD', DEFAULT_SHUTDOWN_GRACE_PERIOD_MS);
  if (!grace.ok) return grace;

  const directory = env.MESOS_DIRECTORY || undefined;
  return ok({
    frameworkId: frameworkId.value,
    executorId: executorId.value,
    agentUrl: agentUrl.value,
    agentEndpoint: endpoint.value.trim(),
    directory,
    sandbox: env.MESOS_SANDBOX || directory,
    checkpoint: cp === '1',
    recoveryTimeoutMs: recovery.value,
    subscriptionBackoffMaxMs: backoff.value,
    shutdownGracePeriodMs: grace.value,
    authenticationToken: env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN || undefined,
    domainSocket: env.MESOS_DOMAIN_SOCKET || undefined,
    agentId: env.MESOS_AGENT_ID || env.MESOS_SLAVE_ID || undefined,
  });
}
