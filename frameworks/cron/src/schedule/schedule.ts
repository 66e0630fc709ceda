/**
 * One interface over both schedule kinds. `nextRuns` is the central pure function: the run
 * instants after a point, bounded by a count and/or an instant, and what is left afterwards.
 * It reads no clock: "now" is whatever the caller passes as `after` or `until`.
 */
import { MAX_INSTANT } from '../time/wall.ts';
import { cronRuns, scanCron, type CronSchedule, type RunScan } from './cron.ts';
import { advanceIso8601, endIndex, indexAfter, occurrenceAt, type Iso8601Schedule } from './iso8601.ts';

export type Schedule = Iso8601Schedule | CronSchedule;
export type { RunScan };

export interface NextRunsOptions {
  /** Exclusive lower bound (the last scheduled time handled, or now). Absent: from the first run. */
  readonly after?: number;
  /** Inclusive upper bound. */
  readonly until?: number;
  /** At most this many runs (default 1, at most 10,000). */
  readonly limit?: number;
}

export interface NextRuns {
  /** Run instants (epoch ms), strictly increasing, each > `after` and ≤ `until`. */
  readonly runs: number[];
  /**
   * Repetitions left after the returned runs (ISO 8601 `Rn`); null when unbounded (`R`, cron).
   */
  readonly remaining: number | null;
  /** True when no run exists after the last one returned (Rn used up, or year 9999 passed). */
  readonly exhausted: boolean;
}

export const MAX_RUNS_PER_CALL = 10_000;

export function nextRuns(schedule: Schedule, opts: NextRunsOptions = {}): NextRuns {
  const limit = Math.max(0, Math.min(opts.limit ?? 1, MAX_RUNS_PER_CALL));
  const until = opts.until ?? MAX_INSTANT;
  if (schedule.kind === 'cron') {
    const after = opts.after ?? Number.NEGATIVE_INFINITY;
    const runs = cronRuns(schedule, after, until, limit);
    const from = runs.length > 0 ? runs[runs.length - 1]! : after;
    const exhausted = cronRuns(schedule, from, MAX_INSTANT, 1).length === 0;
    return { runs, remaining: null, exhausted };
  }
  const end = endIndex(schedule);
  let i = opts.after === undefined ? schedule.next : indexAfter(schedule, opts.after);
  const runs: number[] = [];
  let last = opts.after ?? Number.NEGATIVE_INFINITY;
  let beyond = false;
  while (i < end && runs.length < limit) {
    const t = occurrenceAt(schedule, i);
    if (t === undefined) {
      beyond = true;
      break;
    }
    if (t > until) break;
    if (t > last) {
      runs.push(t);
      last = t;
    }
    i++; // an occurrence folded onto the previous instant (a gap) still uses up a repetition
  }
  const exhausted = beyond || i >= end || occurrenceAt(schedule, i) === undefined;
  return { runs, remaining: schedule.remaining === null ? null : Math.max(0, end - i), exhausted };
}

/** Runs in (after, until]: how many, the first and the last. Cheap over long windows. */
export function scanRuns(schedule: Schedule, after: number, until: number): RunScan {
  if (until <= after) return { count: 0, first: undefined, last: undefined };
  if (schedule.kind === 'cron') return scanCron(schedule, after, until);
  const end = endIndex(schedule);
  const i0 = Math.min(indexAfter(schedule, after), end);
  const i1 = Math.min(indexAfter(schedule, until), end);
  if (i1 <= i0) return { count: 0, first: undefined, last: undefined };
  return { count: i1 - i0, first: occurrenceAt(schedule, i0), last: occurrenceAt(schedule, i1 - 1) };
}

/**
 * The schedule after every run at or before `through` has been handled: for ISO 8601 the start
 * moves to the next occurrence and the count drops (Chronos's rewrite); cron has no state.
 */
export function advanceSchedule<S extends Schedule>(schedule: S, through: number): S {
  return (schedule.kind === 'iso8601' ? advanceIso8601(schedule, through) : schedule) as S;
}

/** True when the schedule will never run again after `after` (or at all, without `after`). */
export function isExhausted(schedule: Schedule, after?: number): boolean {
  return nextRuns(schedule, { after, limit: 1 }).runs.length === 0;
}
