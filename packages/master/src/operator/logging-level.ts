/**
 * SET_LOGGING_LEVEL / GET_LOGGING_LEVEL. Mesos raises glog's verbosity (`level`, 0 = the default)
 * for `duration`, then reverts to the startup verbosity. Agora maps verbosity onto the structured
 * logger's level: 0 → the level the daemon started with, 1 → `debug`, 2 or more → `trace`. A new
 * SET replaces the previous one and its revert timer.
 *
 * The master's logger is changed in place (pino: loggers created from it before keep their
 * level). A logger started `silent` (in-process tests) stays silent: the verbosity is recorded and
 * reported, not applied, so a test never floods another test's output.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { Clock, Logger, Timer } from '@agora/runtime';

/** The longest duration a timer can wait (Node's setTimeout limit). */
export const MAX_DURATION_MS = 2 ** 31 - 1;

const verbosityOf = (level: string): number => (level === 'trace' ? 2 : level === 'debug' ? 1 : 0);

export class LoggingLevel {
  private readonly base: string;
  private override: { verbosity: number; revert: Timer } | undefined;

  constructor(private readonly log: Logger, private readonly clock: Clock) {
    this.base = log.level;
  }

  /** The current verbosity, as GET_LOGGING_LEVEL reports it. */
  verbosity(): number {
    return this.override?.verbosity ?? verbosityOf(this.log.level);
  }

  /** Applies `level` for `durationNanos`; errors name the field under `where`. */
  set(level: number, durationNanos: number, where: string): Result<void, string> {
    if (!Number.isInteger(level) || level < 0) return err(`${where}.level: expected a non-negative integer, got ${level}`);
    const ms = durationNanos / 1e6;
    if (!Number.isFinite(ms) || ms <= 0) return err(`${where}.duration: must be positive, got ${durationNanos}ns`);
    if (ms > MAX_DURATION_MS) return err(`${where}.duration: at most ${MAX_DURATION_MS / 1000}s, got ${ms / 1000}s`);
    this.override?.revert.cancel();
    this.apply(level === 0 ? this.base : level === 1 ? 'debug' : 'trace');
    this.override = { verbosity: level, revert: this.clock.setTimer(ms, () => this.reset()) };
    this.log.info({ level, durationMs: ms }, 'logging verbosity set by the operator');
    return ok(undefined);
  }

  private reset(): void {
    this.override = undefined;
    this.apply(this.base);
    this.log.info({ level: this.base }, 'logging level reverted');
  }

  private apply(level: string): void {
    if (this.base !== 'silent') this.log.level = level;
  }
}
