/**
 * `agora app deploy <file> | list | show <id> | scale <id> <n> | restart <id> | rm <id> |
 * versions <id> | rollback <id> [version]`: a client of the services daemon's Marathon API
 * (`--services`, $AGORA_SERVICES, default http://127.0.0.1:8080).
 *
 * Changing commands follow their deployment until it is gone and the app has converged
 * (every instance running, healthy where checked, on the app's version), printing progress as it
 * changes; they exit 1 when the API refuses the change (422 details are printed with their field
 * paths), when the deployment fails (it disappears with the app not converged), or on `--timeout`.
 */
import { readFileSync } from 'node:fs';
import { fail, printJson } from '../context.ts';
import type { CliIO } from '../io.ts';
import { renderTable } from '../table.ts';

export const DEFAULT_SERVICES = 'http://127.0.0.1:8080';

export interface AppContext {
  readonly io: CliIO;
  readonly services: string;
  readonly color: boolean;
  readonly json: boolean;
  /** Give up following a deployment after this long (ms). */
  readonly timeoutMs?: number;
  /** Return as soon as the change is accepted. */
  readonly noWait?: boolean;
}

export function resolveServices(io: CliIO, given: string | undefined): string {
  const text = given ?? io.env.AGORA_SERVICES ?? DEFAULT_SERVICES;
  return (/^https?:\/\//.test(text) ? text : `http://${text}`).replace(/\/+$/, '');
}

interface Reply {
  readonly status: number;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly headers: Headers;
}

async function request(ctx: AppContext, method: string, path: string, body?: unknown): Promise<Reply | string> {
  let res: Response;
  try {
    res = await ctx.io.fetch(`${ctx.services}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  } catch (e) {
    return `cannot reach the services daemon at ${ctx.services}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`;
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

/** Marathon's error body as lines: the message, then `path: error` per detail. */
export function describeError(r: Reply): string {
  const b = r.json as { message?: string; details?: unknown; deployments?: { id: string }[] } | undefined;
  const lines = [`${r.status}: ${b?.message ?? JSON.stringify(r.json)}`];
  if (Array.isArray(b?.details)) for (const d of b.details as { path: string; errors: string[] }[]) lines.push(`  ${d.path}: ${d.errors.join('; ')}`);
  else if (typeof b?.details === 'string') lines.push(`  ${b.details}`);
  if (b?.deployments) lines.push(`  deployments: ${b.deployments.map((d) => d.id).join(', ')} (use --force to override)`);
  return lines.join('\n');
}

const appPath = (id: string) => `/v2/apps/${id.replace(/^\/+/, '')}`;

/** Reads an app file: JSON, or YAML when the `yaml` package is installed. An array is several apps. */
export async function readAppFile(io: CliIO, file: string): Promise<unknown[] | string> {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    return `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`;
  }
  let value: unknown;
  if (/\.ya?ml$/i.test(file)) {
    try {
      const { parse } = await import('yaml');
      value = parse(text);
    } catch (e) {
      return `${file} is not valid YAML: ${e instanceof Error ? e.message : String(e)}`;
    }
  } else {
    try {
      value = JSON.parse(text);
    } catch (e) {
      return `${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  void io;
  return Array.isArray(value) ? value : [value];
}

interface AppView {
  id: string;
  instances: number;
  version: string;
  versionInfo?: { lastConfigChangeAt: string };
  tasksRunning: number;
  tasksHealthy: number;
  tasksStaged: number;
  healthChecks: unknown[];
  deployments: { id: string }[];
  tasks?: { version: string; state: string }[];
  cpus: number;
  mem: number;
}

function converged(a: AppView): boolean {
  const healthy = a.healthChecks.length > 0 ? a.tasksHealthy : a.tasksRunning;
  const tasks = a.tasks ?? [];
  // Tasks launched since the last configuration change are current (a scaling change keeps them).
  const since = a.versionInfo?.lastConfigChangeAt ?? a.version;
  return tasks.length === a.instances && healthy === a.instances && tasks.every((t) => t.version >= since);
}

/** Follows a deployment until it is gone; 0 when the apps converged, 1 otherwise. */
async function follow(ctx: AppContext, deploymentId: string, appIds: readonly string[]): Promise<number> {
  if (ctx.noWait) return 0;
  const started = Date.now();
  let last = '';
  for (;;) {
    const deps = await request(ctx, 'GET', '/v2/deployments');
    if (typeof deps === 'string') return fail(ctx.io, deps);
    const d = (deps.json as { id: string; currentStep: number; totalSteps: number }[]).find((x) => x.id === deploymentId);
    const views: (AppView | undefined)[] = [];
    for (const id of appIds) {
      const r = await request(ctx, 'GET', `${appPath(id)}?embed=app.tasks`);
      views.push(typeof r !== 'string' && r.status === 200 ? (r.json.app as AppView) : undefined);
    }
    const line = views
      .map((a, i) => (a ? `${a.id}: ${a.tasksRunning}/${a.instances} running, ${a.tasksHealthy} healthy, ${a.tasksStaged} staging` : `${appIds[i]}: removed`))
      .join('; ');
    const step = d ? ` (step ${d.currentStep}/${d.totalSteps})` : '';
    if (!ctx.json && line + step !== last) {
      ctx.io.stdout.write(`${line}${step}\n`);
      last = line + step;
    }
    if (!d) {
      const ok = views.every((a) => a === undefined || converged(a));
      if (ok) {
        if (!ctx.json) ctx.io.stdout.write(`deployment ${deploymentId} finished\n`);
        return 0;
      }
      return fail(ctx.io, `deployment ${deploymentId} ended without the app converging (failed or cancelled; see agora app show)`);
    }
    if (ctx.timeoutMs !== undefined && Date.now() - started > ctx.timeoutMs) return fail(ctx.io, `deployment ${deploymentId} still running after the timeout`);
    await ctx.io.sleep(500, ctx.io.interrupt);
    if (ctx.io.interrupt.aborted) return 130;
  }
}

async function change(ctx: AppContext, method: string, path: string, body: unknown, appIds: readonly string[]): Promise<number> {
  const r = await request(ctx, method, path, body);
  if (typeof r === 'string') return fail(ctx.io, r);
  if (r.status >= 300) return fail(ctx.io, describeError(r));
  const id = r.headers.get('marathon-deployment-id') ?? (r.json as { deploymentId?: string } | undefined)?.deploymentId;
  if (ctx.json) printJson(ctx.io, r.json);
  else ctx.io.stdout.write(`deployment ${id ?? '-'} started\n`);
  return id ? follow(ctx, id, appIds) : 0;
}

export async function appDeploy(ctx: AppContext, file: string, force: boolean): Promise<number> {
  const apps = await readAppFile(ctx.io, file);
  if (typeof apps === 'string') return fail(ctx.io, apps);
  let code = 0;
  for (const a of apps) {
    const id = (a as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id === '') return fail(ctx.io, `${file}: every app needs an "id"`);
    const abs = id.startsWith('/') ? id : `/${id}`;
    code = Math.max(code, await change(ctx, 'PUT', `${appPath(abs)}?partialUpdate=false${force ? '&force=true' : ''}`, a, [abs]));
  }
  return code;
}

export async function appList(ctx: AppContext): Promise<number> {
  const r = await request(ctx, 'GET', '/v2/apps');
  if (typeof r === 'string') return fail(ctx.io, r);
  if (r.status !== 200) return fail(ctx.io, describeError(r));
  const apps = (r.json as { apps: AppView[] }).apps;
  if (ctx.json) {
    printJson(ctx.io, apps);
    return 0;
  }
  if (apps.length === 0) {
    ctx.io.stdout.write('No apps.\n');
    return 0;
  }
  const rows = apps.map((a) => [a.id, `${a.tasksRunning}/${a.instances}`, a.healthChecks.length > 0 ? String(a.tasksHealthy) : '-', String(a.cpus), String(a.mem), a.deployments.length > 0 ? 'deploying' : 'stable', a.version]);
  ctx.io.stdout.write(renderTable(['ID', 'RUNNING', 'HEALTHY', 'CPUS', 'MEM', 'STATUS', 'VERSION'], rows, ctx));
  return 0;
}

export async function appShow(ctx: AppContext, id: string): Promise<number> {
  const r = await request(ctx, 'GET', `${appPath(id)}?embed=app.tasks&embed=app.lastTaskFailure`);
  if (typeof r === 'string') return fail(ctx.io, r);
  if (r.status !== 200) return fail(ctx.io, describeError(r));
  printJson(ctx.io, r.json.app);
  return 0;
}

export const appScale = (ctx: AppContext, id: string, n: number, force: boolean) => change(ctx, 'PUT', `${appPath(id)}${force ? '?force=true' : ''}`, { instances: n }, [id]);
export const appRestart = (ctx: AppContext, id: string, force: boolean) => change(ctx, 'POST', `${appPath(id)}/restart${force ? '?force=true' : ''}`, undefined, [id]);
export const appRemove = (ctx: AppContext, id: string) => change(ctx, 'DELETE', appPath(id), undefined, [id]);

export async function appVersions(ctx: AppContext, id: string): Promise<number> {
  const r = await request(ctx, 'GET', `${appPath(id)}/versions`);
  if (typeof r === 'string') return fail(ctx.io, r);
  if (r.status !== 200) return fail(ctx.io, describeError(r));
  const versions = (r.json as { versions: string[] }).versions;
  if (ctx.json) printJson(ctx.io, versions);
  else ctx.io.stdout.write(versions.map((v) => `${v}\n`).join(''));
  return 0;
}

/** Without a version: the one before the current. */
export async function appRollback(ctx: AppContext, id: string, version: string | undefined, force: boolean): Promise<number> {
  let to = version;
  if (to === undefined) {
    const r = await request(ctx, 'GET', `${appPath(id)}/versions`);
    if (typeof r === 'string') return fail(ctx.io, r);
    if (r.status !== 200) return fail(ctx.io, describeError(r));
    to = (r.json as { versions: string[] }).versions[1];
    if (to === undefined) return fail(ctx.io, `${id} has no earlier version`);
  }
  return change(ctx, 'PUT', `${appPath(id)}${force ? '?force=true' : ''}`, { version: to }, [id]);
}
