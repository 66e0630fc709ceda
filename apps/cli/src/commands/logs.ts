/**
 * `agora logs <task> [-f] [--stderr] [--tail N]`: a task's stdout (or stderr) from its sandbox.
 * master `/master/state` → the task's agent → agent `/state` → the executor's `directory` →
 * `/files/read`. With `-f` it keeps polling for new output until interrupted.
 */
import { fail, type Context } from '../context.ts';
import { resolveId } from '../ids.ts';
import { agentUrl, allTasks, fetchMasterState } from '../master-state.ts';
import { readFileChunk, sandboxDirectory, streamFile, tailOffset } from '../sandbox.ts';

export interface LogsOptions {
  follow?: boolean;
  stderr?: boolean;
  tail?: number;
  /** Poll interval while following (ms). */
  pollMs?: number;
}

export async function logsCommand(ctx: Context, taskInput: string, opts: LogsOptions): Promise<number> {
  const { io } = ctx;
  const state = await fetchMasterState(io.fetch, ctx.master);
  if (!state.ok) return fail(io, state.error.message);
  const tasks = allTasks(state.value, true);
  const id = resolveId(taskInput, tasks.map((t) => t.task.id), 'task');
  if (!id.ok) return fail(io, id.error);
  const ref = tasks.find((t) => t.task.id === id.value)!;
  const agent = state.value.slaves.find((a) => a.id === ref.task.slave_id);
  const url = agent ? agentUrl(agent) : undefined;
  if (url === undefined) return fail(io, `task ${id.value} ran on agent ${ref.task.slave_id ?? '(unknown)'}, which the master no longer knows`);
  const sandbox = { agentUrl: url, frameworkId: ref.framework.id, executorId: ref.task.executor_id || ref.task.id, taskId: ref.task.id };
  const dir = await sandboxDirectory(io, sandbox);
  if (!dir.ok) return fail(io, dir.error.message);
  const file = opts.stderr ? 'stderr' : 'stdout';
  // A task of a task group (or of a custom executor that nests it) writes into
  // `<executor sandbox>/tasks/<task id>/`; a command task writes into its executor's sandbox.
  let path = `${dir.value}/${file}`;
  if (sandbox.executorId !== sandbox.taskId) {
    const nested = `${dir.value}/tasks/${sandbox.taskId}/${file}`;
    if ((await readFileChunk(io, url, nested, -1)).ok) path = nested;
  }
  let from = 0;
  if (opts.tail !== undefined) {
    const t = await tailOffset(io, url, path, opts.tail);
    if (!t.ok) return fail(io, t.error.message);
    from = t.value;
  }
  const done = await streamFile(io, url, path, (data) => io.stdout.write(data), {
    from,
    follow: opts.follow === true,
    signal: io.interrupt,
    pollMs: opts.pollMs ?? 500,
  });
  return done.ok ? 0 : fail(io, done.error.message);
}
