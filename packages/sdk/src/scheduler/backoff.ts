/**
 * Reconnection backoff: exponential from `initialMs`, capped at `maxMs` (Mesos advises about
 * 15 s), with jitter so that many frameworks dropped by one master failover do not come back in
 * lock-step. The delay for attempt n is a random point in [½, 1] × min(max, initial · 2ⁿ).
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Uniform in [0, 1); injectable for deterministic tests. */
  readonly random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000, random: Math.random };

export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (0.5 + opts.random() / 2));
}
