/**
 * Runs: one attempt at one occurrence of a job. An occurrence is (job, scheduled instant); its task
 * ID is deterministic — `cron.<job>.<scheduledEpochMs>` for attempt 0 and `….<attempt>` for retries —
 * so the intent written before a launch, the task the master knows and the history entry all name
 * the same thing, and a leader that takes over can ask the master about exactly those tasks.
 *
 * Lifecycle: WAITING (a retry not yet due) → QUEUED (intent persisted; waiting for an offer) →
 * STAGING (launch sent) → RUNNING → SUCCESS | FAILED | KILLED. MISSED records an occurrence that
 * was never run (see plan.ts for when).
 */
import type { TaskState } from '@agora/protocol';

export type RunState = 'WAITING' | 'QUEUED' | 'STAGING' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'KILLED' | 'MISSED';
export type Trigger = 'schedule' | 'manual' | 'dependency' | 'retry';
export type KillReason = 'timeout' | 'replaced' | 'user' | 'deleted';

export interface Run {
  readonly taskId: string;
  readonly job: string;
  readonly scheduledAt: number;
  readonly attempt: number;
  readonly trigger: Trigger;
  readonly state: RunState;
  /** When the intent was recorded. */
  readonly createdAt: number;
  /** WAITING: when the retry becomes QUEUED. */
  readonly retryAt?: number;
  /** When the launch was sent (ACCEPT); cleared if reconciliation shows the master never got it. */
  readonly launchedAt?: number;
  /** First TASK_RUNNING. */
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly exitCode?: number;
  readonly agentId?: string;
  /** Link to the sandbox's stdout on the agent (files API). */
  readonly sandbox?: string;
  readonly message?: string;
  /** Run-now arguments, appended to the command's arguments (non-shell jobs). */
  readonly arguments?: readonly string[];
  readonly killReason?: KillReason;
}

export const ACTIVE: ReadonlySet<RunState> = new Set(['WAITING', 'QUEUED', 'STAGING', 'RUNNING']);
export const isActive = (r: Run): boolean => ACTIVE.has(r.state);

/** The occurrence's ID (attempt 0's task ID): Metronome's run ID. */
export function occurrenceId(job: string, scheduledAt: number): string {
  return `cron.${job}.${scheduledAt}`;
}

export function taskIdFor(job: string, scheduledAt: number, attempt: number): string {
  return attempt === 0 ? occurrenceId(job, scheduledAt) : `${occurrenceId(job, scheduledAt)}.${attempt}`;
}

/** What a Mesos task state means for a run (undefined: no change). */
export function runStateOf(state: TaskState): RunState | undefined {
  switch (state) {
    case 'TASK_STAGING':
    case 'TASK_STARTING':
      return 'STAGING';
    case 'TASK_RUNNING':
      return 'RUNNING';
    case 'TASK_FINISHED':
      return 'SUCCESS';
    case 'TASK_KILLED':
      return 'KILLED';
    case 'TASK_KILLING':
      return undefined;
    default:
      return 'FAILED'; // FAILED, ERROR, LOST, DROPPED, GONE, GONE_BY_OPERATOR, UNKNOWN, UNREACHABLE
  }
}

/** The exit code the command executor reports in its message (`Command exited with status 3`). */
export function exitCodeOf(message: string | undefined): number | undefined {
  const m = /exited with status (\d+)/.exec(message ?? '');
  return m ? Number(m[1]) : undefined;
}
