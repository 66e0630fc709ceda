/**
 * Chronos schedules: ISO 8601 repeating intervals `R[n]/[start]/<period>`.
 *
 *  - `R` repeats forever, `Rn` runs n more times, `R0` never runs (exhausted), `R1` runs once.
 *  - An empty start means "now" (the `now` given to the parser; Chronos used now − 1 s only to
 *    make that instant due at once — our due-time rule includes `now` itself).
 *  - `scheduleTimeZone` (an IANA name) re-reads the start's wall-clock fields in that zone and
 *    drops the written offset, so runs follow local time across DST; without it the start's own
 *    offset (or UTC) is a fixed zone.
 *  - Occurrence i is `anchor + i × period`, computed from the anchor every time (never by
 *    repeated addition), so month ends do not drift: Jan 31 + P1M gives Feb 29, Mar 31, Apr 30…
 *    Calendar units move the wall clock (then `resolveWall` applies the DST rule); hours,
 *    minutes and seconds are exact elapsed time added after that.
 *  - Starts before 1970 are rejected (as Chronos did); runs after year 9999 do not exist.
 *
 * The schedule is plain data. As runs happen Chronos rewrites the stored string (start moves to
 * the next occurrence, n decreases): here that is `next` advancing over the same anchor, and
 * `formatIso8601Schedule` prints the rewritten string clients expect.
 */
import { err, ok, type Result } from '@agora/protocol';
import { formatInstant } from '../time/format.ts';
import { parseIsoDateTime } from '../time/parse.ts';
import { addCalendar, MAX_INSTANT, resolveWall, wallAt, type Wall } from '../time/wall.ts';
import { zoneByName, zoneOf } from '../time/zone.ts';
import { approximateMs, calendarDays, exactMs, formatPeriod, hasCalendarPart, isZeroPeriod, parsePeriod, type Period } from './period.ts';

export interface Iso8601Schedule {
  readonly kind: 'iso8601';
  /** Wall-clock fields of occurrence 0 in `zone`: the fixed point all arithmetic starts from. */
  readonly anchor: Wall;
  /** `scheduleTimeZone` when given, else the start's own offset (`UTC`, `+01:00`). */
  readonly zone: string;
  readonly period: Period;
  /** Index of the first occurrence not yet consumed: 0 when parsed, advanced as runs happen. */
  readonly next: number;
  /** Occurrences left from `next` on; null repeats forever (`R`). */
  readonly remaining: number | null;
}

export interface Iso8601Options {
  /** Chronos `scheduleTimeZone`; empty or absent = none. */
  readonly timeZone?: string;
  /** Resolves an empty start. */
  readonly now: number;
}

const EXPRESSION = /^(R\d*)\/(.*)\/(P.*)$/s;
const EPOCH = 0;

export function parseIso8601Schedule(text: string, opts: Iso8601Options): Result<Iso8601Schedule, string> {
  const m = EXPRESSION.exec(text);
  if (!m) return err(`'${text}' is not an ISO 8601 repeating interval (expected R[n]/[start]/<period>, e.g. R/2024-01-01T00:00:00Z/PT1H)`);
  const [, rText, startText, periodText] = m as unknown as [string, string, string, string];
  let remaining: number | null = null;
  if (rText.length > 1) {
    remaining = Number(rText.slice(1));
    if (!Number.isSafeInteger(remaining)) return err(`repetition count '${rText}' is too large`);
  }
  const period = parsePeriod(periodText);
  if (!period.ok) return period;
  if (isZeroPeriod(period.value) && (remaining === null || remaining > 1)) {
    return err(`period '${periodText}' is zero: a repeating schedule needs a positive period`);
  }
  const tz = opts.timeZone?.trim() ?? '';
  let zoneName: string | undefined;
  if (tz !== '') {
    const z = zoneByName(tz);
    if (!z.ok) return err(`scheduleTimeZone: ${z.error}`);
    zoneName = z.value.name;
  }
  let anchor: Wall;
  if (startText === '') {
    zoneName ??= 'UTC';
    anchor = wallAt(opts.now, zoneOf(zoneName));
  } else {
    const start = parseIsoDateTime(startText);
    if (!start.ok) return err(`start: ${start.error}`);
    anchor = start.value.wall;
    zoneName ??= start.value.zoneName;
  }
  const schedule: Iso8601Schedule = { kind: 'iso8601', anchor, zone: zoneName, period: period.value, next: 0, remaining };
  const first = occurrenceAt(schedule, 0);
  if (first === undefined) return err(`start '${startText}' is after year 9999`);
  if (first < EPOCH) return err(`start '${startText}' is before 1970-01-01T00:00:00Z`);
  return ok(schedule);
}

/**
 * The instant of occurrence `i` (counted from the anchor), or undefined past year 9999.
 * Ignores `next` and `remaining`: callers bound `i`.
 */
export function occurrenceAt(s: Iso8601Schedule, i: number): number | undefined {
  const p = s.period;
  const zone = zoneOf(s.zone);
  let wall = s.anchor;
  if (hasCalendarPart(p)) {
    const years = i * p.years;
    const months = i * p.months;
    const days = i * calendarDays(p);
    if (s.anchor.year + years + months / 12 + days / 366 > 10_000) return undefined;
    wall = addCalendar(s.anchor, years, months, days);
  }
  const t = resolveWall(wall, zone) + i * exactMs(p);
  return Number.isFinite(t) && t <= MAX_INSTANT ? t : undefined;
}

const at = (s: Iso8601Schedule, i: number): number => occurrenceAt(s, i) ?? Number.POSITIVE_INFINITY;

/**
 * The smallest index ≥ `s.next` whose instant is after `t` (not bounded by `remaining`).
 * Occurrence instants never decrease with the index, so a guess from the average period length
 * corrected by stepping is exact.
 */
export function indexAfter(s: Iso8601Schedule, t0: number): number {
  const t = Math.min(t0, MAX_INSTANT); // beyond it nothing runs, so every index is "after"
  const base = at(s, s.next);
  if (base > t) return s.next;
  const p = s.period;
  if (isZeroPeriod(p)) return s.next + 1;
  const step = hasCalendarPart(p) ? approximateMs(p) : exactMs(p);
  const maxSteps = Math.ceil((MAX_INSTANT - base) / step) + 2;
  let i = s.next + Math.min(maxSteps, Math.max(0, Math.floor((t - base) / step)));
  while (i > s.next && at(s, i - 1) > t) i--;
  while (at(s, i) <= t) i++;
  return i;
}

/** One past the last index the schedule will ever run (Infinity for `R`). */
export function endIndex(s: Iso8601Schedule): number {
  return s.remaining === null ? Number.POSITIVE_INFINITY : s.next + s.remaining;
}

/** The schedule once every occurrence at or before `through` is consumed (run, missed or skipped). */
export function advanceIso8601(s: Iso8601Schedule, through: number): Iso8601Schedule {
  const end = endIndex(s);
  const next = Math.min(indexAfter(s, through), end);
  if (next <= s.next) return s;
  return { ...s, next, remaining: s.remaining === null ? null : end - next };
}

/**
 * The schedule string as Chronos shows it after rewriting: `R[n]/<next run>/<period>`, the start
 * printed in the schedule's zone (its offset at that instant).
 */
export function formatIso8601Schedule(s: Iso8601Schedule): string {
  const zone = zoneOf(s.zone);
  const start = occurrenceAt(s, s.next) ?? MAX_INSTANT;
  return `R${s.remaining === null ? '' : s.remaining}/${formatInstant(start, zone)}/${formatPeriod(s.period)}`;
}
