/**
 * The agent's bookkeeping of frameworks, executors and tasks (Mesos's Framework and Executor in
 * slave.hpp). Owned and mutated only by AgentCore, synchronously.
 *
 * A task moves:  queued (executor not subscribed yet) → launched (LAUNCH sent; state from its
 * updates) → terminated (terminal state, update not yet acknowledged) → completed (bounded list).
 */
import {
  isTerminalState, type executor, type ExecutorInfo, type FrameworkInfo, type Task, type TaskGroupInfo, type TaskInfo,
  type TaskState, type TaskStatus, type TaskStatusReason,
} from '@agora/protocol';
import type { Timer } from '@agora/runtime';
import type { ExecutorKind } from '../containerizer/containerizer.ts';

/** An executor's event stream: an HTTP subscription, or an emulated executor. */
export interface ExecutorSink {
  send(event: executor.Event): void;
  close(): void;
  readonly closed: boolean;
}

export type ExecutorState = 'REGISTERING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED';

/**
 * The URIs of a group's tasks being fetched into their task sandboxes (group-fetch.ts): the group
 * stays queued, undeliverable, until they are. `started` is false while the sandbox is being made.
 */
export interface GroupFetch {
  readonly controller: AbortController;
  started: boolean;
}

export type QueuedItem = { kind: 'task'; task: TaskInfo } | { kind: 'group'; group: TaskGroupInfo; fetch?: GroupFetch };

export interface ExecutorRecord {
  readonly id: string;
  readonly frameworkId: string;
  info: ExecutorInfo;
  readonly kind: ExecutorKind;
  readonly containerId: string;
  readonly directory: string;
  state: ExecutorState;
  /** Tasks and groups not yet delivered, in arrival order. */
  queued: QueuedItem[];
  launched: Map<string, Task>;
  terminated: Map<string, Task>;
  completed: Task[];
  connection: ExecutorSink | undefined;
  pid: number | undefined;
  /** Why the container ended, for the updates of tasks still active then (state: TASK_FAILED unless given). */
  termination: { reason: TaskStatusReason; message: string; state?: TaskState } | undefined;
  /** Set from creation until its sandbox exists (its groups' URIs are fetched into it after). */
  sandboxPending?: boolean;
  /** Recovered after an agent restart and not yet re-subscribed. */
  recovered?: boolean;
  /** KILLs that arrived while the executor was not connected, sent when it subscribes. */
  pendingKills?: Map<string, executor.Kill['kill_policy']>;
  registrationTimer: Timer | undefined;
  shutdownTimer: Timer | undefined;
  exitStatus: number | undefined;
}

export interface FrameworkRecord {
  readonly id: string;
  info: FrameworkInfo;
  state: 'RUNNING' | 'TERMINATING';
  executors: Map<string, ExecutorRecord>;
  completedExecutors: ExecutorRecord[];
  /** Which executor holds each task not yet completed (an index over the executors' lists). */
  tasks: Map<string, ExecutorRecord>;
}

export const MAX_COMPLETED_TASKS_PER_EXECUTOR = 200;
export const MAX_COMPLETED_FRAMEWORKS = 50;
/** Statuses kept per task (the newest), without their `data`. */
export const MAX_STATUSES_PER_TASK = 10;

/** The Task record for a TaskInfo (Mesos's protobuf::createTask). */
export function taskFromInfo(info: TaskInfo, state: Task['state'], frameworkId: string, executorId: string | undefined): Task {
  const t: Task = {
    name: info.name,
    task_id: info.task_id,
    framework_id: { value: frameworkId },
    agent_id: info.agent_id,
    state,
    resources: info.resources,
  };
  if (executorId !== undefined) t.executor_id = { value: executorId };
  if (info.labels !== undefined) t.labels = info.labels;
  if (info.discovery !== undefined) t.discovery = info.discovery;
  if (info.container !== undefined) t.container = info.container;
  if (info.health_check !== undefined) t.health_check = info.health_check;
  if (info.kill_policy !== undefined) t.kill_policy = info.kill_policy;
  if (info.limits !== undefined) t.limits = info.limits;
  const user = info.command?.user;
  if (user !== undefined) t.user = user;
  return t;
}

export function queuedTaskInfos(e: ExecutorRecord): TaskInfo[] {
  return e.queued.flatMap((q) => (q.kind === 'task' ? [q.task] : (q.group.tasks ?? [])));
}

/** The queued item holding this task, if any. */
export function findQueued(e: ExecutorRecord, taskId: string): QueuedItem | undefined {
  return e.queued.find((q) => (q.kind === 'task' ? q.task.task_id.value === taskId : (q.group.tasks ?? []).some((t) => t.task_id.value === taskId)));
}

/** Tasks not yet completed: queued, launched, or terminated and unacknowledged. */
export function hasIncompleteTasks(e: ExecutorRecord): boolean {
  return e.queued.length > 0 || e.launched.size > 0 || e.terminated.size > 0;
}

/**
 * Applies a status to the executor's tasks (Mesos's Executor::updateTaskState): the state and a
 * status are recorded; a terminal state moves the task to `terminated`. A queued task that gets a
 * terminal state (killed or failed before delivery) becomes a terminated Task.
 */
export function applyStatus(e: ExecutorRecord, status: TaskStatus): Task | undefined {
  const id = status.task_id.value;
  const terminal = isTerminalState(status.state);
  let task = e.launched.get(id) ?? e.terminated.get(id);
  if (!task) {
    const item = findQueued(e, id);
    if (!item || !terminal) return undefined;
    const info = item.kind === 'task' ? item.task : item.group.tasks!.find((t) => t.task_id.value === id)!;
    task = taskFromInfo(info, status.state, e.frameworkId, e.id);
    removeQueuedTask(e, id);
    e.terminated.set(id, task);
  } else if (terminal && e.launched.has(id)) {
    e.launched.delete(id);
    e.terminated.set(id, task);
  }
  task.state = status.state;
  const kept: TaskStatus = { ...status };
  delete kept.data;
  const statuses = [...(task.statuses ?? []), kept];
  task.statuses = statuses.length > MAX_STATUSES_PER_TASK ? statuses.slice(-MAX_STATUSES_PER_TASK) : statuses;
  return task;
}

/** Removes one task from the queue (from its group, dropping the group when it empties). */
export function removeQueuedTask(e: ExecutorRecord, taskId: string): void {
  const out: QueuedItem[] = [];
  for (const q of e.queued) {
    if (q.kind === 'task') {
      if (q.task.task_id.value !== taskId) out.push(q);
    } else {
      const tasks = (q.group.tasks ?? []).filter((t) => t.task_id.value !== taskId);
      if (tasks.length > 0) out.push(tasks.length === (q.group.tasks ?? []).length ? q : { ...q, group: { ...q.group, tasks } });
    }
  }
  e.queued = out;
}

/** The acknowledged terminal task moves to the bounded completed list. */
export function completeTask(e: ExecutorRecord, taskId: string): boolean {
  const task = e.terminated.get(taskId);
  if (!task) return false;
  e.terminated.delete(taskId);
  e.completed.push(task);
  if (e.completed.length > MAX_COMPLETED_TASKS_PER_EXECUTOR) e.completed.shift();
  return true;
}
