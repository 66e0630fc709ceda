/**
 * `agora-command-executor`: the command executor as its own process (process mode), the way the
 * agent runs Mesos's `mesos-executor`. Everything comes from the environment the agent sets.
 *
 * Exit codes: 0 ended normally, 1 unusable environment, 2 usage error, 3 gave up on the agent.
 * SIGTERM/SIGINT shut the task down as SHUTDOWN does (a second one SIGKILLs it); whatever way the
 * process ends, its task's process group is SIGKILLed rather than left behind.
 */
import { runExecutorProcess } from './process-main.ts';
import { startCommandExecutor } from './start.ts';

export const USAGE = `Usage: agora-command-executor

Runs one command task for an Agora (or Mesos) agent over the v1 executor API. Configured by the
environment the agent sets:
  MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT (ip:port)   required
  MESOS_DIRECTORY (the sandbox), MESOS_SANDBOX                            the task's cwd and stdout/stderr files
  MESOS_CHECKPOINT (0|1), MESOS_RECOVERY_TIMEOUT, MESOS_SUBSCRIPTION_BACKOFF_MAX,
  MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD (durations such as 5secs), MESOS_EXECUTOR_AUTHENTICATION_TOKEN
  AGORA_SWITCH_USER (0 to never switch users; default 1)

Exit codes: 0 ended normally, 1 unusable environment, 2 usage error, 3 gave up on the agent.
`;

export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runExecutorProcess('agora-command-executor', USAGE, startCommandExecutor, argv, env);
}
