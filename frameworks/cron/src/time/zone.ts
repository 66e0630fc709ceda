/**
 * Time zones as the schedule math needs them: "what is the UTC offset at this instant?".
 *
 * A zone is named by a string so that schedules stay plain, persistable data:
 *  - an IANA name (`America/New_York`; matched case-insensitively, and the legacy Java short IDs
 *    Chronos accepted such as `PST` resolve through ICU as Java resolved them);
 *  - `UTC` (also `Z`, `GMT`, `Etc/UTC`);
 *  - a fixed offset `+05:30` / `-04:00` (what an ISO 8601 start with an offset and no
 *    `scheduleTimeZone` means: Joda kept such a start in that fixed offset).
 * Offset data comes from the runtime's ICU tz database through luxon's IANAZone. That is data,
 * not a clock: the same build answers the same way every time.
 */
import { err, ok, type Result } from '@agora/protocol';
import { IANAZone } from 'luxon';

export interface Zone {
  /** The name the schedule stores (canonical for fixed offsets: `UTC`, `+05:30`). */
  readonly name: string;
  /** True when the offset never changes (UTC and fixed offsets): no gaps, no overlaps. */
  readonly fixed: boolean;
  /** Minutes east of UTC in effect at `epochMs`. */
  offsetAt(epochMs: number): number;
}

const MINUTE = 60_000;

function fixedZone(name: string, minutes: number): Zone {
  return { name, fixed: true, offsetAt: () => minutes };
}

export const UTC: Zone = fixedZone('UTC', 0);

/** `+05:30` for 330, `-04:00` for -240, `UTC` for 0. */
export function formatOffsetName(minutes: number): string {
  if (minutes === 0) return 'UTC';
  return formatOffset(minutes);
}

/** ISO 8601 offset text: `Z` for 0, else `±HH:MM`. */
export function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})$/;
const UTC_NAMES = new Set(['utc', 'z', 'gmt', 'etc/utc', 'etc/gmt', 'universal', 'zulu', 'etc/universal', 'etc/zulu']);

const cache = new Map<string, Result<Zone, string>>();

/**
 * The zone for `name`, or why there is none. Results are memoised: zones are immutable and
 * the tz database does not change while the process runs.
 */
export function zoneByName(name: string): Result<Zone, string> {
  const hit = cache.get(name);
  if (hit) return hit;
  const r = lookup(name);
  if (cache.size > 10_000) cache.clear(); // bounded: names come from clients
  cache.set(name, r);
  return r;
}

function lookup(name: string): Result<Zone, string> {
  const trimmed = name.trim();
  if (trimmed === '') return err('time zone is empty');
  if (UTC_NAMES.has(trimmed.toLowerCase())) return ok(UTC);
  const m = FIXED_OFFSET.exec(trimmed);
  if (m) {
    const hours = Number(m[2]);
    const minutes = Number(m[3]);
    if (hours > 18 || minutes > 59) return err(`'${name}' is not a valid UTC offset`);
    const total = (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
    return ok(total === 0 ? UTC : fixedZone(formatOffsetName(total), total));
  }
  if (!IANAZone.isValidZone(trimmed)) return err(`'${name}' is not a known time zone (expected an IANA name such as America/New_York)`);
  const iana = IANAZone.create(trimmed);
  return ok({ name: trimmed, fixed: false, offsetAt: (ms) => iana.offset(ms) });
}

/** The zone for a name a validated schedule holds: a failure here is a bug, so it throws. */
export function zoneOf(name: string): Zone {
  const r = zoneByName(name);
  if (!r.ok) throw new Error(`schedule holds an invalid zone: ${r.error}`);
  return r.value;
}

export const MS_PER_MINUTE = MINUTE;
