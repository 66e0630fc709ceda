/**
 * The master's record of a launched task. `task` is the wire `Task` message exactly as GET_TASKS
 * and the operator event stream emit it; the rest is bookkeeping the wire form does not carry.
 */
import { isTerminalState, type Task, type TaskState, type TaskStatus } from '@agora/protocol';
import type { Resources } from '@agora/resources';

/** Statuses kept per task (the first and the newest ones); health checks can send thousands. */
const MAX_STATUSES = 16;

export interface TaskRecord {
  readonly task: Task;
  readonly resources: Resources;
  readonly role: string;
  /** Resources have been returned to the allocator (at the first terminal state). */
  released: boolean;
  /** When the task's agent became unreachable (ms), while it sits in `unreachable_tasks`. */
  unreachableAt?: number;
}

export const taskKey = (frameworkId: string, taskId: string) => `${frameworkId}\u0000${taskId}`;

/** The state the framework should hear about on reconciliation: the unacknowledged one, else the latest. */
export const reportedState = (t: Task): TaskState => t.status_update_state ?? t.state;

export function isActive(t: TaskRecord): boolean {
  return !isTerminalState(t.task.state);
}

/**
 * Applies a status to the record. `latestState` is the agent's newest known state (it may be
 * ahead of `status.state` while older updates wait for acknowledgement).
 */
export function applyStatus(t: TaskRecord, status: TaskStatus, latestState: TaskState | undefined): void {
  const task = t.task as { -readonly [K in keyof Task]: Task[K] };
  task.state = latestState ?? status.state;
  if (status.uuid !== undefined) {
    task.status_update_state = status.state;
    task.status_update_uuid = status.uuid;
  }
  // Mesos keeps statuses without their `data` payload.
  const kept: TaskStatus = { ...status };
  delete (kept as { data?: string }).data;
  const statuses = (task.statuses ??= []);
  statuses.push(kept);
  if (statuses.length > MAX_STATUSES) statuses.splice(1, statuses.length - MAX_STATUSES);
}
