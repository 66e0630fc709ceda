/**
 * Each task of a group gets its own sandbox inside the executor's: `<executor sandbox>/tasks/<task_id>/`
 * with its own `stdout` and `stderr` (Mesos's default executor links `tasks/<task_id>` to the
 * nested container's sandbox; without nested containers the directory itself is the sandbox).
 *
 * The directory may exist already: the agent fetches a task's URIs into it before the group is
 * delivered. When the task runs as another user, the directory and its output files become that
 * user's, so the task can write where it runs.
 */
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, idProblem, ok, type Result } from '@agora/protocol';

export const TASKS_DIR = 'tasks';

/** `<executor sandbox>/tasks/<task_id>`; an error value for a task ID unsafe as a path component. */
export function taskSandboxPath(executorSandbox: string, taskId: string): Result<string, string> {
  const problem = idProblem(taskId);
  if (problem !== undefined) return err(`Task ID '${taskId.slice(0, 64)}' ${problem}`);
  return ok(join(executorSandbox, TASKS_DIR, taskId));
}

/**
 * Creates the directory with empty `stdout`/`stderr` (existing content is kept). Synchronous: a
 * few microseconds on a local disk, cheaper than a thread-pool round trip per file.
 */
export function createTaskSandbox(dir: string, owner: { uid: number; gid: number } | undefined): Result<void, string> {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const files = ['stdout', 'stderr'].map((f) => join(dir, f));
    for (const f of files) writeFileSync(f, '', { flag: 'a' });
    if (owner !== undefined) for (const p of [dir, ...files]) chownSync(p, owner.uid, owner.gid);
    return ok(undefined);
  } catch (e) {
    return err(`Failed to create the task's sandbox ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
