/**
 * When checks run (Mesos's CheckerProcess): the first attempt `delayMs` after `start()`, each
 * next one `intervalMs` after the previous attempt ended — attempts never overlap, so a slow
 * check stretches the period rather than piling up. An attempt still running after `timeoutMs`
 * (unless 0) is aborted and reported as an error outcome at that moment; the probe's own late
 * answer is ignored.
 *
 * All timing goes through the injected `Clock`, so tests drive it with a FakeClock. `stop()` is
 * final and idempotent: it cancels the pending timer, aborts an attempt in flight, and no outcome
 * is delivered afterwards — also when `onOutcome` itself calls `stop()`.
 */
import { err } from '@agora/protocol';
import type { Clock, Timer } from '@agora/runtime';
import { describeError, type Probe, type ProbeOutcome } from './probe.ts';

export interface CheckLoopOptions {
  readonly clock: Clock;
  readonly delayMs: number;
  readonly intervalMs: number;
  /** 0: no timeout. */
  readonly timeoutMs: number;
  readonly probe: Probe;
  /** What is being checked, for the timeout message (`COMMAND check`, `HTTP health check`). */
  readonly name: string;
  readonly onOutcome: (outcome: ProbeOutcome) => void;
}

/** `1.5s`, `20s`, `250ms`: how Agora words a duration in check messages. */
export const formatMs = (ms: number): string => (ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`);

export class CheckLoop {
  private timer: Timer | undefined;
  private inFlight: AbortController | undefined;
  private timeout: Timer | undefined;
  private started = false;
  private stopped = false;
  private attemptCount = 0;

  constructor(private readonly opts: CheckLoopOptions) {}

  /** Schedules the first attempt after the delay. A second call does nothing. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(this.opts.delayMs);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.timeout?.cancel();
    this.timeout = undefined;
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Attempts started so far. */
  get attempts(): number {
    return this.attemptCount;
  }

  /** Whether an attempt is running now. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  private schedule(ms: number): void {
    this.timer = this.opts.clock.setTimer(ms, () => {
      this.timer = undefined;
      this.attempt();
    });
  }

  private attempt(): void {
    if (this.stopped) return;
    this.attemptCount++;
    const controller = new AbortController();
    this.inFlight = controller;
    let settled = false;
    const settle = (outcome: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      if (this.inFlight === controller) {
        this.inFlight = undefined;
        this.timeout?.cancel();
        this.timeout = undefined;
      }
      if (this.stopped) return;
      this.opts.onOutcome(outcome);
      if (!this.stopped) this.schedule(this.opts.intervalMs);
    };
    if (this.opts.timeoutMs > 0) {
      this.timeout = this.opts.clock.setTimer(this.opts.timeoutMs, () => {
        controller.abort();
        settle(err(`${this.opts.name} timed out after ${formatMs(this.opts.timeoutMs)}`));
      });
    }
    let pending: Promise<ProbeOutcome>;
    try {
      pending = this.opts.probe(controller.signal);
    } catch (e) {
      // A probe that throws is a bug; the task keeps being checked, and the attempt counts as failed.
      pending = Promise.resolve(err(`${this.opts.name} could not run: ${describeError(e)}`));
    }
    pending.then(settle, (e: unknown) => settle(err(`${this.opts.name} could not run: ${describeError(e)}`)));
  }
}
