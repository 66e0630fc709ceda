/** Run-time statistics from the history: nearest-rank percentiles of successful runs' durations. */
import type { Run } from '../plan/run.ts';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function durations(history: readonly Run[]): number[] {
  return history
    .filter((r) => r.state === 'SUCCESS' && r.startedAt !== undefined && r.endedAt !== undefined)
    .map((r) => r.endedAt! - r.startedAt!)
    .sort((a, b) => a - b);
}

/** Chronos's names for the percentiles it reports. */
export const PERCENTILE_NAMES: Readonly<Record<string, number>> = {
  median: 50,
  '75thPercentile': 75,
  '95thPercentile': 95,
  '98thPercentile': 98,
  '99thPercentile': 99,
};

export function histogram(history: readonly Run[]): Record<string, number> {
  const d = durations(history);
  const out: Record<string, number> = { count: d.length, mean: d.length === 0 ? 0 : d.reduce((a, b) => a + b, 0) / d.length };
  for (const [name, p] of Object.entries(PERCENTILE_NAMES)) out[name] = percentile(d, p);
  return out;
}
