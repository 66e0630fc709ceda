/**
 * Parsing ISO 8601 date-times as Joda's `DateTime.parse` accepted them for Chronos: calendar
 * dates (`2024-03-10`), week dates (`2024-W10-7`), ordinal dates (`2024-070`), optional time
 * with fractional seconds, and an optional offset (`Z`, `+01`, `+0100`, `+01:00`). Without an
 * offset the text is UTC (Chronos ran in UTC; we do not depend on the host's zone).
 */
import { err, ok, type Result } from '@agora/protocol';
import { DateTime } from 'luxon';
import { formatOffsetName } from './zone.ts';
import type { Wall } from './wall.ts';

export interface ParsedDateTime {
  /** The wall-clock fields as written. */
  readonly wall: Wall;
  /** The offset written in the text, in minutes (0 when none or `Z`). */
  readonly offsetMinutes: number;
  /** `UTC` or `±HH:MM`: the fixed zone the text itself names. */
  readonly zoneName: string;
}

export function parseIsoDateTime(text: string): Result<ParsedDateTime, string> {
  const t = text.trim();
  if (t === '') return err('empty date-time');
  if (t.length > 64) return err(`'${t.slice(0, 64)}…' is not an ISO 8601 date-time`);
  // A date is required: luxon reads a bare time as "today", which would make parsing depend on
  // the clock.
  if (!/^\d{4}(?:$|[-W\dT])/.test(t)) return err(`'${t}' is not an ISO 8601 date-time (it must start with a date, e.g. 2024-03-10T02:30:00Z)`);
  const dt = DateTime.fromISO(t, { zone: 'utc', setZone: true });
  if (!dt.isValid) return err(`'${t}' is not an ISO 8601 date-time (${dt.invalidExplanation ?? dt.invalidReason ?? 'invalid'})`);
  const o = dt.toObject();
  return ok({
    wall: { year: o.year, month: o.month, day: o.day, hour: o.hour, minute: o.minute, second: o.second, millisecond: o.millisecond },
    offsetMinutes: dt.offset,
    zoneName: formatOffsetName(dt.offset),
  });
}
