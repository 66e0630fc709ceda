/**
 * ISO 8601 durations as Chronos reads the period of `R/<start>/<period>` (Joda
 * `ISOPeriodFormat.standard`): `P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]`, designators upper-case
 * and in that order, `T` required before hours/minutes/seconds, weeks combinable with the rest,
 * a fraction only on seconds (`.` or `,`, kept to the millisecond).
 *
 * Years, months, weeks and days are calendar units (added to the wall clock, so a daily run stays
 * at the same local time across DST); hours, minutes and seconds are exact elapsed time.
 */
import { err, ok, type Result } from '@agora/protocol';

export interface Period {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly millis: number;
}

const PERIOD = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d+))?S)?)?$/;

/** Bound on each component: far beyond any useful schedule, small enough for exact arithmetic. */
const MAX_COMPONENT = 1_000_000_000;

export function parsePeriod(text: string): Result<Period, string> {
  const m = PERIOD.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    return err(`'${text}' is not an ISO 8601 period (expected e.g. PT1H, P1D, P1M, P1Y2M3DT4H5M6S; 'T' comes before hours, minutes and seconds)`);
  }
  const n = (i: number): number => (m[i] === undefined ? 0 : Number(m[i]));
  const values = [n(1), n(2), n(3), n(4), n(5), n(6), n(7)];
  if (values.some((v) => !Number.isSafeInteger(v) || v > MAX_COMPONENT)) return err(`period '${text}' has a component larger than ${MAX_COMPONENT}`);
  const fraction = m[8] ?? '';
  const millis = Number(`${fraction}000`.slice(0, 3)); // below a millisecond is dropped
  const [years, months, weeks, days, hours, minutes, seconds] = values as [number, number, number, number, number, number, number];
  return ok({ years, months, weeks, days, hours, minutes, seconds, millis });
}

/** The calendar part in days (weeks folded in). */
export function calendarDays(p: Period): number {
  return p.weeks * 7 + p.days;
}

export function hasCalendarPart(p: Period): boolean {
  return p.years !== 0 || p.months !== 0 || p.weeks !== 0 || p.days !== 0;
}

/** The exact (elapsed-time) part in milliseconds. */
export function exactMs(p: Period): number {
  return ((p.hours * 60 + p.minutes) * 60 + p.seconds) * 1000 + p.millis;
}

export function isZeroPeriod(p: Period): boolean {
  return !hasCalendarPart(p) && exactMs(p) === 0;
}

/** A rough length used only to start searches; never used as a result. */
export function approximateMs(p: Period): number {
  const day = 86_400_000;
  return p.years * 365.2425 * day + p.months * 30.436875 * day + calendarDays(p) * day + exactMs(p);
}

/** Canonical text (`PT0S` for zero), as Joda prints a period. */
export function formatPeriod(p: Period): string {
  let date = '';
  if (p.years) date += `${p.years}Y`;
  if (p.months) date += `${p.months}M`;
  if (p.weeks) date += `${p.weeks}W`;
  if (p.days) date += `${p.days}D`;
  let time = '';
  if (p.hours) time += `${p.hours}H`;
  if (p.minutes) time += `${p.minutes}M`;
  if (p.seconds || p.millis) time += p.millis ? `${p.seconds}.${String(p.millis).padStart(3, '0').replace(/0+$/, '')}S` : `${p.seconds}S`;
  if (date === '' && time === '') return 'PT0S';
  return `P${date}${time ? `T${time}` : ''}`;
}
