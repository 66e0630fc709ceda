/**
 * A probe performs one check attempt: the I/O half of checking, kept apart from the scheduling
 * and judging (which run on a `Clock` and are tested with a FakeClock).
 *
 * Contract:
 *  - it resolves, never rejects: `ok(status)` when the check could be performed (an exit code, an
 *    HTTP status code, whether a TCP connection was accepted), `err(why)` when it could not
 *    (the command could not be started or was killed by a signal, the HTTP request failed);
 *  - when `signal` aborts (the check timed out, or checking stopped) it releases everything at
 *    once — SIGKILLs the command's whole process group, destroys its socket — and resolves
 *    `err(...)` promptly; nothing it started outlives it.
 */
import type { CheckStatusInfo, Result } from '@agora/protocol';

export type ProbeOutcome = Result<CheckStatusInfo, string>;

export type Probe = (signal: AbortSignal) => Promise<ProbeOutcome>;

/** The message of an aborted probe; the loop reports its own timeout message instead. */
export const ABORTED = 'the check was aborted';

export const describeError = (e: unknown): string => (e instanceof Error ? e.message : String(e));
