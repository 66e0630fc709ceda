/**
 * Starting a default executor from an environment: the same code runs as its own process
 * (`agora-default-executor`) and as an instance inside the executor host (LAUNCH with
 * `kind: DEFAULT`). Options and handle are the command executor's, so the host treats both alike.
 */
import type { Result } from '@agora/protocol';
import type { Environment } from '@agora/sdk';
import { EXIT } from '../command/command-executor.ts';
import { startExecutor, type CommandExecutorHandle, type CommandExecutorOptions } from '../command/start.ts';
import { DefaultExecutor, type DefaultExecutorExit } from './default-executor.ts';

export type DefaultExecutorOptions = CommandExecutorOptions;
export type DefaultExecutorHandle = CommandExecutorHandle;

/** An error value (naming the variable) if the environment is unusable; nothing is started then. */
export function startDefaultExecutor(env: Environment, opts: DefaultExecutorOptions = {}): Result<DefaultExecutorHandle, string> {
  return startExecutor(env, opts, "the sandbox that holds the tasks' sandboxes", (deps) => new DefaultExecutor(deps));
}

/** Runs a default executor to its end; an unusable environment ends it at once with exit code 1. */
export async function runDefaultExecutor(env: Environment, opts: DefaultExecutorOptions = {}): Promise<DefaultExecutorExit> {
  const started = startDefaultExecutor(env, opts);
  if (!started.ok) return { code: EXIT.BAD_ENVIRONMENT, destroyed: false, message: started.error };
  return started.value.done;
}
