/**
 * The master's record of a launched task. `task` is the wire `Task` message exactly as GET_TASKS
 * and the operator event stream emit it; the rest is bookkeeping the wire form does not carry.
 */
import { isTerminalState, type Task, type TaskState, type TaskStatus } from '@agora/protocol';
import type { Resources } from '@agora/resources';

/** Statuses kept per task (the first and the newest ones); health checks can send thousands. */
const MAX_STATUSES = 16;

/**
 * `task.resources` is not stored (the `resources` value holds them, often shared by many tasks);
 * `taskView` adds them back for output. IDs inside `task` and its statuses are shared objects.
 */
export interface TaskRecord {
  readonly task: Task;
  readonly resources: Resources;
  readonly role: string;
  /** Resources have been returned to the allocator (at the first terminal state). */
  released: boolean;
  /** When the task's agent became unreachable (ms), while it sits in `unreachable_tasks`. */
  unreachableAt?: number;
}

/** The wire `Task` (GET_TASKS, operator events) with its resources in the ENDPOINT format. */
export function taskView(t: TaskRecord): Task {
  return t.resources.isEmpty() ? t.task : { ...t.task, resources: t.resources.toProto('ENDPOINT') };
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
  // Mesos keeps statuses without their `data` payload. The IDs point at the task's own objects,
  // so a status costs only its own fields.
  const kept: TaskStatus = { ...status, task_id: task.task_id };
  delete (kept as { data?: string }).data;
  if (kept.agent_id?.value === task.agent_id.value) kept.agent_id = task.agent_id;
  if (kept.executor_id !== undefined) {
    const eid = kept.executor_id.value;
    // A command task's executor ID is its task ID.
    if (task.executor_id?.value === eid) kept.executor_id = task.executor_id;
    else if (task.task_id.value === eid) kept.executor_id = task.task_id;
  }
  const statuses = task.statuses ?? [];
  const previous = statuses[statuses.length - 1]?.container_status;
  if (previous && kept.container_status && sameJson(previous, kept.container_status)) kept.container_status = previous;
  // Exact-size arrays: a task usually has 2 or 3 statuses.
  // (concat allocates exactly; push() and spread reserve ~17 spare slots.)
  task.statuses = statuses.length < MAX_STATUSES ? statuses.concat([kept]) : [statuses[0]!].concat(statuses.slice(statuses.length - MAX_STATUSES + 2), [kept]);
}

const sameJson = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);
