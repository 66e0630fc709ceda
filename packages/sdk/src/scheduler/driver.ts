/**
 * SchedulerDriver: one framework's connection to the master over the v1 scheduler API.
 *
 *   detect leader ──▶ POST SUBSCRIBE ──200──▶ read RecordIO events ──▶ Scheduler callbacks
 *        ▲               │ 307: follow Location          │ ERROR: stop, `error()`
 *        │               │ 503/5xx/network: back off     │ stream ends / silent for
 *        └── backoff ◀───┘ other 4xx: stop, `error()`    │ heartbeatMisses × interval:
 *              ▲                                          ▼ `disconnected()`, re-subscribe
 *              └───────────────────────────────────────────┘ with the FrameworkID
 *
 * Every other call is a separate POST carrying `Mesos-Stream-Id` and the `framework_id`; the
 * answer is a `Result` (202 expected, 200 for UPDATE_FRAMEWORK), never an exception. Time comes
 * from an injectable `Clock` and HTTP from an injectable `fetch`, so tests can script both.
 */
import { userInfo } from 'node:os';
import {
  encodeJson, err, readJsonRecords, scheduler, type ExecutorInfo, type Result, type FrameworkInfo, type KillPolicy,
  type Offer, type OfferOperation, type OperationStatus, type ResourceRequest, type TaskInfo, type TaskStatus,
} from '@agora/protocol';
import { Limiter, systemClock, type Clock, type Timer } from '@agora/runtime';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import {
  acceptCall, acceptInverseOffersCall, acknowledgeCall, acknowledgeOperationCall, declineCall, declineInverseOffersCall,
  killCall, launchGroupOperation, launchOperation, messageCall, reconcileCall, requestCall, reviveCall, shutdownCall,
  subscribeCall, suppressCall, teardownCall, updateFrameworkCall, type CallBody, type FiltersInput, type ReconcileTaskInput,
  type UpdateFrameworkOptions,
} from './calls.ts';
import { describeFetchError, originOfLocation, type MasterDetector } from './detector.ts';
import { detectorFor } from './detector-for.ts';
import { deliverEvent } from './events.ts';
import { postCall, type CallResult, type HttpCallOptions } from './http-call.ts';
import type { IdLike } from './ids.ts';
import type { Scheduler, SchedulerSubscribedInfo } from './scheduler.ts';

export type { CallError, CallReply, CallResult } from './http-call.ts';

export const SCHEDULER_PATH = '/api/v1/scheduler';

/** FrameworkInfo as a framework author writes it: defaults filled by the driver. */
export type FrameworkInfoInput = Omit<FrameworkInfo, 'user' | 'failover_timeout' | 'checkpoint'> & {
  /** Default: the current OS user. */
  user?: string;
  failover_timeout?: number;
  checkpoint?: boolean;
};

export interface SchedulerDriverOptions {
  /** `host:port`, `http://host:port`, another address `detectorFor` knows (zk://…), or a detector. */
  master: string | MasterDetector;
  framework: FrameworkInfoInput;
  scheduler: Scheduler;
  /** Acknowledge updates after `update()` returns (default true). */
  implicitAcknowledgements?: boolean;
  suppressedRoles?: readonly string[];
  offerConstraints?: scheduler.OfferConstraints;
  clock?: Clock;
  fetch?: typeof fetch;
  backoff?: Partial<BackoffOptions>;
  /** Silence tolerated, in heartbeat intervals, before the connection is dropped (default 5). */
  heartbeatMisses?: number;
  /** Heartbeat interval assumed until SUBSCRIBED names one (default 15 s, Mesos's). */
  defaultHeartbeatSeconds?: number;
  /** Timeout of each call (default 75 s, as Mesos advises). */
  requestTimeoutMs?: number;
  /** Retries of a call answered 503 (default 3). */
  callRetries?: number;
  /** Calls in flight at once; the rest queue in order (default 32). */
  maxConcurrentCalls?: number;
  /** 307 hops followed per request (default 5). */
  maxRedirects?: number;
  /**
   * Told why a (re)subscription attempt failed and when the next one is made — for logs and
   * progress output; the driver retries on its own either way.
   */
  onRetry?: (reason: string, delayMs: number) => void;
}

export type DriverState = 'idle' | 'connecting' | 'subscribed' | 'stopped';

export type StopReason =
  | { readonly reason: 'stopped' }
  | { readonly reason: 'teardown' }
  /** An ERROR event, or a SUBSCRIBE refused with a non-retriable status. */
  | { readonly reason: 'error'; readonly message: string };

interface Connection {
  readonly controller: AbortController;
  /** Base URL of the master the stream is attached to. */
  base: string;
  streamId: string | undefined;
  watchdog: Timer | undefined;
  aborted: boolean;
  abortReason: string | undefined;
}

type Outcome =
  | { kind: 'retry'; message: string }
  | { kind: 'lost'; message: string }
  | { kind: 'fatal'; message: string }
  | { kind: 'stopped' };

/** Statuses of a SUBSCRIBE worth retrying: the master is not (yet) able to serve us. */
const RETRIABLE = new Set([404, 408, 425, 429, 500, 502, 503, 504]);

function defaultUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'nobody';
  }
}

export class SchedulerDriver {
  private readonly scheduler: Scheduler;
  private readonly detector: MasterDetector;
  private readonly clock: Clock;
  private readonly fetchFn: typeof fetch;
  private readonly backoff: BackoffOptions;
  private readonly implicitAcks: boolean;
  private readonly heartbeatMisses: number;
  private readonly defaultHeartbeatMs: number;
  private readonly http: HttpCallOptions;
  private readonly callRetries: number;
  private readonly limiter: Limiter;
  private readonly maxRedirects: number;
  private readonly onRetry: ((reason: string, delayMs: number) => void) | undefined;
  private subscribeOptions: UpdateFrameworkOptions;

  private info: FrameworkInfo;
  private conn: Connection | undefined;
  private heartbeatMs: number;
  private everSubscribed = false;
  private stateValue: DriverState = 'idle';
  private loop: Promise<void> | undefined;
  /** Wakers of pending sleeps: `true` ends the sleep early (retry now), `false` means stopped. */
  private readonly sleepers = new Set<(goOn: boolean) => void>();
  private unwatch: (() => void) | undefined;
  private settle!: (r: StopReason) => void;
  private reject!: (e: unknown) => void;
  private finished = false;
  /** Scheduler callbacks running now (the loop awaits them, so stop() inside one must not await the loop). */
  private inCallbacks = 0;
  /** Set while TEARDOWN is in flight: the master closing the stream then is not a disconnection. */
  private tearingDown = false;

  /** Resolves when the driver stops (rejects if a scheduler callback threw). */
  readonly done: Promise<StopReason>;

  constructor(opts: SchedulerDriverOptions) {
    this.scheduler = opts.scheduler;
    this.clock = opts.clock ?? systemClock;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    if (typeof opts.master === 'string') {
      const d = detectorFor(opts.master, { fetch: this.fetchFn });
      // A bad address is the caller's bug (validate user input with `normalizeMasterUrl` first).
      if (!d.ok) throw new Error(d.error);
      this.detector = d.value;
    } else {
      this.detector = opts.master;
    }
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.implicitAcks = opts.implicitAcknowledgements ?? true;
    this.heartbeatMisses = opts.heartbeatMisses ?? 5;
    this.defaultHeartbeatMs = (opts.defaultHeartbeatSeconds ?? 15) * 1000;
    this.heartbeatMs = this.defaultHeartbeatMs;
    this.http = { fetch: opts.fetch, clock: this.clock, timeoutMs: opts.requestTimeoutMs ?? 75_000, maxRedirects: opts.maxRedirects ?? 5 };
    this.callRetries = opts.callRetries ?? 3;
    this.limiter = new Limiter(Math.max(1, opts.maxConcurrentCalls ?? 32));
    this.maxRedirects = opts.maxRedirects ?? 5;
    this.onRetry = opts.onRetry;
    this.subscribeOptions = { suppressedRoles: opts.suppressedRoles, offerConstraints: opts.offerConstraints };
    const { user, failover_timeout, checkpoint, ...rest } = opts.framework;
    this.info = { ...rest, user: user ?? defaultUser(), failover_timeout: failover_timeout ?? 0, checkpoint: checkpoint ?? false };
    this.done = new Promise<StopReason>((resolve, reject) => {
      this.settle = resolve;
      this.reject = reject;
    });
  }

  // ───────────────────────── lifecycle ─────────────────────────

  get state(): DriverState {
    return this.stateValue;
  }

  /** The framework's ID once the master assigned one (or the one it was given). */
  get frameworkId(): string | undefined {
    return this.info.id?.value;
  }

  /** The FrameworkInfo sent on the next (re)subscription. */
  get frameworkInfo(): FrameworkInfo {
    return this.info;
  }

  /** Base URL of the master of the current subscription. */
  get masterUrl(): string | undefined {
    return this.conn?.base;
  }

  /** Starts subscribing in the background (idempotent). Watch `done` for the end. */
  start(): this {
    if (this.loop === undefined && !this.finished) {
      this.stateValue = 'connecting';
      this.unwatch = this.detector.onChange?.((leader) => this.leaderChanged(leader));
      this.loop = this.run().catch((e: unknown) => {
        this.finish(undefined);
        this.reject(e);
      });
    }
    return this;
  }

  /**
   * Closes the subscription without tearing the framework down: the master keeps its tasks for
   * `failover_timeout`, and a new driver with the same `framework.id` can take over.
   */
  async stop(): Promise<void> {
    this.finish({ reason: 'stopped' });
    await this.settled();
  }

  /** TEARDOWN: the master kills every task and removes the framework; then the driver stops. */
  async teardown(): Promise<CallResult> {
    this.tearingDown = true;
    const r = await this.call(teardownCall());
    this.finish({ reason: 'teardown' });
    await this.settled();
    return r;
  }

  /**
   * The loop's end — unless called from a scheduler callback (`await driver.teardown()` in
   * `update()`): the loop is waiting for that callback, and it ends right after it returns.
   */
  private async settled(): Promise<void> {
    if (this.inCallbacks === 0) await this.loop;
  }

  /** Runs a scheduler callback (the loop waits for it). */
  private async callback(fn: () => unknown): Promise<void> {
    this.inCallbacks++;
    try {
      await fn();
    } finally {
      this.inCallbacks--;
    }
  }

  private finish(reason: StopReason | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.stateValue = 'stopped';
    this.closeConnection(this.conn, 'driver stopped');
    for (const wake of [...this.sleepers]) wake(false);
    this.unwatch?.();
    this.unwatch = undefined;
    this.detector.close?.();
    if (reason) this.settle(reason);
  }

  // ───────────────────────── the subscription loop ─────────────────────────

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.finished) {
      const outcome = await this.connectOnce();
      if (this.finished || outcome.kind === 'stopped') return;
      if (outcome.kind === 'fatal') {
        this.finish({ reason: 'error', message: outcome.message });
        await this.callback(() => this.scheduler.error?.(outcome.message));
        return;
      }
      if (outcome.kind === 'lost') attempt = 0;
      this.stateValue = 'connecting';
      const delay = backoffDelay(attempt++, this.backoff);
      this.onRetry?.(outcome.message, delay);
      if (!(await this.sleep(delay))) return;
    }
  }

  private async connectOnce(): Promise<Outcome> {
    const leader = await this.detector.detect();
    if (this.finished) return { kind: 'stopped' };
    if (!leader.ok) return { kind: 'retry', message: leader.error };
    let url = leader.value + SCHEDULER_PATH;
    for (let hop = 0; ; hop++) {
      const conn: Connection = { controller: new AbortController(), base: new URL(url).origin, streamId: undefined, watchdog: undefined, aborted: false, abortReason: undefined };
      this.conn = conn;
      // Until SUBSCRIBED names the interval, silence is judged by the default one.
      this.heartbeatMs = this.defaultHeartbeatMs;
      this.feedWatchdog(conn);
      const fid = this.info.id;
      const call = { ...(fid ? { framework_id: fid } : {}), ...subscribeCall(this.info, this.subscribeOptions) };
      let res: Response;
      try {
        res = await this.fetchFn(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: encodeJson(call),
          redirect: 'manual',
          signal: conn.controller.signal,
        });
      } catch (e) {
        this.closeConnection(conn, undefined);
        if (this.finished) return { kind: 'stopped' };
        return { kind: 'retry', message: `SUBSCRIBE to ${url} failed: ${conn.abortReason ?? describeFetchError(e)}` };
      }
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel().catch(() => undefined);
        this.closeConnection(conn, undefined);
        const location = res.headers.get('location');
        if (location === null || hop >= this.maxRedirects) return { kind: 'retry', message: `SUBSCRIBE redirected ${res.status} without a usable Location (hop ${hop + 1})` };
        const next = originOfLocation(location, url);
        if (!next.ok) return { kind: 'retry', message: next.error };
        url = new URL(location, url).href;
        continue;
      }
      if (res.status !== 200) {
        const body = (await res.text().catch(() => '')).trim();
        this.closeConnection(conn, undefined);
        if (this.finished) return { kind: 'stopped' };
        const what = `SUBSCRIBE answered ${res.status} ${res.statusText}${body ? `: ${body}` : ''}`;
        return RETRIABLE.has(res.status) ? { kind: 'retry', message: what } : { kind: 'fatal', message: what };
      }
      conn.streamId = res.headers.get('mesos-stream-id') ?? undefined;
      return this.consume(res, conn);
    }
  }

  /** Reads the event stream until it ends, fails, goes silent, or the driver stops. */
  private async consume(res: Response, conn: Connection): Promise<Outcome> {
    let subscribed = false;
    let fatal: string | undefined;
    let lastError = 'the master closed the subscription stream';
    if (res.body === null) return { kind: 'retry', message: 'SUBSCRIBE answered 200 without a body' };
    try {
      for await (const record of readJsonRecords(res.body, scheduler.Event)) {
        if (this.finished || conn.aborted) break;
        this.feedWatchdog(conn);
        if (!record.ok) {
          lastError = `bad subscription stream: ${record.error}`;
          await this.callback(() => this.scheduler.streamError?.(record.error));
          continue;
        }
        const event = record.value;
        if (!subscribed) {
          if (event.type === 'ERROR') {
            fatal = event.error?.message ?? 'ERROR event without a message';
            break;
          }
          if (event.type !== 'SUBSCRIBED' || event.subscribed === undefined) {
            await this.callback(() => this.scheduler.streamError?.(`expected SUBSCRIBED as the first event, got ${event.type ?? 'an event without a type'}`));
            continue;
          }
          subscribed = true;
        }
        this.inCallbacks++;
        try {
          fatal = await this.dispatch(event, conn);
        } finally {
          this.inCallbacks--;
        }
        if (fatal !== undefined || this.finished) break;
      }
    } finally {
      this.closeConnection(conn, undefined);
    }
    if (fatal !== undefined) return { kind: 'fatal', message: fatal };
    if (this.finished || this.tearingDown) return { kind: 'stopped' };
    const why = conn.abortReason ?? lastError;
    if (!subscribed) return { kind: 'retry', message: why };
    this.stateValue = 'connecting';
    await this.callback(() => this.scheduler.disconnected?.());
    return { kind: 'lost', message: why };
  }

  /** Delivers one event; returns the message of an ERROR event (which ends the driver). */
  private async dispatch(event: scheduler.Event, conn: Connection): Promise<string | undefined> {
    const s = this.scheduler;
    switch (event.type) {
      case 'SUBSCRIBED': {
        const sub = event.subscribed!;
        this.info = { ...this.info, id: { value: sub.framework_id.value } };
        const seconds = sub.heartbeat_interval_seconds;
        if (seconds !== undefined && seconds > 0) this.heartbeatMs = seconds * 1000;
        this.feedWatchdog(conn);
        this.stateValue = 'subscribed';
        const info: SchedulerSubscribedInfo = {
          frameworkId: sub.framework_id.value,
          heartbeatIntervalSeconds: this.heartbeatMs / 1000,
          masterInfo: sub.master_info,
          masterUrl: conn.base,
          resubscribed: this.everSubscribed,
        };
        this.everSubscribed = true;
        await s.subscribed?.(this, info);
        return undefined;
      }
      default:
        return deliverEvent(event, s, this, this.implicitAcks ? (body) => this.fireAndForget(body) : undefined);
    }
  }

  /**
   * An acknowledgement whose answer nobody waits for: if it is lost, the agent resends the
   * update and it is acknowledged again, so failures heal themselves.
   */
  private fireAndForget(body: CallBody | undefined): void {
    if (body !== undefined) void this.call(body);
  }

  /**
   * The detector saw the leader change. A connection to any other master — a subscription, or
   * one being set up — is dropped (that master no longer leads, or is about to find out); a
   * subscribed framework gets `disconnected()`; then the driver subscribes to whoever `detect()`
   * names.
   */
  private leaderChanged(leader: Result<string, string>): void {
    if (this.finished) return;
    const conn = this.conn;
    if (conn === undefined || conn.aborted) {
      // Between attempts: a new leader is worth trying now rather than after the backoff.
      if (leader.ok) for (const wake of [...this.sleepers]) wake(true);
      return;
    }
    if (leader.ok && leader.value === conn.base) return;
    this.closeConnection(conn, leader.ok ? `the leading master is now ${leader.value} (was ${conn.base})` : `the master at ${conn.base} no longer leads: ${leader.error}`);
  }

  private feedWatchdog(conn: Connection): void {
    conn.watchdog?.cancel();
    if (conn.aborted) return;
    const limit = this.heartbeatMs * this.heartbeatMisses;
    conn.watchdog = this.clock.setTimer(limit, () => {
      this.closeConnection(conn, `nothing heard from the master for ${limit / 1000}s (${this.heartbeatMisses} heartbeat intervals)`);
    });
  }

  private closeConnection(conn: Connection | undefined, reason: string | undefined): void {
    if (conn === undefined) return;
    conn.watchdog?.cancel();
    conn.watchdog = undefined;
    if (conn.aborted) return;
    conn.aborted = true;
    conn.abortReason ??= reason;
    conn.controller.abort();
  }

  /** Waits on the driver's clock (or until woken early); false when the driver stopped meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    if (this.finished) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const wake = (goOn: boolean) => {
        this.sleepers.delete(wake);
        timer.cancel();
        resolve(goOn && !this.finished);
      };
      const timer = this.clock.setTimer(ms, () => {
        this.sleepers.delete(wake);
        resolve(!this.finished);
      });
      this.sleepers.add(wake);
    });
  }

  // ───────────────────────── calls ─────────────────────────

  /**
   * Sends any call on the current subscription (adds `framework_id` and `Mesos-Stream-Id`).
   * Follows 307s, retries 503s with backoff, and expects 202 (200 for UPDATE_FRAMEWORK).
   */
  async call(body: CallBody): Promise<CallResult> {
    const expected = body.type === 'UPDATE_FRAMEWORK' ? 200 : 202;
    for (let attempt = 0; ; attempt++) {
      const conn = this.conn;
      const fid = this.info.id;
      if (this.stateValue !== 'subscribed' || conn === undefined || fid === undefined) {
        return err({ kind: 'not-subscribed', message: `cannot send ${body.type}: not subscribed to a master` });
      }
      const r = await this.limiter.run(() => postCall(this.http, conn.base + SCHEDULER_PATH, conn.streamId, { framework_id: fid, ...body }));
      if (!r.ok) return r;
      const { status, body: text } = r.value;
      if (status === expected) return r;
      if (status === 503 && attempt < this.callRetries) {
        if (!(await this.sleep(backoffDelay(attempt, this.backoff)))) return err({ kind: 'http', status, body: text, message: `${body.type}: 503 and the driver stopped` });
        continue;
      }
      return err({ kind: 'http', status, body: text, message: `${body.type} answered ${status}${text ? `: ${text}` : ''}` });
    }
  }

  accept(offerIds: readonly (Offer | IdLike)[], operations: readonly OfferOperation[], filters?: FiltersInput): Promise<CallResult> {
    return this.call(acceptCall(offerIds, operations, filters));
  }

  decline(offerIds: readonly (Offer | IdLike)[], filters?: FiltersInput): Promise<CallResult> {
    return this.call(declineCall(offerIds, filters));
  }

  /** ACCEPT with one LAUNCH of `tasks` on one or more offers of the same agent. */
  launch(offers: Offer | IdLike | readonly (Offer | IdLike)[], tasks: readonly TaskInfo[], filters?: FiltersInput): Promise<CallResult> {
    const list = Array.isArray(offers) ? (offers as readonly (Offer | IdLike)[]) : [offers as Offer | IdLike];
    return this.call(acceptCall(list, [launchOperation(tasks)], filters));
  }

  /** ACCEPT with LAUNCH_GROUP: `tasks` start together under `executor` (type DEFAULT unless set). */
  launchGroup(offer: Offer | IdLike, executor: ExecutorInfo, tasks: readonly TaskInfo[], filters?: FiltersInput): Promise<CallResult> {
    const fid = this.info.id;
    const exec = fid && executor.framework_id === undefined ? { ...executor, framework_id: fid } : executor;
    return this.call(acceptCall([offer], [launchGroupOperation(exec, tasks)], filters));
  }

  kill(taskId: IdLike, agentId?: IdLike, killPolicy?: KillPolicy): Promise<CallResult> {
    return this.call(killCall(taskId, agentId, killPolicy));
  }

  /** Explicit acknowledgement (needed only with `implicitAcknowledgements: false`). */
  acknowledge(status: TaskStatus): Promise<CallResult> {
    const body = acknowledgeCall(status);
    if (body === undefined) return Promise.resolve(err({ kind: 'invalid', message: 'this update carries no uuid (or agent_id): there is nothing to acknowledge' }));
    return this.call(body);
  }

  acknowledgeOperationStatus(status: OperationStatus): Promise<CallResult> {
    const body = acknowledgeOperationCall(status);
    if (body === undefined) return Promise.resolve(err({ kind: 'invalid', message: 'this operation status carries no uuid: there is nothing to acknowledge' }));
    return this.call(body);
  }

  /** No tasks: implicit reconciliation. Answers arrive as UPDATE events (without uuid). */
  reconcile(tasks: readonly ReconcileTaskInput[] = []): Promise<CallResult> {
    return this.call(reconcileCall(tasks));
  }

  revive(roles: readonly string[] = []): Promise<CallResult> {
    return this.call(reviveCall(roles));
  }

  suppress(roles: readonly string[] = []): Promise<CallResult> {
    return this.call(suppressCall(roles));
  }

  message(agentId: IdLike, executorId: IdLike, data: Uint8Array | string): Promise<CallResult> {
    return this.call(messageCall(agentId, executorId, data));
  }

  shutdown(executorId: IdLike, agentId: IdLike): Promise<CallResult> {
    return this.call(shutdownCall(executorId, agentId));
  }

  /**
   * UPDATE_FRAMEWORK (synchronous, 200). `info.id` is filled in; on success the new info (and
   * suppressed roles) are also what later re-subscriptions send.
   */
  async updateFramework(info: FrameworkInfoInput, opts: UpdateFrameworkOptions = {}): Promise<CallResult> {
    const { user, failover_timeout, checkpoint, ...rest } = info;
    const next: FrameworkInfo = {
      ...rest,
      id: this.info.id,
      user: user ?? this.info.user,
      failover_timeout: failover_timeout ?? this.info.failover_timeout,
      checkpoint: checkpoint ?? this.info.checkpoint,
    };
    const r = await this.call(updateFrameworkCall(next, opts));
    if (r.ok) {
      this.info = next;
      this.subscribeOptions = { ...this.subscribeOptions, ...opts };
    }
    return r;
  }

  request(requests: readonly ResourceRequest[]): Promise<CallResult> {
    return this.call(requestCall(requests));
  }

  acceptInverseOffers(ids: readonly IdLike[], filters?: FiltersInput): Promise<CallResult> {
    return this.call(acceptInverseOffersCall(ids, filters));
  }

  declineInverseOffers(ids: readonly IdLike[], filters?: FiltersInput): Promise<CallResult> {
    return this.call(declineInverseOffersCall(ids, filters));
  }
}
