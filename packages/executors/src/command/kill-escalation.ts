/**
 * Killing one task's process group with a grace period, as Mesos's executors do: SIGTERM to the
 * group now, SIGKILL to the group when the grace period ends if the leader is still alive.
 * Shared by the command executor (one task) and the default executor (one per task of a group).
 *
 * A later request may only bring the SIGKILL earlier, never postpone it (a retried KILL with a
 * longer grace is a no-op; a shorter one, or a shutdown, advances the deadline). The grace of
 * every request counts from the first SIGTERM.
 */
import type { KillPolicy } from '@agora/protocol';
import type { Clock, Timer } from '@agora/runtime';
import { signalGroup } from './task-process.ts';

/** Mesos's default grace period for killing a task (command and default executors). */
export const DEFAULT_KILL_GRACE_MS = 3_000;

/** A kill policy's grace period in ms; undefined when the policy does not set one. */
export const graceMs = (policy: KillPolicy | undefined): number | undefined =>
  policy?.grace_period === undefined ? undefined : Math.max(0, policy.grace_period.nanoseconds / 1e6);

export interface KillEscalationOptions {
  readonly clock: Clock;
  /** The task's process group (its leader's pid). */
  readonly pgid: number;
  /** Whether the leader is still running (no SIGKILL once it has been reaped). */
  readonly alive: () => boolean;
  readonly log: (line: string) => void;
}

export class KillEscalation {
  private startedAt: number | undefined;
  private deadline = Infinity;
  private timer: Timer | undefined;

  constructor(private readonly opts: KillEscalationOptions) {}

  /** Whether SIGTERM has been sent. */
  get started(): boolean {
    return this.startedAt !== undefined;
  }

  /** SIGTERM now (first request only) and SIGKILL `graceMs` after the first SIGTERM. */
  request(graceMs: number): void {
    const { clock, pgid } = this.opts;
    const now = clock.now();
    if (this.startedAt === undefined) {
      this.startedAt = now;
      this.opts.log(`Sending SIGTERM to the process group of ${pgid}; SIGKILL in ${graceMs} ms`);
      signalGroup(pgid, 'SIGTERM');
    }
    const deadline = this.startedAt + graceMs;
    if (deadline >= this.deadline) return;
    this.deadline = deadline;
    this.timer?.cancel();
    this.timer = clock.setTimer(Math.max(0, deadline - now), () => {
      this.timer = undefined;
      if (!this.opts.alive()) return;
      this.opts.log(`Process ${pgid} did not terminate after the grace period; sending SIGKILL to its process group`);
      signalGroup(pgid, 'SIGKILL');
    });
  }

  /** Stops the pending SIGKILL (the process has been reaped, or the executor ends). */
  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
