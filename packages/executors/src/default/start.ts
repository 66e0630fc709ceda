/**
 * Starting a default executor from an environment: the same code runs as its own process
 * (`agora-default-executor`) and as an instance inside the executor host (LAUNCH with
 * `kind: DEFAULT`). Options and handle are the command executor's, so the host treats both alike.
 */
import { err, ok, type Result } from '@agora/protocol';
import { ExecutorDriver, formatEnvironmentError, parseExecutorEnvironment, processClock, type Environment } from '@agora/sdk';
import { DEFAULT_TERMINAL_ACK_TIMEOUT_MS, EXIT } from '../command/command-executor.ts';
import { executorSelf, sharedLookup, type CommandExecutorHandle, type CommandExecutorOptions } from '../command/start.ts';
import { DefaultExecutor, type DefaultExecutorExit } from './default-executor.ts';

export type DefaultExecutorOptions = CommandExecutorOptions;
export type DefaultExecutorHandle = CommandExecutorHandle;

/** An error value (naming the variable) if the environment is unusable; nothing is started then. */
export function startDefaultExecutor(env: Environment, opts: DefaultExecutorOptions = {}): Result<DefaultExecutorHandle, string> {
  const config = parseExecutorEnvironment(env);
  if (!config.ok) return err(formatEnvironmentError(config.error));
  const directory = env.MESOS_DIRECTORY || env.MESOS_SANDBOX;
  if (!directory) return err('MESOS_DIRECTORY: expected to be set in the environment (the sandbox that holds the tasks\' sandboxes)');
  const switchUser = env.AGORA_SWITCH_USER;
  if (switchUser !== undefined && switchUser !== '0' && switchUser !== '1') return err(`AGORA_SWITCH_USER: expected 0 or 1, got '${switchUser}'`);

  let resolveDone!: (exit: DefaultExecutorExit) => void;
  const done = new Promise<DefaultExecutorExit>((resolve) => (resolveDone = resolve));
  const clock = opts.clock;
  const executor = new DefaultExecutor({
    directory,
    env,
    clock: clock ?? processClock,
    self: opts.self ?? executorSelf(),
    lookupUser: opts.lookupUser ?? sharedLookup,
    switchUser: switchUser !== '0',
    terminalAckTimeoutMs: opts.terminalAckTimeoutMs ?? DEFAULT_TERMINAL_ACK_TIMEOUT_MS,
    onTaskProcess: opts.onTaskProcess ?? (() => undefined),
    log: opts.log ?? (() => undefined),
    finished: (exit) => resolveDone(exit),
  });
  const driver = ExecutorDriver.create({
    env,
    executor: (d) => executor.attach(d),
    ...(clock ? { clock } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: opts.heartbeatIntervalMs } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    onShutdownGraceExpired: () => executor.graceExpired(),
  });
  if (!driver.ok) return err(formatEnvironmentError(driver.error));
  driver.value.start();
  return ok({
    frameworkId: driver.value.config.frameworkId,
    executorId: driver.value.config.executorId,
    done,
    taskPids: () => executor.taskPids(),
    shutdown: () => executor.shutdown(),
    destroy: () => executor.destroy(),
  });
}

/** Runs a default executor to its end; an unusable environment ends it at once with exit code 1. */
export async function runDefaultExecutor(env: Environment, opts: DefaultExecutorOptions = {}): Promise<DefaultExecutorExit> {
  const started = startDefaultExecutor(env, opts);
  if (!started.ok) return { code: EXIT.BAD_ENVIRONMENT, destroyed: false, message: started.error };
  return started.value.done;
}
