/** `agora agents`: the agents registered with the master. */
import { fail, printJson, type Context } from '../context.ts';
import { ago, mb, usage } from '../format.ts';
import { shortId } from '../ids.ts';
import { agentUrl, fetchMasterState, type MasterState } from '../master-state.ts';
import { renderTable } from '../table.ts';

export interface AgentsOptions {
  json?: boolean;
}

export function renderAgents(state: MasterState, ctx: Pick<Context, 'color' | 'now'>): string {
  const taskCount = new Map<string, number>();
  for (const f of state.frameworks) for (const t of f.tasks ?? []) if (t.slave_id) taskCount.set(t.slave_id, (taskCount.get(t.slave_id) ?? 0) + 1);
  const rows = state.slaves.map((a) => [
    shortId(a.id),
    a.hostname ?? '-',
    agentUrl(a)?.replace(/^http:\/\//, '') ?? '-',
    a.active === false || a.deactivated ? 'no' : 'yes',
    String(taskCount.get(a.id) ?? 0),
    usage(a.used_resources, a.resources, 'cpus'),
    usage(a.used_resources, a.resources, 'mem', mb),
    usage(a.used_resources, a.resources, 'disk', mb),
    ago(a.registered_time, ctx.now()),
  ]);
  return renderTable(['ID', 'HOSTNAME', 'ADDRESS', 'ACTIVE', 'TASKS', 'CPUS', 'MEM', 'DISK', 'REGISTERED'], rows, ctx);
}

export async function agentsCommand(ctx: Context, opts: AgentsOptions): Promise<number> {
  const state = await fetchMasterState(ctx.io.fetch, ctx.master);
  if (!state.ok) return fail(ctx.io, state.error.message);
  if (opts.json) printJson(ctx.io, state.value.slaves);
  else if (state.value.slaves.length === 0) ctx.io.stdout.write('No agents registered.\n');
  else ctx.io.stdout.write(renderAgents(state.value, ctx));
  return 0;
}
