/**
 * Durations as Mesos writes them (stout `Duration`): a non-negative decimal number immediately
 * followed by a unit — `ns`, `us`, `ms`, `secs`, `mins`, `hrs`, `days`, `weeks` — e.g. `5secs`,
 * `1.5secs`, `10mins`, `2weeks`. Flags and `MESOS_*` environment variables use this form.
 * Also: conversions between seconds and the DurationInfo/TimeInfo messages.
 */
import { err, ok, type Result } from './codec/result.ts';
import type { DurationInfo, TimeInfo } from './v1/common.ts';

export const NANOS_PER = {
  ns: 1,
  us: 1e3,
  ms: 1e6,
  secs: 1e9,
  mins: 60e9,
  hrs: 3600e9,
  days: 86400e9,
  weeks: 604800e9,
} as const;
export type DurationUnit = keyof typeof NANOS_PER;

const UNITS_DESCENDING: DurationUnit[] = ['weeks', 'days', 'hrs', 'mins', 'secs', 'ms', 'us', 'ns'];
const DURATION = /^(\d+(?:\.\d*)?|\.\d+)([a-z]+)$/;

/**
 * `1.5secs` → 1500000000. Fractions below a nanosecond are truncated, as stout does. No sign,
 * exponent or space between number and unit; surrounding whitespace is ignored.
 */
export function parseDurationNanos(text: string): Result<number> {
  const t = text.trim();
  const m = DURATION.exec(t);
  if (!m) return err(`invalid duration '${text}': expected a number and a unit, e.g. '5secs'`);
  const unit = m[2]!;
  if (!Object.hasOwn(NANOS_PER, unit)) {
    return err(`unknown duration unit '${unit}' in '${text}'; supported units are 'ns', 'us', 'ms', 'secs', 'mins', 'hrs', 'days' and 'weeks'`);
  }
  const nanos = Math.trunc(Number(m[1]) * NANOS_PER[unit as DurationUnit]);
  if (!Number.isSafeInteger(nanos)) return err(`duration '${text}' is too large`);
  return ok(nanos);
}

/** `250ms` → 250, `1500us` → 1.5. */
export function parseDurationMs(text: string): Result<number> {
  const n = parseDurationNanos(text);
  return n.ok ? ok(n.value / 1e6) : n;
}

/** `5secs` → 5. */
export function parseDurationSeconds(text: string): Result<number> {
  const n = parseDurationNanos(text);
  return n.ok ? ok(n.value / 1e9) : n;
}

const formatNumber = (x: number): string => String(Number(x.toPrecision(15)));

/**
 * Formats like stout: the largest unit not above the duration, except that a value which is
 * fractional there but whole in the next smaller unit uses that one (90s → `90secs`,
 * 1.5s → `1500ms`, 5s → `5secs`, 0 → `0ns`). Negative durations get a leading `-`.
 */
export function formatDurationNanos(nanos: number): string {
  if (!Number.isFinite(nanos)) return String(nanos);
  if (nanos < 0) return `-${formatDurationNanos(-nanos)}`;
  const n = Math.trunc(nanos);
  if (n < NANOS_PER.us) return `${n}ns`;
  for (let i = 0; i < UNITS_DESCENDING.length - 1; i++) {
    const unit = UNITS_DESCENDING[i]!;
    if (n < NANOS_PER[unit]) continue;
    const smaller = UNITS_DESCENDING[i + 1]!;
    if (n % NANOS_PER[unit] !== 0 && n % NANOS_PER[smaller] === 0) return `${n / NANOS_PER[smaller]}${smaller}`;
    return `${formatNumber(n / NANOS_PER[unit])}${unit}`;
  }
  return `${n}ns`;
}

export const formatDurationMs = (ms: number): string => formatDurationNanos(Math.round(ms * 1e6));
export const formatDurationSeconds = (seconds: number): string => formatDurationNanos(Math.round(seconds * 1e9));

export const nanosToSeconds = (nanos: number): number => nanos / 1e9;
export const secondsToNanos = (seconds: number): number => Math.round(seconds * 1e9);

export const secondsToDurationInfo = (seconds: number): DurationInfo => ({ nanoseconds: secondsToNanos(seconds) });
export const durationInfoToSeconds = (d: DurationInfo): number => nanosToSeconds(d.nanoseconds);
export const durationInfoToMs = (d: DurationInfo): number => d.nanoseconds / 1e6;
export const msToDurationInfo = (ms: number): DurationInfo => ({ nanoseconds: Math.round(ms * 1e6) });

/** Seconds since the epoch (as in TaskStatus.timestamp) → TimeInfo. Precision is that of a double. */
export const secondsToTimeInfo = (seconds: number): TimeInfo => ({ nanoseconds: secondsToNanos(seconds) });
export const timeInfoToSeconds = (t: TimeInfo): number => nanosToSeconds(t.nanoseconds);
export const msToTimeInfo = (ms: number): TimeInfo => ({ nanoseconds: Math.round(ms * 1e6) });
export const timeInfoToMs = (t: TimeInfo): number => t.nanoseconds / 1e6;

/** A google.protobuf.Duration in its JSON text form (`"10s"`, `"1.5s"`, `"-0.25s"`) → nanoseconds. */
export function googleDurationToNanos(text: string): Result<number> {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) return err(`invalid google.protobuf.Duration '${text}'`);
  const nanos = Number(m[2]) * 1e9 + Number((m[3] ?? '').padEnd(9, '0'));
  return ok(m[1] ? -nanos : nanos);
}

/** Nanoseconds → google.protobuf.Duration text (`1500000000` → `"1.5s"`). */
export function nanosToGoogleDuration(nanos: number): string {
  const n = Math.trunc(nanos);
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(n);
  const seconds = Math.floor(abs / 1e9);
  const frac = abs % 1e9;
  return `${sign}${seconds}${frac === 0 ? '' : '.' + String(frac).padStart(9, '0').replace(/0+$/, '')}s`;
}
