/**
 * The URIs of a task group's own tasks (`TaskInfo.command.uris`), fetched by the agent into each
 * task's sandbox, `<executor sandbox>/tasks/<task_id>`, before LAUNCH_GROUP reaches the executor
 * (Mesos fetches them when the default executor launches the task's nested container; Agora's
 * default executor runs its tasks itself and finds the directory already there).
 *
 * Contracts:
 *  - The group waits in the executor's queue, marked with its `GroupFetch`, and is delivered only
 *    once every task's URIs are in place: at once if the executor is subscribed, else when it
 *    subscribes. Fetching starts once the executor's sandbox exists; the tasks fetch in parallel.
 *  - A failed fetch fails the whole group, each task TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED
 *    and "Failed to launch container: Failed to fetch '<uri>': <why>" (as for executor URIs); the
 *    other tasks' fetches are cancelled. An executor left without any task is shut down.
 *  - Killing a task of the group, shutting the executor down or its container ending cancels the
 *    fetch (`cancelFetches`); a result that arrives after that changes nothing.
 *  - The core stays the one owner of its state: results come back as synchronous calls that look
 *    the group up again (by its GroupFetch) before touching anything.
 */
import { err, ok, type CommandInfoURI, type Result, type TaskInfo } from '@agora/protocol';
import type { AgentCore } from './agent-core.ts';
import { deliver, shutdownExecutor } from './executor-lifecycle.ts';
import type { ExecutorRecord, FrameworkRecord, GroupFetch, QueuedItem } from './model.ts';

/** One task's URIs into `<sandbox>/tasks/<taskId>` (created if missing); the agent's Fetcher does it. */
export interface TaskUriFetch {
  uris: readonly CommandInfoURI[];
  /** The executor's sandbox. */
  sandbox: string;
  taskId: string;
  /** The task's user, when the agent switches users (root). */
  user?: string;
  signal: AbortSignal;
  containerId: string;
}

export type FetchTaskUris = (request: TaskUriFetch) => Promise<Result<unknown, string>>;

export const hasUris = (task: TaskInfo): boolean => (task.command?.uris?.length ?? 0) > 0;

type GroupItem = Extract<QueuedItem, { kind: 'group' }>;

/** Queues a group whose tasks have URIs; their fetch starts now if the executor's sandbox exists. */
export function queueFetchingGroup(core: AgentCore, fw: FrameworkRecord, ex: ExecutorRecord, item: GroupItem): void {
  item.fetch = { controller: new AbortController(), started: false };
  ex.queued.push(item);
  if (!ex.sandboxPending) startFetch(core, fw, ex, item.fetch);
}

/** The executor's sandbox now exists: groups queued while it was being made start fetching. */
export function sandboxReady(core: AgentCore, fw: FrameworkRecord, ex: ExecutorRecord): void {
  ex.sandboxPending = false;
  for (const q of ex.queued) if (q.kind === 'group' && q.fetch && !q.fetch.started) startFetch(core, fw, ex, q.fetch);
}

/** Cancels the fetches of the executor's queued groups (or only of the group holding `taskId`). */
export function cancelFetches(ex: ExecutorRecord, taskId?: string): void {
  for (const q of ex.queued) {
    if (q.kind !== 'group' || !q.fetch) continue;
    if (taskId === undefined || (q.group.tasks ?? []).some((t) => t.task_id.value === taskId)) q.fetch.controller.abort();
  }
}

/** Whether the item may be delivered (nothing of it is still being fetched). */
export const deliverable = (item: QueuedItem): boolean => item.kind === 'task' || item.fetch === undefined;

function startFetch(core: AgentCore, fw: FrameworkRecord, ex: ExecutorRecord, fetch: GroupFetch): void {
  fetch.started = true;
  const item = find(ex, fetch)!;
  const fetchTaskUris = core.deps.fetchTaskUris;
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const run = async (): Promise<Result<unknown, string>> => {
    if (!fetchTaskUris) return err('this agent does not fetch URIs');
    const tasks = (item.group.tasks ?? []).filter(hasUris);
    // The first failure cancels the others (they share the signal) and is the one reported.
    let failure: string | undefined;
    await Promise.all(tasks.map(async (task) => {
      // The default executor's choice: the task's user, else the framework's.
      const user = core.config.switchUser && asRoot ? (task.command?.user ?? fw.info.user) : undefined;
      const r = await fetchTaskUris({
        uris: task.command!.uris!, sandbox: ex.directory, taskId: task.task_id.value, signal: fetch.controller.signal, containerId: ex.containerId,
        ...(user !== undefined && user !== 'root' ? { user } : {}),
      });
      if (!r.ok && failure === undefined) {
        failure = r.error;
        fetch.controller.abort();
      }
    }));
    return failure === undefined ? ok(undefined) : err(failure);
  };
  const done: Promise<void> = run()
    .then((r) => core.guard('task URIs fetched', () => fetched(core, ex, fetch, r)))
    .catch((e: unknown) => core.logger.error({ err: e, executorId: ex.id }, 'bug: fetching the URIs of a task group failed'))
    .finally(() => core.pendingExits.delete(done));
  core.pendingExits.add(done);
}

const find = (ex: ExecutorRecord, fetch: GroupFetch): GroupItem | undefined =>
  ex.queued.find((q): q is GroupItem => q.kind === 'group' && q.fetch === fetch);

function fetched(core: AgentCore, ex: ExecutorRecord, fetch: GroupFetch, r: Result<unknown, string>): void {
  const item = find(ex, fetch);
  // Killed, shut down or ended meanwhile: whoever did that has reported the tasks.
  if (!item || ex.state === 'TERMINATING' || ex.state === 'TERMINATED') return;
  if (r.ok) {
    delete item.fetch;
    if (ex.state === 'RUNNING' && ex.connection && !ex.connection.closed) {
      ex.queued = ex.queued.filter((q) => q !== item);
      deliver(core, ex, item);
    }
    return;
  }
  core.counters.containerLaunchErrors++;
  core.logger.warn({ executorId: ex.id, containerId: ex.containerId, error: r.error }, "failed to fetch the URIs of a task group's tasks");
  const ids = (item.group.tasks ?? []).map((t) => t.task_id.value);
  for (const id of ids) core.agentUpdate(ex.frameworkId, id, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', `Failed to launch container: ${r.error}`, ex);
  // An executor that never had any other task has nothing to do (as MESOS-8411 for kills).
  const onlyThese = ex.completed.length === 0 && [...ex.terminated.keys()].every((id) => ids.includes(id));
  if (ex.queued.length === 0 && ex.launched.size === 0 && onlyThese) shutdownExecutor(core, ex);
}
