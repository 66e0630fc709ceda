/**
 * The agent's task launcher (ADR 0004): when the agent isolates a container, it gives the executor
 * `AGORA_TASK_LAUNCHER`, a JSON argv prefix (the agent's `agora-isolate` wrapper and its options).
 * Every task process is then started through it: the wrapper places itself in the container's
 * cgroups, enters the namespaces asked for, switches to the task's user, and only then execs the
 * task's command — so nothing the task runs is ever outside its container.
 *
 * The user switch moves into the wrapper (`--uid`/`--gid`) because a process that has already
 * dropped root cannot join cgroups or create namespaces.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { Argv } from './launch-plan.ts';

export const TASK_LAUNCHER_ENV = 'AGORA_TASK_LAUNCHER';

export interface Wrapped {
  readonly argv: Argv;
  /** The user the spawn itself switches to (undefined when the wrapper does it). */
  readonly switchTo: { readonly uid: number; readonly gid: number } | undefined;
}

/** Parses the variable's value: a non-empty JSON array of strings, or an error naming it. */
export function parseTaskLauncher(value: string | undefined): Result<string[] | undefined, string> {
  if (value === undefined || value === '') return ok(undefined);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return err(`${TASK_LAUNCHER_ENV} is not JSON`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === 'string')) {
    return err(`${TASK_LAUNCHER_ENV} must be a non-empty JSON array of strings`);
  }
  return ok(parsed as string[]);
}

/** `launcher… [--uid=U --gid=G] -- file args…` (the command's argv0 is not kept through the wrapper; file '' passes no command). */
export function wrapArgv(launcher: readonly string[], argv: Argv, switchTo: Wrapped['switchTo']): Wrapped {
  const [file, ...rest] = launcher as [string, ...string[]];
  const user = switchTo ? [`--uid=${switchTo.uid}`, `--gid=${switchTo.gid}`] : [];
  const command = argv.file === '' ? [] : [argv.file, ...argv.args]; // '' : the container's own default command
  return { argv: { file, argv0: file, args: [...rest, ...user, '--', ...command] }, switchTo: undefined };
}
