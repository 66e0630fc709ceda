/** `agora tasks [--all]`: active tasks (and completed ones with --all). */
import { fail, printJson, type Context } from '../context.ts';
import { ago, bareState, mb, num } from '../format.ts';
import { shortId } from '../ids.ts';
import { allTasks, fetchMasterState, type MasterState } from '../master-state.ts';
import { renderTable } from '../table.ts';

export interface TasksOptions {
  json?: boolean;
  all?: boolean;
}

export function renderTasks(state: MasterState, all: boolean, ctx: Pick<Context, 'color' | 'now'>): string {
  const hostOf = new Map(state.slaves.map((a) => [a.id, a.hostname ?? shortId(a.id)]));
  const rows = allTasks(state, all).map(({ task: t, framework: f }) => {
    const started = t.statuses?.[0]?.timestamp;
    return [
      shortId(t.id),
      t.name ?? '-',
      bareState(t.state),
      f.name ?? shortId(f.id),
      t.slave_id ? (hostOf.get(t.slave_id) ?? shortId(t.slave_id)) : '-',
      num(t.resources?.cpus ?? 0),
      mb(t.resources?.mem ?? 0),
      ago(started, ctx.now()),
    ];
  });
  return renderTable(['ID', 'NAME', 'STATE', 'FRAMEWORK', 'AGENT', 'CPUS', 'MEM', 'AGE'], rows, ctx);
}

export async function tasksCommand(ctx: Context, opts: TasksOptions): Promise<number> {
  const state = await fetchMasterState(ctx.io.fetch, ctx.master);
  if (!state.ok) return fail(ctx.io, state.error.message);
  const all = opts.all === true;
  const tasks = allTasks(state.value, all);
  if (opts.json) printJson(ctx.io, tasks.map((r) => r.task));
  else if (tasks.length === 0) ctx.io.stdout.write(all ? 'No tasks.\n' : 'No active tasks (--all shows completed ones).\n');
  else ctx.io.stdout.write(renderTasks(state.value, all, ctx));
  return 0;
}
