import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Timing and percentile helpers for the allocator benchmarks (not part of any package). */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Wall-clock time of `f`, and the process's CPU time (user + system) over the same span: on a
 * shared machine the wall time includes waiting for a core, the CPU time mostly does not
 * (it does include V8's parallel GC helper threads).
 */
export function timed<T>(f: () => T): { value: T; ms: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = f();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { value, ms, cpuMs: (used.user + used.system) / 1000 };
}

export function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function progress(message: string): void {
  process.stderr.write(`  [bench] ${message}\n`);
}

/** One result line: `allocator <scenario> key=value …`. */
export function line(scenario: string, fields: Record<string, string | number>): string {
  return `allocator ${scenario} ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

let gc: (() => void) | undefined;

/**
 * A full garbage collection after a scenario's setup, so the garbage of building a huge cluster
 * (millions of filter objects) is not collected during the measured cycles.
 */
export function settle(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
