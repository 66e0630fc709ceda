/**
 * A scripted probe for tests of the scheduling and judging logic: each attempt waits until the
 * test answers it (or it is aborted), so a FakeClock test decides exactly when results arrive.
 */
import { err, ok, type CheckStatusInfo } from '@agora/protocol';
import { ABORTED, type Probe, type ProbeOutcome } from './probe.ts';

export interface Attempt {
  readonly signal: AbortSignal;
  answer(outcome: ProbeOutcome): void;
  readonly answered: boolean;
}

export class FakeProbe {
  readonly attempts: Attempt[] = [];
  /** When set, attempts are answered with this at once. */
  auto: ProbeOutcome | undefined;

  readonly probe: Probe = (signal) =>
    new Promise<ProbeOutcome>((resolve) => {
      let answered = false;
      const attempt: Attempt = {
        signal,
        answer: (o) => {
          answered = true;
          resolve(o);
        },
        get answered() {
          return answered;
        },
      };
      signal.addEventListener('abort', () => attempt.answer(err(ABORTED)), { once: true });
      this.attempts.push(attempt);
      if (this.auto !== undefined) attempt.answer(this.auto);
    });

  /** The latest attempt. */
  get last(): Attempt {
    const a = this.attempts.at(-1);
    if (a === undefined) throw new Error('no attempt has been made');
    return a;
  }
}

export const exitCode = (code: number): ProbeOutcome => ok({ type: 'COMMAND', command: { exit_code: code } });
export const httpStatus = (code: number): ProbeOutcome => ok({ type: 'HTTP', http: { status_code: code } });
export const tcp = (succeeded: boolean): ProbeOutcome => ok({ type: 'TCP', tcp: { succeeded } });
export const failed = (why: string): ProbeOutcome => err(why);
export const status = (s: CheckStatusInfo): ProbeOutcome => ok(s);

/** Lets resolved probe promises reach the loop (their `.then` runs as microtasks). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
