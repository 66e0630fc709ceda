/**
 * A (general) checker: the loop (when to probe) and the reporter (which results are news) for
 * one task's CheckInfo. It reports each changed `CheckStatusInfo`; the executor sends it as a
 * TASK_RUNNING update. Checks never kill.
 */
import type { CheckStatusInfo } from '@agora/protocol';
import type { Clock } from '@agora/runtime';
import { CheckReporter } from './check-reporter.ts';
import type { CheckDefinition } from './definition.ts';
import { CheckLoop } from './loop.ts';
import type { Probe } from './probe.ts';

export interface CheckerOptions {
  readonly definition: CheckDefinition;
  readonly clock: Clock;
  readonly probe: Probe;
  readonly onStatus: (status: CheckStatusInfo) => void;
}

export class Checker {
  private readonly loop: CheckLoop;

  constructor(opts: CheckerOptions) {
    const d = opts.definition;
    const reporter = new CheckReporter(d.target.type);
    this.loop = new CheckLoop({
      clock: opts.clock,
      delayMs: d.delayMs,
      intervalMs: d.intervalMs,
      timeoutMs: d.timeoutMs,
      probe: opts.probe,
      name: `${d.target.type} check`,
      onOutcome: (outcome) => {
        const status = reporter.report(outcome);
        if (status !== undefined) opts.onStatus(status);
      },
    });
  }

  start(): this {
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
