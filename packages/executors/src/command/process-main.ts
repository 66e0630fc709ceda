/**
 * The body of an executor run as its own process (`agora-command-executor`,
 * `agora-default-executor`): everything comes from the environment the agent sets.
 *
 * Exit codes: 0 ended normally, 1 unusable environment, 2 usage error, 3 gave up on the agent.
 * SIGTERM/SIGINT shut the tasks down as SHUTDOWN does (a second one SIGKILLs them); whatever way
 * the process ends, its tasks' process groups are SIGKILLed rather than left behind.
 */
import type { Result } from '@agora/protocol';
import { EXIT } from './command-executor.ts';
import type { CommandExecutorHandle, CommandExecutorOptions } from './start.ts';

export type StartExecutor = (env: NodeJS.ProcessEnv, opts: CommandExecutorOptions) => Result<CommandExecutorHandle, string>;

export async function runExecutorProcess(name: string, usage: string, start: StartExecutor, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return EXIT.OK;
  }
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${name}[${process.pid}] ${line}\n`);
  // Mesos's agent passes flags to its executor; unknown ones are tolerated so agents can evolve.
  for (const arg of argv) {
    if (!arg.startsWith('--')) {
      process.stderr.write(`${name}: unexpected argument '${arg}' (see --help)\n`);
      return EXIT.USAGE;
    }
    log(`ignoring flag ${arg}`);
  }
  const started = start(env, { log });
  if (!started.ok) {
    process.stderr.write(`${name}: ${started.error}\n`);
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
  // A crash must not orphan the tasks: their process groups die with the executor.
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
