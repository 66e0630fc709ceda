/**
 * What a health check result means for the task (Mesos's HealthChecker; pure, time is a parameter).
 *
 *  - healthy result: reported when it is the first one ever, or the first after failures; later
 *    consecutive healthy results are not reported (so a steadily healthy task sends one update);
 *  - failed result while still "initializing" (no healthy result yet) and within the grace period
 *    (measured from when checking started, so it includes the delay; inclusive at its end; a zero
 *    grace period means none): ignored, not counted, not reported;
 *  - any other failed result: counted, and always reported as unhealthy with the count so far;
 *    once the count reaches `consecutiveFailures` the report says to kill the task (the executor
 *    decides; each further failure says so again). A healthy result resets the count.
 *
 * What counts as healthy (`healthVerdict`): a COMMAND exit code of 0, an HTTP status code in
 * [200, 400) (redirects having been followed; HTTPCheckInfo.statuses is ignored, as Mesos's
 * built-in executors ignore it), an accepted TCP connection. A check that could not be performed
 * (it timed out, the request failed) is a failure.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { ProbeOutcome } from './probe.ts';

export type HealthEvent =
  | { readonly healthy: true }
  | {
      readonly healthy: false;
      /** Failures in a row, this one included. */
      readonly consecutiveFailures: number;
      /** `consecutiveFailures` has reached the health check's limit. */
      readonly killTask: boolean;
      /** Why this attempt failed. */
      readonly message: string;
    };

export interface HealthJudgeOptions {
  readonly consecutiveFailures: number;
  readonly gracePeriodMs: number;
  /** When checking started (the grace period runs from here). */
  readonly startedAt: number;
}

export function healthVerdict(outcome: ProbeOutcome): Result<void, string> {
  if (!outcome.ok) return outcome;
  const s = outcome.value;
  switch (s.type) {
    case 'COMMAND': {
      const code = s.command?.exit_code;
      return code === 0 ? ok(undefined) : err(`Command exited with status ${code ?? 'unknown'}`);
    }
    case 'HTTP': {
      const code = s.http?.status_code;
      return code !== undefined && code >= 200 && code < 400 ? ok(undefined) : err(`Unexpected HTTP response code: ${code ?? 'none'}`);
    }
    case 'TCP':
      return s.tcp?.succeeded === true ? ok(undefined) : err('TCP connection failed');
    default:
      return err(`A check result of type ${s.type ?? 'none'} cannot be judged`);
  }
}

export class HealthJudge {
  private failures = 0;
  private initializing = true;

  constructor(private readonly opts: HealthJudgeOptions) {}

  /** The event to report for this result, or undefined when nothing is to be reported. */
  judge(verdict: Result<void, string>, now: number): HealthEvent | undefined {
    if (verdict.ok) {
      const report = this.initializing || this.failures > 0;
      this.initializing = false;
      this.failures = 0;
      return report ? { healthy: true } : undefined;
    }
    if (this.inGracePeriod(now)) return undefined;
    this.failures++;
    return {
      healthy: false,
      consecutiveFailures: this.failures,
      killTask: this.failures >= this.opts.consecutiveFailures,
      message: verdict.error,
    };
  }

  /** Failures in a row so far. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  private inGracePeriod(now: number): boolean {
    const { gracePeriodMs, startedAt } = this.opts;
    return this.initializing && gracePeriodMs > 0 && now - startedAt <= gracePeriodMs;
  }
}
