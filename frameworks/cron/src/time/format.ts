/**
 * Instants as ISO 8601 text, the way Chronos (Joda `ISODateTimeFormat.dateTime`) prints them:
 * `2024-03-10T03:00:00.000-04:00`, with `Z` for a zero offset.
 */
import { formatOffset, UTC, type Zone } from './zone.ts';

const MINUTE = 60_000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function formatInstant(epochMs: number, zone: Zone = UTC): string {
  const offset = zone.offsetAt(epochMs);
  const d = new Date(epochMs + offset * MINUTE);
  const y = d.getUTCFullYear();
  const year = y >= 0 && y <= 9999 ? pad(y, 4) : (y < 0 ? '-' : '+') + pad(Math.abs(y), 6);
  return (
    `${year}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}` +
    formatOffset(offset)
  );
}

/** UTC ISO text as Chronos writes `lastSuccess` / `lastError` (`2024-01-01T00:00:00.000Z`). */
export function formatUtc(epochMs: number): string {
  return formatInstant(epochMs, UTC);
}
