/**
 * Where a status update stream is made durable. Checkpointing (a later issue) implements this
 * with an append-only file per task, as Mesos's `task.updates`; until then streams of
 * checkpointing frameworks use the in-memory store, which keeps nothing.
 *
 * Contract: calls are synchronous (like Mesos's blocking checkpoint writes), so the manager's
 * order of "record, then acknowledge to the executor" needs no awaiting; a failure is a value and
 * leaves the manager's in-memory stream untouched.
 */
import { ok, type Result, type internal } from '@agora/protocol';

export interface StreamKey {
  readonly frameworkId: string;
  readonly taskId: string;
  /** Set for updates that came through an executor (checkpointed under its run directory). */
  readonly executorId?: string;
  readonly containerId?: string;
}

export interface StatusUpdateStore {
  /** Records an update before the manager queues it. */
  recordUpdate(key: StreamKey, update: internal.StatusUpdate): Result<void, string>;
  /** Records the framework's acknowledgement of the update with this uuid. */
  recordAck(key: StreamKey, uuid: string): Result<void, string>;
  /** The stream ended (its terminal update was acknowledged); its records may go. */
  remove(key: StreamKey): void;
}

/** Keeps nothing: streams live only in memory. */
export const MEMORY_STORE: StatusUpdateStore = {
  recordUpdate: () => ok(undefined),
  recordAck: () => ok(undefined),
  remove: () => {},
};
