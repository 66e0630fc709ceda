/**
 * `agora job add <file> | list | show <name> | run <name> [args…] | rm <name> | kill <name> |
 * history <name>`: a client of the cron daemon's Chronos API (`--cron`, $AGORA_CRON, default
 * http://127.0.0.1:4400). A job file holds one job or an array of them: Chronos documents (with
 * `schedule`, or `parents` for dependent jobs) or Metronome JobSpecs (`id` and `run`).
 */
import { readFileSync } from 'node:fs';
import { fail, printJson } from '../context.ts';
import type { CliIO } from '../io.ts';
import { renderTable } from '../table.ts';

export const DEFAULT_CRON = 'http://127.0.0.1:4400';

export interface JobContext {
  readonly io: CliIO;
  /** Base URL of the cron API. */
  readonly cron: string;
  readonly color: boolean;
  readonly json: boolean;
}

export function resolveCron(io: CliIO, given: string | undefined): string {
  const text = given ?? io.env.AGORA_CRON ?? DEFAULT_CRON;
  return (/^https?:\/\//.test(text) ? text : `http://${text}`).replace(/\/+$/, '');
}

interface Reply {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
}

async function request(ctx: JobContext, method: string, path: string, body?: unknown): Promise<Reply | string> {
  let res: Response;
  try {
    res = await ctx.io.fetch(`${ctx.cron}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  } catch (e) {
    return `cannot reach the cron daemon at ${ctx.cron}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`;
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

function problem(r: Reply): string {
  const m = r.json as { message?: string; details?: { path: string; errors: string[] }[] } | undefined;
  if (m?.details?.length) return m.details.map((d) => `${d.path}: ${d.errors.join(', ')}`).join('; ');
  return m?.message ?? (r.text || `HTTP ${r.status}`);
}

async function call(ctx: JobContext, method: string, path: string, body?: unknown): Promise<Reply | number> {
  const r = await request(ctx, method, path, body);
  if (typeof r === 'string') return fail(ctx.io, r);
  if (r.status >= 400) return fail(ctx.io, problem(r));
  return r;
}

const enc = encodeURIComponent;

export async function jobAdd(ctx: JobContext, file: string): Promise<number> {
  let docs: unknown;
  try {
    docs = JSON.parse(file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8'));
  } catch (e) {
    return fail(ctx.io, `${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const d = (doc ?? {}) as Record<string, unknown>;
    if (typeof d.id === 'string' && typeof d.run === 'object') {
      const exists = await request(ctx, 'GET', `/v1/jobs/${enc(d.id)}`);
      const r = await call(ctx, typeof exists !== 'string' && exists.status === 200 ? 'PUT' : 'POST', typeof exists !== 'string' && exists.status === 200 ? `/v1/jobs/${enc(d.id)}` : '/v1/jobs', d);
      if (typeof r === 'number') return r;
      if (!ctx.json) ctx.io.stdout.write(`job ${d.id} saved\n`);
      continue;
    }
    const kind = Array.isArray(d.parents) ? 'dependency' : 'iso8601';
    const r = await call(ctx, 'POST', `/v1/scheduler/${kind}`, d);
    if (typeof r === 'number') return r;
    if (!ctx.json) ctx.io.stdout.write(`job ${String(d.name)} saved\n`);
  }
  return 0;
}

type ChronosJob = Record<string, unknown> & { name: string; schedule?: string; parents?: string[]; successCount: number; errorCount: number; lastSuccess: string; lastError: string; disabled: boolean };

export async function jobList(ctx: JobContext): Promise<number> {
  const r = await call(ctx, 'GET', '/v1/scheduler/jobs');
  if (typeof r === 'number') return r;
  const summary = await call(ctx, 'GET', '/v1/scheduler/jobs/summary');
  if (typeof summary === 'number') return summary;
  const jobs = r.json as ChronosJob[];
  if (ctx.json) {
    printJson(ctx.io, jobs);
    return 0;
  }
  const status = new Map((summary.json as { jobs: { name: string; status: string; state: string }[] }).jobs.map((j) => [j.name, j]));
  const rows = jobs.map((j) => [
    j.name,
    j.schedule ?? `after ${(j.parents ?? []).join(', ')}`,
    j.disabled ? 'disabled' : (status.get(j.name)?.status ?? '-'),
    status.get(j.name)?.state ?? '-',
    String(j.successCount),
    String(j.errorCount),
    j.lastSuccess || '-',
  ]);
  ctx.io.stdout.write(renderTable(['NAME', 'SCHEDULE', 'STATUS', 'LAST', 'OK', 'ERRORS', 'LAST SUCCESS'], rows, { color: ctx.color }));
  return 0;
}

export async function jobShow(ctx: JobContext, name: string): Promise<number> {
  const r = await call(ctx, 'GET', `/v1/scheduler/job/${enc(name)}`);
  if (typeof r === 'number') return r;
  printJson(ctx.io, r.json);
  return 0;
}

export async function jobRun(ctx: JobContext, name: string, args: readonly string[]): Promise<number> {
  const q = args.length > 0 ? `?arguments=${args.map(enc).join(',')}` : '';
  const r = await call(ctx, 'PUT', `/v1/scheduler/job/${enc(name)}${q}`);
  if (typeof r === 'number') return r;
  if (!ctx.json) ctx.io.stdout.write(`job ${name} started\n`);
  return 0;
}

export async function jobRemove(ctx: JobContext, name: string): Promise<number> {
  const r = await call(ctx, 'DELETE', `/v1/scheduler/job/${enc(name)}`);
  if (typeof r === 'number') return r;
  if (!ctx.json) ctx.io.stdout.write(`job ${name} deleted\n`);
  return 0;
}

export async function jobKill(ctx: JobContext, name: string): Promise<number> {
  const r = await call(ctx, 'DELETE', `/v1/scheduler/task/kill/${enc(name)}`);
  if (typeof r === 'number') return r;
  if (!ctx.json) ctx.io.stdout.write(`tasks of job ${name} killed\n`);
  return 0;
}

interface RunView { taskId: string; scheduled: string; attempt: number; status: string; started?: string; ended?: string; durationMs?: number; exitCode?: number; sandbox?: string; message?: string }

export async function jobHistory(ctx: JobContext, name: string): Promise<number> {
  const r = await call(ctx, 'GET', `/v1/scheduler/job/${enc(name)}/history`);
  if (typeof r === 'number') return r;
  const h = r.json as { active: RunView[]; history: RunView[] };
  if (ctx.json) {
    printJson(ctx.io, h);
    return 0;
  }
  const rows = [...h.active, ...h.history].map((x) => [
    x.scheduled, String(x.attempt), x.status, x.started ?? '-', x.durationMs === undefined ? '-' : `${(x.durationMs / 1000).toFixed(1)}s`,
    x.exitCode === undefined ? '-' : String(x.exitCode), x.sandbox ?? x.message ?? '-',
  ]);
  ctx.io.stdout.write(renderTable(['SCHEDULED', 'ATTEMPT', 'STATUS', 'STARTED', 'DURATION', 'EXIT', 'SANDBOX / NOTE'], rows, { color: ctx.color }));
  return 0;
}
