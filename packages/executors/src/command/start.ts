/**
 * Starting a command executor from an environment: the same code runs as its own process
 * (`agora-command-executor`, process mode) and as an instance inside the executor host.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { Clock } from '@agora/runtime';
import { ExecutorDriver, formatEnvironmentError, parseExecutorEnvironment, processClock, type Environment, type Executor, type FetchLike } from '@agora/sdk';
import { CommandExecutor, DEFAULT_TERMINAL_ACK_TIMEOUT_MS, EXIT, type CommandExecutorDeps, type CommandExecutorExit } from './command-executor.ts';
import { cachedLookup, currentUser, getentLookup, type LookupUser, type Self } from './user.ts';

export interface CommandExecutorOptions {
  clock?: Clock;
  fetch?: FetchLike;
  /** Called with the PID of every task process spawned (the host reports them as TASK_PROCESS). */
  onTaskProcess?: (pid: number) => void;
  log?: (line: string) => void;
  terminalAckTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Who the executor runs as, and how users are looked up (tests). */
  self?: Self;
  lookupUser?: LookupUser;
}

export interface CommandExecutorHandle {
  readonly frameworkId: string;
  readonly executorId: string;
  /** Resolves once the executor has ended (its driver stopped, its task gone or SIGKILLed). */
  readonly done: Promise<CommandExecutorExit>;
  /** PIDs of its live task processes (each leads its own process group). */
  taskPids(): number[];
  /** As if the agent sent SHUTDOWN: kill the task with escalation, then end. */
  shutdown(): void;
  /** SIGKILL the task's process group and end now. */
  destroy(): void;
}

/** Shared by every instance of a host (command and default executors): one user-database lookup per user per minute. */
export const sharedLookup = cachedLookup(getentLookup);
let self: Self | undefined;
/** Who this process runs as (looked up once). */
export const executorSelf = (): Self => (self ??= currentUser());

/** What `startExecutor` needs of an executor instance (the command and default executors alike). */
interface ExecutorInstance {
  attach(driver: ExecutorDriver): Executor;
  graceExpired(): void;
  taskPids(): number[];
  shutdown(): void;
  destroy(): void;
}

/** An error value (naming the variable) if the environment is unusable; nothing is started then. */
export function startCommandExecutor(env: Environment, opts: CommandExecutorOptions = {}): Result<CommandExecutorHandle, string> {
  return startExecutor(env, opts, 'the sandbox the task runs in', (deps) => new CommandExecutor(deps));
}

/**
 * Starts an executor from its environment: checks the variables, builds the executor's deps
 * from them and `opts`, and drives it with an ExecutorDriver. `sandbox` says in the error what
 * MESOS_DIRECTORY is for this kind of executor.
 */
export function startExecutor(env: Environment, opts: CommandExecutorOptions, sandbox: string, create: (deps: CommandExecutorDeps) => ExecutorInstance): Result<CommandExecutorHandle, string> {
  const config = parseExecutorEnvironment(env);
  if (!config.ok) return err(formatEnvironmentError(config.error));
  const directory = env.MESOS_DIRECTORY || env.MESOS_SANDBOX;
  if (!directory) return err(`MESOS_DIRECTORY: expected to be set in the environment (${sandbox})`);
  const switchUser = env.AGORA_SWITCH_USER;
  if (switchUser !== undefined && switchUser !== '0' && switchUser !== '1') return err(`AGORA_SWITCH_USER: expected 0 or 1, got '${switchUser}'`);

  let resolveDone!: (exit: CommandExecutorExit) => void;
  const done = new Promise<CommandExecutorExit>((resolve) => (resolveDone = resolve));
  const clock = opts.clock;
  const executor = create({
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

/** Runs a command executor to its end; an unusable environment ends it at once with EXIT.BAD_ENVIRONMENT. */
export async function runCommandExecutor(env: Environment, opts: CommandExecutorOptions = {}): Promise<CommandExecutorExit> {
  const started = startCommandExecutor(env, opts);
  if (!started.ok) return { code: EXIT.BAD_ENVIRONMENT, destroyed: false, message: started.error };
  return started.value.done;
}
