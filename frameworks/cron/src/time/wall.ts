/**
 * Wall-clock time ("local date and time in a zone") and the one rule that turns it back into an
 * instant. Every schedule in this package goes through `resolveWall`, so ISO 8601 and cron
 * schedules behave the same around daylight-saving changes:
 *
 *  - **Gap** (spring forward: 02:30 does not exist on that day in New York): the run happens at
 *    the first instant after the gap, i.e. the transition itself (03:00 EDT). Several wall times
 *    inside one gap therefore land on the same instant, and the schedules fire once there.
 *  - **Overlap** (fall back: 01:30 happens twice): the wall time means its *first* occurrence
 *    (01:30 EDT); the repeated hour does not fire again.
 *
 * Pure functions over numbers; the zone supplies offsets.
 */
import type { Zone } from './zone.ts';

/** Local date and time fields. `month` is 1–12. */
export interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

export const MS_PER_DAY = 86_400_000;
const MINUTE = 60_000;

/** The last instant schedules consider (9999-12-31T23:59:59.999Z): later runs do not exist. */
export const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The wall fields read as if they were UTC ("local milliseconds"), for arithmetic. */
export function wallToLocalMs(w: Wall): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, w.millisecond);
  return d.getTime();
}

export function localMsToWall(ms: number): Wall {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

/** The wall time an instant shows in a zone. */
export function wallAt(epochMs: number, zone: Zone): Wall {
  return localMsToWall(epochMs + zone.offsetAt(epochMs) * MINUTE);
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

export function isValidWall(w: Wall): boolean {
  return (
    Number.isInteger(w.year) && w.month >= 1 && w.month <= 12 && w.day >= 1 && w.day <= daysInMonth(w.year, w.month) &&
    w.hour >= 0 && w.hour <= 23 && w.minute >= 0 && w.minute <= 59 && w.second >= 0 && w.second <= 59 &&
    w.millisecond >= 0 && w.millisecond <= 999
  );
}

/**
 * Calendar arithmetic as Joda-Time (and so Chronos) does it: years, then months, each clamped to
 * the end of a shorter month (Jan 31 + 1 month = Feb 28/29; Feb 29 + 1 year = Feb 28), then days.
 * The time of day is untouched.
 */
export function addCalendar(w: Wall, years: number, months: number, days: number): Wall {
  let year = w.year + years;
  let day = Math.min(w.day, daysInMonth(year, w.month));
  let month = w.month;
  if (months !== 0) {
    const m0 = (month - 1) + months;
    year += Math.floor(m0 / 12);
    month = (((m0 % 12) + 12) % 12) + 1;
    day = Math.min(day, daysInMonth(year, month));
  }
  if (days === 0) return { ...w, year, month, day };
  const shifted = localMsToWall(wallToLocalMs({ ...w, year, month, day }) + days * MS_PER_DAY);
  return shifted;
}

/**
 * The instant a wall time means in a zone, by the rule in this file's header (gap → the first
 * instant after the gap; overlap → the earlier instant).
 */
export function resolveWall(w: Wall, zone: Zone): number {
  return resolveLocalMs(wallToLocalMs(w), zone);
}

export function resolveLocalMs(local: number, zone: Zone): number {
  if (zone.fixed) return local - zone.offsetAt(0) * MINUTE;
  // The offsets in force a day either side bound every offset that can apply to this wall time
  // (tz transitions are never closer than that).
  const before = zone.offsetAt(local - MS_PER_DAY);
  const after = zone.offsetAt(local + MS_PER_DAY);
  if (before === after) {
    const t = local - before * MINUTE;
    if (zone.offsetAt(t) === before) return t;
  }
  let best: number | undefined;
  for (const o of before === after ? [before] : [before, after]) {
    const t = local - o * MINUTE;
    if (zone.offsetAt(t) === o && (best === undefined || t < best)) best = t; // overlap: earlier
  }
  if (best !== undefined) return best;
  // A gap: with the earlier offset the wall time maps past the transition, with the later one
  // before it. The transition is the first instant whose offset is the later one.
  const lo0 = Math.min(local - before * MINUTE, local - after * MINUTE);
  const hi0 = Math.max(local - before * MINUTE, local - after * MINUTE);
  return firstInstantWithOffsetChange(zone, lo0, hi0);
}

/** Smallest t in (lo, hi] whose offset differs from the offset at lo (binary search, ms precision). */
function firstInstantWithOffsetChange(zone: Zone, lo: number, hi: number): number {
  const start = zone.offsetAt(lo);
  if (zone.offsetAt(hi) === start) return hi; // no change found: never happens for real zones
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (zone.offsetAt(mid) === start) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * How every wall time of one local day maps to instants: usually one offset holds all day and
 * resolution is a subtraction; on a transition day the transition instant and the offsets on
 * either side give the same answers as `resolveWall`, without searching per wall time.
 */
export interface DayMapping {
  /** Local ms of the day's 00:00. */
  readonly startLocal: number;
  /** The single offset (minutes) for the whole day, or undefined on a transition day. */
  readonly offset: number | undefined;
  /** On a transition day: the first instant of the new offset, and the offsets before and after. */
  readonly transition: { readonly at: number; readonly before: number; readonly after: number } | undefined;
}

const HOUR = 3_600_000;

export function dayMapping(year: number, month: number, day: number, zone: Zone): DayMapping {
  const startLocal = wallToLocalMs({ year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 });
  if (zone.fixed) return { startLocal, offset: zone.offsetAt(0), transition: undefined };
  // Every instant of this local day lies within [start − 15 h, end + 13 h] for any real offset.
  const lo = startLocal - 15 * HOUR;
  const hi = startLocal + MS_PER_DAY + 13 * HOUR;
  const before = zone.offsetAt(lo);
  const after = zone.offsetAt(hi);
  if (before === after) return { startLocal, offset: before, transition: undefined };
  return { startLocal, offset: undefined, transition: { at: firstInstantWithOffsetChange(zone, lo, hi), before, after } };
}

/** Instant of the wall time `localMs` (local ms on the day `m` describes), by the DST rule above. */
export function resolveOnDay(m: DayMapping, localMs: number): number {
  if (m.offset !== undefined) return localMs - m.offset * MINUTE;
  const { at, before, after } = m.transition!;
  const early = localMs - before * MINUTE;
  const late = localMs - after * MINUTE;
  const earlyValid = early < at;
  const lateValid = late >= at;
  if (earlyValid && lateValid) return Math.min(early, late); // overlap: the first one
  if (earlyValid) return early;
  if (lateValid) return late;
  return at; // gap: the first instant after it
}
