/**
 * `agora-default-executor`: the default executor as its own process, the way Mesos's agent runs
 * `mesos-default-executor` for task groups. Everything comes from the environment the agent sets.
 * Exit codes and signals as `agora-command-executor` (process-main.ts).
 */
import { runExecutorProcess } from '../command/process-main.ts';
import { startDefaultExecutor } from './start.ts';

export const USAGE = `Usage: agora-default-executor

Runs task groups (LAUNCH_GROUP) for an Agora (or Mesos) agent over the v1 executor API: each task
is its own process in <MESOS_DIRECTORY>/tasks/<task_id>/. Configured by the environment the agent sets:
  MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT (ip:port)   required
  MESOS_DIRECTORY (the executor's sandbox)                                 the tasks' sandboxes go under it
  MESOS_CHECKPOINT (0|1), MESOS_RECOVERY_TIMEOUT, MESOS_SUBSCRIPTION_BACKOFF_MAX,
  MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD (durations such as 5secs), MESOS_EXECUTOR_AUTHENTICATION_TOKEN
  AGORA_SWITCH_USER (0 to never switch users; default 1)

Exit codes: 0 ended normally, 1 unusable environment, 2 usage error, 3 gave up on the agent.
`;

export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runExecutorProcess('agora-default-executor', USAGE, startDefaultExecutor, argv, env);
}
