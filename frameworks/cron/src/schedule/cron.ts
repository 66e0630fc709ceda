/**
 * Cron schedules (Metronome's `cron` + `timezone`): the instants whose wall-clock time in the zone
 * matches the expression, with `resolveWall`'s DST rule — a matching wall time inside a
 * spring-forward gap fires once at the first instant after the gap, and a wall time repeated by
 * a fall-back overlap fires only the first time. Instants are whole minutes.
 *
 * Evaluation walks local days: on ordinary days one offset maps every wall time (a subtraction),
 * transition days use the transition instant. Counting whole days is arithmetic, so `scanCron`
 * over a year of `* * * * *` costs a year of days, not half a million minutes.
 */
import { err, ok, type Result } from '@agora/protocol';
import { dayMapping, daysInMonth, MAX_INSTANT, MS_PER_DAY, resolveOnDay, wallAt, type DayMapping } from '../time/wall.ts';
import { zoneByName, zoneOf, type Zone } from '../time/zone.ts';
import { dayMatches, parseCronFields, type CronFields } from './cron-fields.ts';

export interface CronSchedule {
  readonly kind: 'cron';
  /** The expression as given (macros kept). */
  readonly expression: string;
  /** IANA name or `UTC`; Metronome's default is UTC. */
  readonly zone: string;
}

export function parseCronSchedule(expression: string, timeZone = 'UTC'): Result<CronSchedule, string> {
  const fields = parseCronFields(expression);
  if (!fields.ok) return fields;
  const zone = zoneByName(timeZone === '' ? 'UTC' : timeZone);
  if (!zone.ok) return err(`timezone: ${zone.error}`);
  return ok({ kind: 'cron', expression: expression.trim(), zone: zone.value.name });
}

interface Compiled {
  readonly fields: CronFields;
  /** Minutes of the day (h × 60 + m) that match, ascending. */
  readonly minutesOfDay: readonly number[];
  readonly months: ReadonlySet<number>;
  readonly dom: ReadonlySet<number>;
  readonly dow: ReadonlySet<number>;
}

const compiled = new Map<string, Compiled>();

function compile(expression: string): Compiled {
  let c = compiled.get(expression);
  if (c) return c;
  const r = parseCronFields(expression);
  if (!r.ok) throw new Error(`cron schedule holds an invalid expression: ${r.error}`);
  const f = r.value;
  const minutesOfDay: number[] = [];
  for (const h of f.hours) for (const m of f.minutes) minutesOfDay.push(h * 60 + m);
  c = { fields: f, minutesOfDay, months: new Set(f.months), dom: new Set(f.daysOfMonth), dow: new Set(f.daysOfWeek) };
  if (compiled.size > 10_000) compiled.clear();
  compiled.set(expression, c);
  return c;
}

const MINUTE = 60_000;

/** A local calendar day, walked forward. */
interface Day {
  year: number;
  month: number;
  day: number;
}

function nextDay(d: Day): void {
  if (d.day < daysInMonth(d.year, d.month)) d.day++;
  else nextMonth(d);
}

function nextMonth(d: Day): void {
  d.day = 1;
  if (d.month < 12) d.month++;
  else {
    d.month = 1;
    d.year++;
  }
}

function weekday(startLocal: number): number {
  return (((Math.floor(startLocal / MS_PER_DAY) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/**
 * Calls `visit` with the matching days' mappings in order, starting from the local day on which
 * `after` falls minus one (an instant just after `after` can show an earlier date when the offset
 * drops), until `visit` returns false or year 9999 ends.
 */
function walkDays(c: Compiled, zone: Zone, after: number, visit: (m: DayMapping) => boolean): void {
  const w = wallAt(Math.max(after, 0) - MS_PER_DAY, zone);
  const d: Day = { year: w.year, month: w.month, day: w.day };
  while (d.year <= 9999) {
    if (!c.months.has(d.month)) {
      nextMonth(d);
      continue;
    }
    const m = dayMapping(d.year, d.month, d.day, zone);
    if (dayMatches(c.fields, d.day, weekday(m.startLocal), c.dom, c.dow) && !visit(m)) return;
    nextDay(d);
  }
}

/** The day's first and last instants (any matching wall time lies between). */
function dayBounds(m: DayMapping): [number, number] {
  return [resolveOnDay(m, m.startLocal), resolveOnDay(m, m.startLocal + MS_PER_DAY - MINUTE)];
}

/** Up to `limit` run instants in (after, until], ascending. */
export function cronRuns(s: CronSchedule, after: number, until: number, limit: number): number[] {
  const c = compile(s.expression);
  const zone = zoneOf(s.zone);
  const out: number[] = [];
  if (limit <= 0 || c.minutesOfDay.length === 0) return out;
  const end = Math.min(until, MAX_INSTANT);
  let last = after;
  walkDays(c, zone, after, (m) => {
    const [first, lastOfDay] = dayBounds(m);
    if (first > end) return false;
    if (lastOfDay <= last) return true;
    for (const mod of c.minutesOfDay) {
      const t = resolveOnDay(m, m.startLocal + mod * MINUTE);
      if (t <= last) continue; // before the window, or folded into the previous run by a gap
      if (t > end) return false;
      out.push(t);
      last = t;
      if (out.length >= limit) return false;
    }
    return true;
  });
  return out;
}

export interface RunScan {
  /** Runs in the window. */
  readonly count: number;
  readonly first: number | undefined;
  readonly last: number | undefined;
}

/** How many runs fall in (after, until], and the first and last of them. */
export function scanCron(s: CronSchedule, after: number, until: number): RunScan {
  const c = compile(s.expression);
  const zone = zoneOf(s.zone);
  const end = Math.min(until, MAX_INSTANT);
  let count = 0;
  let first: number | undefined;
  let last = after;
  if (end <= after || c.minutesOfDay.length === 0) return { count: 0, first: undefined, last: undefined };
  const mods = c.minutesOfDay;
  walkDays(c, zone, after, (m) => {
    const [dayFirst, dayLast] = dayBounds(m);
    if (dayFirst > end) return false;
    if (dayLast <= last) return true;
    const t0 = resolveOnDay(m, m.startLocal + mods[0]! * MINUTE);
    const tn = resolveOnDay(m, m.startLocal + mods[mods.length - 1]! * MINUTE);
    if (m.offset !== undefined && t0 > last && tn <= end) {
      // A whole ordinary day inside the window: every matching minute is a distinct run.
      count += mods.length;
      first ??= t0;
      last = tn;
      return true;
    }
    for (const mod of mods) {
      const t = resolveOnDay(m, m.startLocal + mod * MINUTE);
      if (t <= last) continue;
      if (t > end) return false;
      count++;
      first ??= t;
      last = t;
    }
    return true;
  });
  return { count, first, last: count > 0 ? last : undefined };
}
