/**
 * What the agent has not acknowledged yet, kept so a re-subscription can hand it back
 * (SUBSCRIBE's `unacknowledged_updates` and `unacknowledged_tasks`):
 *  - every status update, in the order sent, until ACKNOWLEDGED names its uuid;
 *  - every launched task until an update for it is acknowledged (so the agent does not mistake a
 *    task that was launched during its restart for one that never reached the executor).
 */
import type { TaskInfo, TaskStatus, executor } from '@agora/protocol';

export class UnacknowledgedLedger {
  /** uuid → update; a Map keeps insertion order, which is the order the updates were sent. */
  private readonly updatesByUuid = new Map<string, executor.Update>();
  private readonly tasksById = new Map<string, TaskInfo>();

  addTask(task: TaskInfo): void {
    this.tasksById.set(task.task_id.value, task);
  }

  addUpdate(status: TaskStatus): void {
    if (status.uuid === undefined) throw new Error('a status update without uuid cannot be acknowledged');
    this.updatesByUuid.set(status.uuid, { status });
  }

  /** Forgets the acknowledged update and its task. Returns whether the uuid was known. */
  acknowledge(taskId: string, uuid: string): boolean {
    this.tasksById.delete(taskId);
    return this.updatesByUuid.delete(uuid);
  }

  get updates(): executor.Update[] {
    return [...this.updatesByUuid.values()];
  }

  get tasks(): TaskInfo[] {
    return [...this.tasksById.values()];
  }

  /** The SUBSCRIBE payload. */
  subscribePayload(): executor.Subscribe {
    const payload: executor.Subscribe = {};
    if (this.updatesByUuid.size > 0) payload.unacknowledged_updates = this.updates;
    if (this.tasksById.size > 0) payload.unacknowledged_tasks = this.tasks;
    return payload;
  }
}
