/**
 * `agora-command-executor`: the command executor as its own process (process mode), the way the
 * agent runs Mesos's `mesos-executor`. Everything comes from the environment the agent sets.
 *
 * Exit codes: 0 ended normally, 1 unusable environment, 2 usage error, 3 gave up on the agent.
 * SIGTERM/SIGINT shut the task down as SHUTDOWN does (a second one SIGKILLs it); whatever way the
 * process ends, its task's process group is SIGKILLed rather than left behind.
 */
import { EXIT } from './command-executor.ts';
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

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return EXIT.OK;
  }
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} agora-command-executor[${process.pid}] ${line}\n`);
  // Mesos's agent passes flags to its executor; unknown ones are tolerated so agents can evolve.
  for (const arg of argv) {
    if (!arg.startsWith('--')) {
      process.stderr.write(`agora-command-executor: unexpected argument '${arg}' (see --help)\n`);
      return EXIT.USAGE;
    }
    log(`ignoring flag ${arg}`);
  }
  const started = startCommandExecutor(env, { log });
  if (!started.ok) {
    process.stderr.write(`agora-command-executor: ${started.error}\n`);
    return EXIT.BAD_ENVIRONMENT;
  }
  const handle = started.value;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    log(`received ${signal}`);
    if (signals++ === 0) handle.shutdown();
    else handle.destroy();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // A crash must not orphan the task: its process group dies with the executor.
  process.once('exit', () => {
    for (const pid of handle.taskPids()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  const exit = await handle.done;
  log(`exiting with ${exit.code}: ${exit.message}`);
  return exit.code;
}
