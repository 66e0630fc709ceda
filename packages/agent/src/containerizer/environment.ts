/**
 * The executor's environment, as Mesos's `executorEnvironment()` builds it (reference §2). The
 * variables of the executor's `CommandInfo.environment` come first; the MESOS_* variables and
 * AGORA_CONTAINER_ID are written last so a framework cannot override them. Process-launched
 * executors also inherit the agent's environment (added by the launcher, underneath all of this).
 */
import { err, ok, type Environment, type Result } from '@agora/protocol';

export interface ExecutorEnvSpec {
  frameworkId: string;
  executorId: string;
  containerId: string;
  agentId: string;
  directory: string;
  /** `ip:port` of the agent's executor API. */
  agentEndpoint: string;
  checkpoint: boolean;
  /** stout durations, e.g. `5secs`. */
  shutdownGracePeriod: string;
  recoveryTimeout: string;
  subscriptionBackoffMax: string;
  commandEnvironment?: Environment;
}

/** AGORA_CONTAINER_ID marks every process of a container, so a destroy can find strays. */
export const CONTAINER_ENV = 'AGORA_CONTAINER_ID';

export function executorEnvironment(s: ExecutorEnvSpec): Result<Record<string, string>, string> {
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const v of s.commandEnvironment?.variables ?? []) {
    if (v.type === 'SECRET') return err(`environment variable '${v.name}': secrets are not supported`);
    if (v.name === '' || v.name.includes('=') || v.name.includes('\0')) return err(`environment variable name '${v.name}' is not valid`);
    const value = v.value ?? '';
    if (value.includes('\0')) return err(`environment variable '${v.name}' contains a NUL byte`);
    env[v.name] = value;
  }
  Object.assign(env, {
    MESOS_FRAMEWORK_ID: s.frameworkId,
    MESOS_EXECUTOR_ID: s.executorId,
    MESOS_DIRECTORY: s.directory,
    MESOS_SANDBOX: s.directory,
    MESOS_AGENT_ENDPOINT: s.agentEndpoint,
    MESOS_SLAVE_ID: s.agentId,
    MESOS_SLAVE_PID: `slave(1)@${s.agentEndpoint}`,
    MESOS_CHECKPOINT: s.checkpoint ? '1' : '0',
    MESOS_HTTP_COMMAND_EXECUTOR: '1',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: s.shutdownGracePeriod,
    [CONTAINER_ENV]: s.containerId,
  });
  if (s.checkpoint) {
    env.MESOS_RECOVERY_TIMEOUT = s.recoveryTimeout;
    env.MESOS_SUBSCRIPTION_BACKOFF_MAX = s.subscriptionBackoffMax;
  }
  return ok(env);
}
