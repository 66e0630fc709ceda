/**
 * A health checker: the loop (when to probe) and the judge (what a result means) for one task's
 * HealthCheck. It reports `HealthEvent`s; acting on them — the TASK_RUNNING update with `healthy`,
 * killing the task when `killTask` is set — is the executor's part. The grace period runs from
 * `start()`.
 */
import type { Clock } from '@agora/runtime';
import type { HealthDefinition } from './definition.ts';
import { HealthJudge, healthVerdict, type HealthEvent } from './health-judge.ts';
import { CheckLoop } from './loop.ts';
import type { Probe } from './probe.ts';

export interface HealthCheckerOptions {
  readonly definition: HealthDefinition;
  readonly clock: Clock;
  readonly probe: Probe;
  readonly onEvent: (event: HealthEvent) => void;
}

export class HealthChecker {
  private readonly loop: CheckLoop;
  private judge: HealthJudge | undefined;

  constructor(private readonly opts: HealthCheckerOptions) {
    const d = opts.definition;
    this.loop = new CheckLoop({
      clock: opts.clock,
      delayMs: d.delayMs,
      intervalMs: d.intervalMs,
      timeoutMs: d.timeoutMs,
      probe: opts.probe,
      name: `${d.target.type} health check`,
      onOutcome: (outcome) => {
        const event = this.judge?.judge(healthVerdict(outcome), opts.clock.now());
        if (event !== undefined) opts.onEvent(event);
      },
    });
  }

  start(): this {
    if (this.judge === undefined) {
      const d = this.opts.definition;
      this.judge = new HealthJudge({ consecutiveFailures: d.consecutiveFailures, gracePeriodMs: d.gracePeriodMs, startedAt: this.opts.clock.now() });
    }
    this.loop.start();
    return this;
  }

  stop(): void {
    this.loop.stop();
  }

  get stopped(): boolean {
    return this.loop.isStopped;
  }
}
