/**
 * The status update manager (Mesos's TaskStatusUpdateManager): reliable, ordered delivery of
 * task status updates from the agent to the master.
 *
 * Contracts:
 *  - One stream per (framework, task). Only the head of a stream is in flight; the next update is
 *    forwarded when the head is acknowledged, so the framework sees each task's updates in order.
 *  - The head is re-sent after `retryMinMs`, doubling up to `retryMaxMs`, until an
 *    acknowledgement with its uuid arrives. There is no limit on retries (as in Mesos).
 *  - An update whose uuid was already received or acknowledged is a duplicate: it is not queued
 *    again (`update` answers `false`, so the caller may re-acknowledge it to the executor).
 *  - Every forwarded update carries `latest_state`: the newest state queued in its stream.
 *  - Acknowledging a terminal update ends the stream; a later update for the same task starts a
 *    new one (Mesos forwards a duplicate terminal update that arrives after the ack).
 *  - While paused (no master) nothing is forwarded; `resume` re-sends the head of every stream.
 *  - Streams of checkpointing frameworks are recorded through the store (update before it is
 *    queued, acknowledgement before it is applied) and restored with `recover` after a restart.
 *  - Synchronous and single-owner: all timers come from the injected clock.
 */
import { decodeBase64, err, isTerminalState, ok, type Result, type internal } from '@agora/protocol';
import type { Clock, Timer } from '@agora/runtime';
import { MEMORY_STORE, type StatusUpdateStore, type StreamKey } from './store.ts';

type StatusUpdate = internal.StatusUpdate;

export interface StatusUpdateManagerOptions {
  clock: Clock;
  retryMinMs: number;
  retryMaxMs: number;
  /** Sends one update to the master. Called only while resumed. */
  forward: (update: StatusUpdate) => void;
  store?: StatusUpdateStore;
  /** A stream holding this many unacknowledged updates refuses more (a runaway executor). */
  maxPendingPerStream?: number;
}

export interface Acknowledged {
  /** The update that was acknowledged. */
  update: StatusUpdate;
  /** True when it was terminal: the stream has ended. */
  terminal: boolean;
}

interface Stream {
  key: StreamKey;
  checkpoint: boolean;
  pending: StatusUpdate[];
  received: Set<string>;
  acknowledged: Set<string>;
  timer: Timer | undefined;
}

/** Canonical key of a uuid given as base64 (padding and alphabet variants compare equal). */
export function uuidKey(b64: string): string | undefined {
  const bytes = decodeBase64(b64);
  if (bytes === undefined) return undefined;
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

const streamId = (frameworkId: string, taskId: string) => `${frameworkId}\u0000${taskId}`;

export class StatusUpdateManager {
  private readonly streams = new Map<string, Stream>();
  private paused = true;
  private readonly store: StatusUpdateStore;
  private readonly maxPending: number;

  constructor(private readonly opts: StatusUpdateManagerOptions) {
    this.store = opts.store ?? MEMORY_STORE;
    this.maxPending = opts.maxPendingPerStream ?? 10_000;
  }

  /**
   * Accepts an update (which must carry a uuid). `ok(true)`: queued (and forwarded if it is the
   * head); `ok(false)`: a duplicate, ignored; `err`: refused (nothing changed).
   */
  update(update: StatusUpdate, where: { checkpoint?: boolean; executorId?: string; containerId?: string } = {}): Result<boolean, string> {
    const uuid = update.uuid ?? update.status.uuid;
    const key = uuid === undefined ? undefined : uuidKey(uuid);
    if (key === undefined) return err('status update is missing a valid uuid');
    const frameworkId = update.framework_id.value;
    const taskId = update.status.task_id.value;
    const id = streamId(frameworkId, taskId);
    let stream = this.streams.get(id);
    const created = stream === undefined;
    if (!stream) {
      stream = {
        key: { frameworkId, taskId, executorId: where.executorId, containerId: where.containerId },
        checkpoint: where.checkpoint ?? false,
        pending: [],
        received: new Set(),
        acknowledged: new Set(),
        timer: undefined,
      };
    }
    if (stream.acknowledged.has(key) || stream.received.has(key)) return ok(false);
    if (stream.pending.length >= this.maxPending) return err(`task ${taskId} already has ${this.maxPending} unacknowledged status updates`);
    if (stream.checkpoint) {
      const recorded = this.store.recordUpdate(stream.key, update);
      if (!recorded.ok) return err(`failed to checkpoint the status update: ${recorded.error}`);
    }
    if (created) this.streams.set(id, stream);
    stream.received.add(key);
    stream.pending.push({ ...update, uuid });
    if (!this.paused && stream.pending.length === 1) this.forward(stream, this.opts.retryMinMs);
    return ok(true);
  }

  /** The framework acknowledged the update with `uuid` (base64). Unknown or stale acks are errors. */
  acknowledgement(frameworkId: string, taskId: string, uuid: string): Result<Acknowledged, string> {
    const stream = this.streams.get(streamId(frameworkId, taskId));
    if (!stream) return err(`Cannot find the status update stream for task ${taskId} of framework ${frameworkId}`);
    const key = uuidKey(uuid);
    if (key === undefined) return err(`invalid uuid in the acknowledgement for task ${taskId}`);
    if (stream.acknowledged.has(key)) return err(`Duplicate status update acknowledgement for task ${taskId} of framework ${frameworkId}`);
    const head = stream.pending[0];
    if (!head || uuidKey(head.uuid!) !== key) {
      return err(`Unexpected status update acknowledgement for task ${taskId} of framework ${frameworkId}`);
    }
    if (stream.checkpoint) {
      const recorded = this.store.recordAck(stream.key, uuid);
      if (!recorded.ok) return err(`failed to checkpoint the acknowledgement: ${recorded.error}`);
    }
    stream.acknowledged.add(key);
    stream.pending.shift();
    stream.timer?.cancel();
    stream.timer = undefined;
    const terminal = isTerminalState(head.status.state);
    if (terminal) {
      this.remove(stream);
    } else if (!this.paused && stream.pending.length > 0) {
      this.forward(stream, this.opts.retryMinMs);
    }
    return ok({ update: head, terminal });
  }

  /**
   * Restores a checkpointed stream after an agent restart (nothing is written back): `received`
   * and `acknowledged` are the uuid keys seen before, `pending` the updates still unacknowledged,
   * in order (possibly none: the uuids still catch duplicates). The head is forwarded on
   * `resume`, like any stream. A completed stream (terminal update acknowledged) is not restored.
   */
  recover(key: StreamKey, pending: readonly StatusUpdate[], received: Iterable<string>, acknowledged: Iterable<string>): void {
    const id = streamId(key.frameworkId, key.taskId);
    this.streams.get(id)?.timer?.cancel();
    const stream: Stream = {
      key,
      checkpoint: true,
      pending: pending.map((u) => ({ ...u, uuid: u.uuid ?? u.status.uuid })),
      received: new Set(received),
      acknowledged: new Set(acknowledged),
      timer: undefined,
    };
    this.streams.set(id, stream);
    if (!this.paused && stream.pending.length > 0) this.forward(stream, this.opts.retryMinMs);
  }

  /** Stops forwarding (the master is gone); queued updates wait. */
  pause(): void {
    this.paused = true;
    for (const s of this.streams.values()) {
      s.timer?.cancel();
      s.timer = undefined;
    }
  }

  /** Starts forwarding again, re-sending the head of every stream. */
  resume(): void {
    this.paused = false;
    for (const s of this.streams.values()) {
      s.timer?.cancel();
      s.timer = undefined;
      if (s.pending.length > 0) this.forward(s, this.opts.retryMinMs);
    }
  }

  /** Forgets every stream of a framework (the framework was removed). */
  cleanup(frameworkId: string): void {
    for (const s of [...this.streams.values()]) if (s.key.frameworkId === frameworkId) this.remove(s);
  }

  /** The update of this task waiting for acknowledgement (the head of its stream). */
  head(frameworkId: string, taskId: string): StatusUpdate | undefined {
    return this.streams.get(streamId(frameworkId, taskId))?.pending[0];
  }

  hasStream(frameworkId: string, taskId: string): boolean {
    return this.streams.has(streamId(frameworkId, taskId));
  }

  get streamCount(): number {
    return this.streams.size;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Cancels every timer (the agent is stopping). */
  close(): void {
    this.pause();
  }

  private forward(stream: Stream, intervalMs: number): void {
    const head = stream.pending[0];
    if (!head) return;
    const latest = stream.pending[stream.pending.length - 1]!.status.state;
    this.opts.forward({ ...head, latest_state: latest });
    stream.timer = this.opts.clock.setTimer(intervalMs, () => {
      stream.timer = undefined;
      if (this.paused || this.streams.get(streamId(stream.key.frameworkId, stream.key.taskId)) !== stream) return;
      this.forward(stream, Math.min(intervalMs * 2, this.opts.retryMaxMs));
    });
  }

  private remove(stream: Stream): void {
    stream.timer?.cancel();
    stream.timer = undefined;
    this.streams.delete(streamId(stream.key.frameworkId, stream.key.taskId));
    if (stream.checkpoint) this.store.remove(stream.key);
  }
}
