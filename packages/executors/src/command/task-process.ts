/**
 * The task as an OS process: spawned detached (`setsid`, so it leads its own session and process
 * group and every signal can go to the whole tree it forks), with stdin from /dev/null and
 * stdout/stderr appended to the sandbox files `stdout` and `stderr`, cwd = the sandbox.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import type { Argv } from './launch-plan.ts';
import type { RuncTarget } from './container-enter.ts';

export interface SpawnSpec {
  readonly argv: Argv;
  readonly env: Record<string, string>;
  readonly sandbox: string;
  readonly switchTo: { readonly uid: number; readonly gid: number } | undefined;
  /** The image container the task runs in (its COMMAND checks run inside it: container-enter.ts). */
  readonly container?: RuncTarget | undefined;
}

export interface TaskExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface TaskProcess {
  readonly pid: number;
  /** Resolves when the process (the group leader) exits. */
  readonly exited: Promise<TaskExit>;
}

/**
 * Signals the task's whole process group. Errors mean the group is gone (ESRCH), which is the
 * outcome wanted anyway, so they are ignored.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Opened synchronously: an append-mode open on the local sandbox takes microseconds, while the
 * promise API's round trip through the thread pool cost a host ~0.5 ms of CPU per task.
 */
function openSandboxFiles(sandbox: string): Result<[number, number], string> {
  let out: number | undefined;
  try {
    out = openSync(join(sandbox, 'stdout'), 'a');
    return ok([out, openSync(join(sandbox, 'stderr'), 'a')]);
  } catch (e) {
    if (out !== undefined) closeSync(out);
    return err(`Failed to open the sandbox's stdout/stderr: ${describe(e)}`);
  }
}

/** Spawns the task; an error value if it could not be started (no such file, no permission...). */
export async function spawnTask(spec: SpawnSpec): Promise<Result<TaskProcess, string>> {
  const files = openSandboxFiles(spec.sandbox);
  if (!files.ok) return files;
  const [out, errFile] = files.value;
  try {
    const child = spawn(spec.argv.file, spec.argv.args, {
      argv0: spec.argv.argv0,
      cwd: spec.sandbox,
      env: spec.env,
      detached: true,
      stdio: ['ignore', out, errFile],
      ...(spec.switchTo ? { uid: spec.switchTo.uid, gid: spec.switchTo.gid } : {}),
    });
    child.on('error', () => undefined); // reported through `started` below; later ones carry no news
    const exited = new Promise<TaskExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const started = await new Promise<Result<number, string>>((resolve) => {
      child.once('spawn', () => resolve(ok(child.pid!)));
      child.once('error', (e) => resolve(err(`Failed to launch the command: ${describe(e)}`)));
    });
    if (!started.ok) return started;
    return ok({ pid: started.value, exited });
  } catch (e) {
    // spawn() throws synchronously for invalid arguments (e.g. a NUL byte in a string).
    return err(`Failed to launch the command: ${describe(e)}`);
  } finally {
    closeSync(out);
    closeSync(errFile);
  }
}
