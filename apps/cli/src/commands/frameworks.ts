/** `agora frameworks [--all]`: frameworks subscribed to the master (and completed ones). */
import { fail, printJson, type Context } from '../context.ts';
import { ago, mb, num } from '../format.ts';
import { shortId } from '../ids.ts';
import { fetchMasterState, type MasterState, type StateFramework } from '../master-state.ts';
import { renderTable } from '../table.ts';

export interface FrameworksOptions {
  json?: boolean;
  all?: boolean;
}

function status(f: StateFramework, completed: boolean): string {
  if (completed) return 'completed';
  if (f.connected === false) return 'disconnected';
  return f.active === false ? 'inactive' : 'active';
}

export function selectFrameworks(state: MasterState, all: boolean): { framework: StateFramework; completed: boolean }[] {
  const out = state.frameworks.map((framework) => ({ framework, completed: false }));
  if (all) out.push(...state.completed_frameworks.map((framework) => ({ framework, completed: true })));
  return out;
}

export function renderFrameworks(state: MasterState, all: boolean, ctx: Pick<Context, 'color' | 'now'>): string {
  const rows = selectFrameworks(state, all).map(({ framework: f, completed }) => [
    shortId(f.id),
    f.name ?? '-',
    (f.roles ?? (f.role !== undefined ? [f.role] : ['*'])).join(',') || '-',
    status(f, completed),
    String((f.tasks?.length ?? 0) + (f.unreachable_tasks?.length ?? 0)),
    num(f.used_resources?.cpus ?? 0),
    mb(f.used_resources?.mem ?? 0),
    ago(f.registered_time, ctx.now()),
  ]);
  return renderTable(['ID', 'NAME', 'ROLES', 'STATUS', 'TASKS', 'CPUS', 'MEM', 'REGISTERED'], rows, ctx);
}

export async function frameworksCommand(ctx: Context, opts: FrameworksOptions): Promise<number> {
  const state = await fetchMasterState(ctx.io.fetch, ctx.master);
  if (!state.ok) return fail(ctx.io, state.error.message);
  const all = opts.all === true;
  if (opts.json) printJson(ctx.io, selectFrameworks(state.value, all).map((x) => x.framework));
  else if (selectFrameworks(state.value, all).length === 0) ctx.io.stdout.write(all ? 'No frameworks.\n' : 'No active frameworks (--all shows completed ones).\n');
  else ctx.io.stdout.write(renderFrameworks(state.value, all, ctx));
  return 0;
}
