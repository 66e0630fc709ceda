/**
 * `agora maintenance`: the master's maintenance schedule and machine modes, through the v1
 * operator API (GET_MAINTENANCE_SCHEDULE/STATUS, UPDATE_MAINTENANCE_SCHEDULE, START/STOP_MAINTENANCE).
 *
 *   agora maintenance schedule            print the schedule
 *   agora maintenance schedule FILE.json  replace it (a maintenance.Schedule: {"windows": [...]}; `{}` cancels)
 *   agora maintenance status              DRAINING machines with the frameworks' answers, DOWN machines
 *   agora maintenance down HOST           START_MAINTENANCE for the scheduled machine named HOST (hostname or IP)
 *   agora maintenance up HOST             STOP_MAINTENANCE for the DOWN machine named HOST
 *
 * A machine is `{hostname, ip}` and the master matches both, so `down`/`up` look the machine up
 * by either field and send it whole.
 */
import { readFileSync } from 'node:fs';
import { fail, printJson, type Context } from '../context.ts';
import { describeFetchError } from '@agora/sdk';
import { renderTable } from '../table.ts';

export interface MachineId {
  hostname?: string;
  ip?: string;
}
interface Window {
  machine_ids?: MachineId[];
  unavailability?: { start?: { nanoseconds?: number }; duration?: { nanoseconds?: number } };
}
export interface Schedule {
  windows?: Window[];
}
export interface ClusterStatus {
  draining_machines?: Array<{ id: MachineId; statuses?: Array<{ status: string; framework_id: { value: string }; timestamp?: { nanoseconds?: number } }> }>;
  down_machines?: MachineId[];
}

export interface MaintenanceOptions {
  json?: boolean;
}

type Answer = { ok: true; body: unknown } | { ok: false; message: string };

/** One v1 operator call; non-2xx answers become the master's message. */
async function operatorCall(ctx: Context, body: unknown): Promise<Answer> {
  let res: Response;
  try {
    res = await ctx.io.fetch(`${ctx.master}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (e) {
    return { ok: false, message: `cannot reach ${ctx.master}: ${describeFetchError(e)}` };
  }
  const text = await res.text();
  if (res.status < 200 || res.status > 299) return { ok: false, message: `the master answered ${res.status}: ${text.trim() || res.statusText}` };
  if (text === '') return { ok: true, body: undefined };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, message: 'the master did not answer JSON' };
  }
}

const machineName = (id: MachineId): string => [id.hostname, id.ip].filter((x) => x !== undefined && x !== '').join(' / ') || '-';

function time(ns: number | undefined): string {
  return ns === undefined ? '-' : new Date(ns / 1e6).toISOString().replace('.000Z', 'Z');
}

function duration(ns: number | undefined): string {
  if (ns === undefined) return 'open-ended';
  const s = ns / 1e9;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

export function renderSchedule(schedule: Schedule, status: ClusterStatus, ctx: Pick<Context, 'color'>): string {
  const down = new Set((status.down_machines ?? []).map((m) => `${m.hostname ?? ''}\u0000${m.ip ?? ''}`));
  const rows = (schedule.windows ?? []).flatMap((w, i) =>
    (w.machine_ids ?? []).map((m) => [
      String(i + 1), machineName(m), down.has(`${m.hostname ?? ''}\u0000${m.ip ?? ''}`) ? 'DOWN' : 'DRAINING',
      time(w.unavailability?.start?.nanoseconds), duration(w.unavailability?.duration?.nanoseconds),
    ]),
  );
  return renderTable(['WINDOW', 'MACHINE', 'MODE', 'START', 'DURATION'], rows, ctx);
}

export function renderStatus(status: ClusterStatus, ctx: Pick<Context, 'color'>): string {
  const rows: string[][] = [];
  for (const d of status.draining_machines ?? []) {
    const answers = (d.statuses ?? []).map((s) => `${s.framework_id.value}: ${s.status}`).join(', ');
    rows.push([machineName(d.id), 'DRAINING', answers || '-']);
  }
  for (const m of status.down_machines ?? []) rows.push([machineName(m), 'DOWN', '-']);
  return renderTable(['MACHINE', 'MODE', 'INVERSE OFFER ANSWERS'], rows, ctx);
}

async function getSchedule(ctx: Context): Promise<Schedule | string> {
  const r = await operatorCall(ctx, { type: 'GET_MAINTENANCE_SCHEDULE' });
  return r.ok ? ((r.body as { get_maintenance_schedule?: { schedule?: Schedule } }).get_maintenance_schedule?.schedule ?? {}) : r.message;
}

async function getStatus(ctx: Context): Promise<ClusterStatus | string> {
  const r = await operatorCall(ctx, { type: 'GET_MAINTENANCE_STATUS' });
  return r.ok ? ((r.body as { get_maintenance_status?: { status?: ClusterStatus } }).get_maintenance_status?.status ?? {}) : r.message;
}

export async function maintenanceSchedule(ctx: Context, file: string | undefined, opts: MaintenanceOptions): Promise<number> {
  if (file !== undefined) {
    let schedule: unknown;
    try {
      schedule = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      return fail(ctx.io, `${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const r = await operatorCall(ctx, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule } });
    if (!r.ok) return fail(ctx.io, r.message);
    if (!opts.json) ctx.io.stdout.write('Maintenance schedule updated.\n');
  }
  const schedule = await getSchedule(ctx);
  if (typeof schedule === 'string') return fail(ctx.io, schedule);
  if (opts.json) {
    printJson(ctx.io, schedule);
    return 0;
  }
  const status = await getStatus(ctx);
  if (typeof status === 'string') return fail(ctx.io, status);
  if (!schedule.windows?.length) ctx.io.stdout.write('No maintenance scheduled.\n');
  else ctx.io.stdout.write(renderSchedule(schedule, status, ctx));
  return 0;
}

export async function maintenanceStatus(ctx: Context, opts: MaintenanceOptions): Promise<number> {
  const status = await getStatus(ctx);
  if (typeof status === 'string') return fail(ctx.io, status);
  if (opts.json) printJson(ctx.io, status);
  else if (!status.draining_machines?.length && !status.down_machines?.length) ctx.io.stdout.write('No machines in maintenance (all UP).\n');
  else ctx.io.stdout.write(renderStatus(status, ctx));
  return 0;
}

/** The machines among `candidates` that HOST names (hostname, case-insensitive, or IP). */
export function machinesNamed(host: string, candidates: readonly MachineId[]): MachineId[] {
  const h = host.toLowerCase();
  return candidates.filter((m) => (m.hostname ?? '').toLowerCase() === h || m.ip === host);
}

export async function maintenanceDownUp(ctx: Context, direction: 'down' | 'up', host: string, opts: MaintenanceOptions): Promise<number> {
  let candidates: MachineId[];
  if (direction === 'down') {
    const schedule = await getSchedule(ctx);
    if (typeof schedule === 'string') return fail(ctx.io, schedule);
    candidates = (schedule.windows ?? []).flatMap((w) => w.machine_ids ?? []);
  } else {
    const status = await getStatus(ctx);
    if (typeof status === 'string') return fail(ctx.io, status);
    candidates = status.down_machines ?? [];
  }
  const named = machinesNamed(host, candidates);
  if (named.length === 0) {
    return fail(ctx.io, direction === 'down'
      ? `${host} is not in the maintenance schedule; schedule it first (agora maintenance schedule FILE.json)`
      : `${host} is not DOWN (see agora maintenance status)`);
  }
  if (named.length > 1) return fail(ctx.io, `${host} names ${named.length} machines (${named.map(machineName).join('; ')}); use the other field to pick one`);
  const call = direction === 'down'
    ? { type: 'START_MAINTENANCE', start_maintenance: { machines: named } }
    : { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: named } };
  const r = await operatorCall(ctx, call);
  if (!r.ok) return fail(ctx.io, r.message);
  if (opts.json) printJson(ctx.io, { machine: named[0], mode: direction === 'down' ? 'DOWN' : 'UP' });
  else ctx.io.stdout.write(`${machineName(named[0]!)} is ${direction === 'down' ? 'DOWN: its agents were shut down' : 'UP: its agents may register again'}.\n`);
  return 0;
}

/** `agora maintenance SUB [ARG]` (registered in main.ts). */
export function maintenanceCommand(ctx: Context, sub: string, arg: string | undefined, opts: MaintenanceOptions): Promise<number> {
  if (sub === 'schedule') return maintenanceSchedule(ctx, arg, opts);
  if (sub === 'status') return maintenanceStatus(ctx, opts);
  return maintenanceDownUp(ctx, sub === 'down' ? 'down' : 'up', arg!, opts);
}
