/**
 * Which general-check results are reported (Mesos's Checker; pure): a result is reported exactly
 * when it differs from the last one reported, starting from the empty status a task's first
 * TASK_RUNNING already carries. A check that could not be performed (it timed out, the request
 * failed, the command was killed) reports the empty status — "no result" — so a timeout after a
 * success is reported, and a timeout before any result is not. Checks never judge or kill.
 */
import type { CheckStatusInfo, CheckType } from '@agora/protocol';
import { emptyCheckStatus } from './definition.ts';
import type { ProbeOutcome } from './probe.ts';

/** Field-by-field equality of two check statuses (absent and undefined fields are the same). */
export function sameCheckStatus(a: CheckStatusInfo, b: CheckStatusInfo): boolean {
  return (
    a.type === b.type &&
    (a.command === undefined) === (b.command === undefined) &&
    a.command?.exit_code === b.command?.exit_code &&
    (a.http === undefined) === (b.http === undefined) &&
    a.http?.status_code === b.http?.status_code &&
    (a.tcp === undefined) === (b.tcp === undefined) &&
    a.tcp?.succeeded === b.tcp?.succeeded
  );
}

export class CheckReporter {
  private last: CheckStatusInfo;
  private readonly empty: CheckStatusInfo;

  constructor(type: CheckType) {
    const empty = emptyCheckStatus(type);
    if (empty === undefined) throw new Error(`a CheckReporter needs a COMMAND, HTTP or TCP check, not ${type}`);
    this.empty = empty;
    this.last = empty;
  }

  /** The status to report for this outcome, or undefined when it is the same as the last one. */
  report(outcome: ProbeOutcome): CheckStatusInfo | undefined {
    const status = outcome.ok ? outcome.value : this.empty;
    if (sameCheckStatus(status, this.last)) return undefined;
    this.last = status;
    return status;
  }

  get current(): CheckStatusInfo {
    return this.last;
  }
}
