/**
 * The executor driver: everything an executor needs to talk to its agent over the v1 executor
 * API (`POST /api/v1/executor`), so that an `Executor` only reacts to events and sends updates.
 *
 *   start ──SUBSCRIBE──▶ 200 + RecordIO stream ──events──▶ Executor callbacks
 *            ▲                         │ stream breaks
 *            │ checkpointing:          ├─ checkpoint: disconnected(), re-SUBSCRIBE (immediately, then
 *            │ random(0, BACKOFF_MAX)  │   every random(0, MESOS_SUBSCRIPTION_BACKOFF_MAX)) until
 *            └─────────────────────────┤   MESOS_RECOVERY_TIMEOUT, then shutdown()
 *                                      └─ otherwise: disconnected(), then shutdown()
 *
 * Contracts (Mesos's executor library, src/executor/executor.cpp, and the command executor):
 *  - Every status update is kept until ACKNOWLEDGED names its uuid, and every launched task until
 *    an update of it is acknowledged; each SUBSCRIBE carries both (`unacknowledged_updates`,
 *    `unacknowledged_tasks`), which is how nothing is lost across agent restarts.
 *  - UPDATE, MESSAGE and HEARTBEAT are separate POSTs answered by 202, sent one at a time in call
 *    order (like Mesos's single non-subscribe connection), so the agent sees updates in order.
 *    They are sent only while subscribed; updates made meanwhile travel in the next SUBSCRIBE.
 *  - A SUBSCRIBE the agent answers with an error (503 while it recovers, 404 before its routes
 *    exist) is retried every `subscribeRetryMs`. Failing to reach the agent at all before the
 *    first subscription gives up at once (shutdown), as in Mesos.
 *  - Malformed input from the agent (a record that is not an executor.Event, an event missing its
 *    payload) is reported through `error()`; a broken RecordIO framing counts as a broken stream.
 *    Nothing the agent sends makes the driver throw.
 *  - After `stop()` no callback runs and no request is started.
 */
import {
  RecordIODecoder,
  decodeBase64,
  decodeJson,
  encodeBase64,
  err,
  formatDecodeError,
  formatDurationMs,
  ok,
  validateExecutorCall,
  executor as api,
  type Result,
  type TaskInfo,
  type TaskStatus,
} from '@agora/protocol';
import type { Clock, Timer } from '@agora/runtime';
import { processClock } from './clock.ts';
import { parseExecutorEnvironment, type Environment, type EnvironmentError, type ExecutorConfig } from './environment.ts';
import type { Executor } from './executor.ts';
import { UnacknowledgedLedger } from './ledger.ts';
import { buildStatus, type StatusUpdateInput } from './status-update.ts';
import { fetchTransport, nodeHttpTransport, type EventStream, type ExecutorTransport, type FetchLike, type PendingSubscription } from './transport.ts';

/** Mesos's DEFAULT_HEARTBEAT_CALL_INTERVAL. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30 * 60_000;
/** How often a SUBSCRIBE the agent refused is retried (the command executor's reliable registration). */
export const DEFAULT_SUBSCRIBE_RETRY_MS = 1_000;

export type ExecutorDriverState =
  /** Created, `start()` not called yet. */
  | 'IDLE'
  /** Working on the first subscription. */
  | 'SUBSCRIBING'
  | 'SUBSCRIBED'
  /** The stream broke; a checkpointing executor is re-subscribing. */
  | 'RECOVERING'
  /** Gave up on the agent (shutdown was injected); updates are still kept, nothing is sent. */
  | 'DISCONNECTED'
  | 'STOPPED';

export interface ExecutorDriverOptions {
  /** The executor's environment: `process.env` for a process, the LAUNCH environment for a host instance. */
  env: Environment;
  /** The executor, or a factory that receives the driver (to send updates from its callbacks). */
  executor: Executor | ((driver: ExecutorDriver) => Executor);
  clock?: Clock;
  /** Use this `fetch` instead of the built-in node:http transport (see transport.ts for why that is the default). */
  fetch?: FetchLike;
  /** Interval of HEARTBEAT calls; default 30 min (Mesos). */
  heartbeatIntervalMs?: number;
  /** Delay before retrying a SUBSCRIBE the agent refused (e.g. 503 while recovering); default 1 s. */
  subscribeRetryMs?: number;
  /** Uniform [0, 1) numbers for the re-subscription backoff. */
  random?: () => number;
  /**
   * Runs once the shutdown grace period (MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD) has passed since
   * shutdown began and the driver was not stopped: Mesos's library kills the executor's process
   * group at that point; a process-mode executor exits, a host instance is destroyed.
   */
  onShutdownGraceExpired?: () => void;
  /** Diagnostics, one line each. */
  log?: (line: string) => void;
}

interface Outgoing {
  readonly call: api.Call;
  /** The connection generation it was queued on; a re-subscription makes it stale. */
  readonly generation: number;
}

export class ExecutorDriver {
  readonly config: ExecutorConfig;
  private readonly executor: Executor;
  private readonly clock: Clock;
  private readonly transport: ExecutorTransport;
  private readonly ledger = new UnacknowledgedLedger();
  private readonly heartbeatMs: number;
  private readonly subscribeRetryMs: number;
  private readonly random: () => number;
  private readonly onGraceExpired: (() => void) | undefined;
  private readonly log: (line: string) => void;

  private current: ExecutorDriverState = 'IDLE';
  /** Bumped on every (re)subscription attempt and disconnection: callbacks of older ones are ignored. */
  private generation = 0;
  /** The SUBSCRIBE in flight, then the open event stream. */
  private pending: PendingSubscription | undefined;
  private stream: EventStream | undefined;
  private retryTimer: Timer | undefined;
  private recoveryTimer: Timer | undefined;
  private heartbeatTimer: Timer | undefined;
  private graceTimer: Timer | undefined;
  private shutdownStarted = false;
  private readonly outbox: Outgoing[] = [];
  private sending = false;

  private constructor(config: ExecutorConfig, opts: ExecutorDriverOptions) {
    this.config = config;
    this.clock = opts.clock ?? processClock;
    this.transport = opts.fetch
      ? fetchTransport(config.agentUrl, opts.fetch, config.authenticationToken)
      : nodeHttpTransport(config.agentUrl, config.authenticationToken, config.domainSocket);
    this.heartbeatMs = opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.subscribeRetryMs = opts.subscribeRetryMs ?? DEFAULT_SUBSCRIBE_RETRY_MS;
    this.random = opts.random ?? Math.random;
    this.onGraceExpired = opts.onShutdownGraceExpired;
    this.log = opts.log ?? (() => undefined);
    this.executor = typeof opts.executor === 'function' ? opts.executor(this) : opts.executor;
  }

  /** Reads the environment; a missing or invalid variable is an error value naming it. */
  static create(opts: ExecutorDriverOptions): Result<ExecutorDriver, EnvironmentError> {
    const config = parseExecutorEnvironment(opts.env);
    return config.ok ? ok(new ExecutorDriver(config.value, opts)) : config;
  }

  get state(): ExecutorDriverState {
    return this.current;
  }

  private isStopped(): boolean {
    return this.current === 'STOPPED';
  }

  get unacknowledgedUpdates(): api.Update[] {
    return this.ledger.updates;
  }

  get unacknowledgedTasks(): TaskInfo[] {
    return this.ledger.tasks;
  }

  /** Subscribes to the agent. Idempotent. */
  start(): void {
    if (this.current !== 'IDLE') return;
    this.current = 'SUBSCRIBING';
    this.scheduleHeartbeat();
    void this.subscribe();
  }

  /** Closes the stream and cancels every timer; no callback runs afterwards. Idempotent. */
  stop(): void {
    if (this.current === 'STOPPED') return;
    this.current = 'STOPPED';
    this.generation++;
    this.closeConnection();
    for (const t of [this.retryTimer, this.recoveryTimer, this.heartbeatTimer, this.graceTimer]) t?.cancel();
    this.outbox.length = 0;
  }

  /**
   * Sends a status update (or keeps it for the next SUBSCRIBE when not subscribed). Fills `uuid`,
   * `timestamp`, `source` and `executor_id`; returns the complete status, or Mesos's validation
   * message for an update the agent would refuse (e.g. TASK_STAGING).
   */
  sendStatusUpdate(input: StatusUpdateInput): Result<TaskStatus, string> {
    if (this.current === 'STOPPED') return err('the executor driver is stopped');
    const status = buildStatus(input, this.config.executorId, this.clock.now());
    const call: api.Call = { ...this.ids(), type: 'UPDATE', update: { status } };
    const problem = validateExecutorCall(call);
    if (problem !== undefined) return err(problem);
    this.ledger.addUpdate(status);
    if (this.current === 'SUBSCRIBED') this.enqueue(call);
    return ok(status);
  }

  /** Sends bytes (a string is sent as its UTF-8) to the scheduler, best effort; only while subscribed. */
  sendFrameworkMessage(data: Uint8Array | string): Result<void, string> {
    if (this.current !== 'SUBSCRIBED') return err(`cannot send a framework message while ${this.current.toLowerCase()}`);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.enqueue({ ...this.ids(), type: 'MESSAGE', message: { data: encodeBase64(bytes) } });
    return ok(undefined);
  }

  // ───────────────────────────── subscription ─────────────────────────────

  private ids(): Pick<api.Call, 'executor_id' | 'framework_id'> {
    return { executor_id: { value: this.config.executorId }, framework_id: { value: this.config.frameworkId } };
  }

  private async subscribe(): Promise<void> {
    const generation = ++this.generation;
    const payload = this.ledger.subscribePayload();
    const included = new Set((payload.unacknowledged_updates ?? []).map((u) => u.status.uuid));
    const pending = this.transport.subscribe({ ...this.ids(), type: 'SUBSCRIBE', subscribe: payload });
    this.pending = pending;
    const res = await pending.result;
    if (generation !== this.generation) {
      if (res.ok) res.value.close();
      return;
    }
    this.pending = undefined;
    if (!res.ok) {
      this.subscribeFailed(res.error.status, res.error.message);
      return;
    }
    this.current = 'SUBSCRIBED';
    this.recoveryTimer?.cancel();
    this.recoveryTimer = undefined;
    // Updates made while the SUBSCRIBE was in flight were not in it: send them now.
    for (const update of this.ledger.updates) {
      if (!included.has(update.status.uuid)) this.enqueue({ ...this.ids(), type: 'UPDATE', update });
    }
    this.stream = res.value;
    this.read(generation, res.value);
  }

  /** Cancels the SUBSCRIBE in flight or closes the event stream. */
  private closeConnection(): void {
    this.pending?.cancel();
    this.pending = undefined;
    this.stream?.close();
    this.stream = undefined;
  }

  private subscribeFailed(status: number | undefined, message: string): void {
    if (status !== undefined) {
      // The agent is there but refused; 503 (recovering) and 404 (routes not up yet) are expected.
      const text = `Received '${status}' (${message}) for SUBSCRIBE`;
      if (status === 503 || status === 404) this.log(text);
      else this.reportError(`Received unexpected '${status}' (${message}) for SUBSCRIBE`);
      this.retryTimer = this.clock.setTimer(this.current === 'RECOVERING' ? this.backoffMs() : this.subscribeRetryMs, () => this.retry());
      return;
    }
    if (this.current === 'RECOVERING') {
      this.log(`Re-subscription failed: ${message}`);
      this.retryTimer = this.clock.setTimer(this.backoffMs(), () => this.retry());
      return;
    }
    this.giveUp(`Failed to connect to the agent at ${this.config.agentUrl}: ${message}`);
  }

  private retry(): void {
    this.retryTimer = undefined;
    if (this.current === 'SUBSCRIBING' || this.current === 'RECOVERING') void this.subscribe();
  }

  private backoffMs(): number {
    return Math.max(1, this.random() * this.config.subscriptionBackoffMaxMs);
  }

  /** Feeds the stream's chunks through RecordIO framing into `dispatch`. */
  private read(generation: number, stream: EventStream): void {
    const framing = new RecordIODecoder();
    const text = new TextDecoder();
    stream.start({
      data: (chunk) => {
        if (generation !== this.generation) return;
        const pushed = framing.push(chunk);
        for (const record of pushed.ok ? pushed.value : pushed.error.records) {
          const event = decodeJson(api.Event, text.decode(record));
          if (!event.ok) this.reportError(`Failed to de-serialize event: ${formatDecodeError(event.error)}`);
          else this.dispatch(event.value);
          if (generation !== this.generation) return;
        }
        if (!pushed.ok) this.connectionLost(generation, `Failed to read the event stream: ${pushed.error.message}`);
      },
      end: (reason) => {
        const tail = framing.end();
        const why = reason ?? (tail.ok ? 'End-Of-File received from agent: the agent closed the event stream' : `the event stream ended badly: ${tail.error.message}`);
        this.connectionLost(generation, why);
      },
    });
  }

  private connectionLost(generation: number, reason: string): void {
    if (generation !== this.generation || this.current === 'STOPPED') return;
    this.generation++;
    this.closeConnection();
    const wasSubscribed = this.current === 'SUBSCRIBED';
    this.log(`Disconnected from the agent: ${reason}`);
    if (wasSubscribed) this.invoke('disconnected', (e) => e.disconnected?.());
    if (this.isStopped()) return; // the callback may have stopped the driver
    if (!this.config.checkpoint) {
      this.giveUp(`${reason}; the framework does not checkpoint, so the executor shuts down`);
      return;
    }
    this.current = 'RECOVERING';
    if (this.recoveryTimer === undefined) {
      const timeout = this.config.recoveryTimeoutMs;
      this.recoveryTimer = this.clock.setTimer(timeout, () => {
        this.recoveryTimer = undefined;
        if (this.current === 'RECOVERING') this.giveUp(`Recovery timeout of ${formatDurationMs(timeout)} exceeded`);
      });
    }
    void this.subscribe();
  }

  /** No more attempts: shut the executor down, as Mesos's library does. */
  private giveUp(reason: string): void {
    this.log(`${reason}; shutting down`);
    this.generation++;
    this.closeConnection();
    this.retryTimer?.cancel();
    this.recoveryTimer?.cancel();
    this.current = 'DISCONNECTED';
    this.beginShutdown();
  }

  // ───────────────────────────── events ─────────────────────────────

  private dispatch(event: api.Event): void {
    switch (event.type) {
      case 'SUBSCRIBED': {
        const info = event.subscribed;
        if (info === undefined) return this.malformed('SUBSCRIBED', 'subscribed');
        this.invoke('subscribed', (e) => e.subscribed?.(info));
        return;
      }
      case 'LAUNCH': {
        const launch = event.launch;
        if (launch === undefined) return this.malformed('LAUNCH', 'launch');
        this.ledger.addTask(launch.task);
        this.invoke('launch', (e) => e.launch(launch.task));
        return;
      }
      case 'LAUNCH_GROUP': {
        const group = event.launch_group;
        if (group === undefined) return this.malformed('LAUNCH_GROUP', 'launch_group');
        for (const task of group.task_group.tasks ?? []) this.ledger.addTask(task);
        this.invoke('launchGroup', (e) => {
          if (e.launchGroup === undefined) throw new Error('this executor does not run task groups');
          return e.launchGroup(group.task_group);
        });
        return;
      }
      case 'KILL': {
        const kill = event.kill;
        if (kill === undefined) return this.malformed('KILL', 'kill');
        this.invoke('kill', (e) => e.kill(kill.task_id, kill.kill_policy));
        return;
      }
      case 'ACKNOWLEDGED': {
        const ack = event.acknowledged;
        if (ack === undefined) return this.malformed('ACKNOWLEDGED', 'acknowledged');
        if (!this.ledger.acknowledge(ack.task_id.value, ack.uuid)) this.log(`Acknowledgement of an unknown update ${ack.uuid} (task ${ack.task_id.value})`);
        this.invoke('acknowledged', (e) => e.acknowledged?.(ack.task_id, ack.uuid));
        return;
      }
      case 'MESSAGE': {
        const message = event.message;
        if (message === undefined) return this.malformed('MESSAGE', 'message');
        const data = decodeBase64(message.data) ?? new Uint8Array(0);
        this.invoke('message', (e) => e.message?.(data));
        return;
      }
      case 'ERROR': {
        const error = event.error;
        if (error === undefined) return this.malformed('ERROR', 'error');
        this.invoke('error', (e) => e.error?.(error.message));
        return;
      }
      case 'SHUTDOWN':
        this.beginShutdown();
        return;
      case 'HEARTBEAT':
        return;
      case 'UNKNOWN':
      case undefined:
        this.log(`Ignoring an event of ${event.type === undefined ? 'no (or an unknown)' : 'UNKNOWN'} type`);
        return;
    }
  }

  private malformed(type: string, field: string): void {
    this.reportError(`Malformed ${type} event: '${field}' is missing`);
  }

  /** SHUTDOWN from the agent, or injected: once, with the grace-period deadline armed. */
  private beginShutdown(): void {
    if (this.shutdownStarted || this.current === 'STOPPED') return;
    this.shutdownStarted = true;
    this.graceTimer = this.clock.setTimer(this.config.shutdownGracePeriodMs, () => {
      this.graceTimer = undefined;
      if (this.current !== 'STOPPED') this.onGraceExpired?.();
    });
    this.invoke('shutdown', (e) => e.shutdown());
  }

  private reportError(message: string): void {
    this.log(message);
    this.invoke('error', (e) => e.error?.(message));
  }

  /** Runs a callback; a throw or rejection becomes an `error()` (or a log line, for `error` itself). */
  private invoke(name: keyof Executor, fn: (e: Executor) => unknown): void {
    if (this.current === 'STOPPED') return;
    const failed = (cause: unknown) => {
      const text = `Executor.${name} failed: ${cause instanceof Error ? cause.message : String(cause)}`;
      if (name === 'error') this.log(text);
      else this.reportError(text);
    };
    try {
      const r = fn(this.executor);
      if (r instanceof Promise) r.catch(failed);
    } catch (e) {
      failed(e);
    }
  }

  // ───────────────────────────── outgoing calls ─────────────────────────────

  private enqueue(call: api.Call): void {
    this.outbox.push({ call, generation: this.generation });
    if (!this.sending) void this.pump();
  }

  private async pump(): Promise<void> {
    this.sending = true;
    try {
      for (let next = this.outbox.shift(); next !== undefined; next = this.outbox.shift()) {
        if (next.generation !== this.generation || this.current !== 'SUBSCRIBED') continue;
        let res = await this.transport.post(next.call);
        // A kept-alive socket the agent had just closed fails before the request is read: retry
        // once. A duplicate UPDATE is harmless (same uuid).
        if (!res.ok && res.error.status === undefined && next.generation === this.generation) res = await this.transport.post(next.call);
        if (res.ok || next.generation !== this.generation) continue;
        const { status, message } = res.error;
        if (status === undefined || status === 503 || status === 404) this.log(`${next.call.type} failed: ${status ?? ''} ${message}`);
        else this.reportError(`Received unexpected '${status}' (${message}) for ${next.call.type}`);
      }
    } finally {
      this.sending = false;
    }
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.clock.setTimer(this.heartbeatMs, () => {
      if (this.current === 'STOPPED') return;
      if (this.current === 'SUBSCRIBED') this.enqueue({ ...this.ids(), type: 'HEARTBEAT' });
      this.scheduleHeartbeat();
    });
  }
}
