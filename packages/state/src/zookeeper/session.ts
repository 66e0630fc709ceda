/**
 * One ZooKeeper session, with what node-zookeeper-client leaves out:
 *
 * - **Operation timeouts.** Every call resolves within `operationTimeoutMs` (`TIMEOUT`), also when
 *   the server it talks to is frozen (the client has no read timeout and would wait forever).
 * - **A read timeout.** A heartbeat (`exists /`) goes out every T/10 (T = the session timeout). If
 *   one stays unanswered for T/4 while "connected", the socket is dropped so the client moves to
 *   another server and keeps the session, as the Java client does.
 * - **Local expiry** (Mesos enforces it too): the client reports expiry only once it reconnects,
 *   so the session is declared over (`silent`) when no heartbeat sent in the last T (or the
 *   `localExpiry` fraction of T) has been answered. Measuring from the *send* time of the last
 *   answered heartbeat keeps us on the safe side: the server touched the session after we sent,
 *   so it cannot have expired it earlier.
 * - **One end.** `onEnd` fires once, for expiry, local expiry, auth failure or close; the client
 *   is then closed (its ephemeral nodes go with it, or the server expires them). A new session is
 *   a new `ZkSession`.
 *
 * Transactions are built with the versions set explicitly: the client's `Transaction` turns
 * version 0 into -1 ("any version"), which would silently break compare-and-set at version 0.
 */
import { performance } from 'node:perf_hooks';
import zookeeper from 'node-zookeeper-client';
import type { ACL as AclType, Client, Event, Exception as ExceptionType, Stat } from 'node-zookeeper-client';
import { err, ok, type Result } from '@agora/protocol';
import { silentLogger, type Logger } from '@agora/runtime';
import { storeError, type StoreError } from '../store.ts';
import type { ZkAuth } from './url.ts';

const { ACL, CreateMode, Exception, Id, Permission } = zookeeper;

const codeNames = new Map<number, string>(
  Object.entries(Exception).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]),
);
export const zkCodeName = (code: number): string => codeNames.get(code) ?? `ZooKeeper error ${code}`;
export { CreateMode };

export const ZK = {
  OK: 0,
  RUNTIME_INCONSISTENCY: -2,
  CONNECTION_LOSS: -4,
  NO_NODE: -101,
  NO_AUTH: -102,
  BAD_VERSION: -103,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
  AUTH_FAILED: -115,
} as const;

/** A failed call: a ZooKeeper error code, `TIMEOUT` (no answer in time) or `ENDED` (session over). */
export interface ZkFailure {
  readonly code: number | 'TIMEOUT' | 'ENDED';
  readonly name: string;
  /** For a transaction: the index of the operation that failed. */
  readonly index?: number;
}
export type ZkResult<T> = Result<T, ZkFailure>;

export type ZkOp =
  | { readonly op: 'check'; readonly path: string; readonly version: number }
  | { readonly op: 'create'; readonly path: string; readonly data?: Buffer; readonly mode?: number }
  | { readonly op: 'set'; readonly path: string; readonly data: Buffer | null; readonly version: number }
  | { readonly op: 'remove'; readonly path: string; readonly version: number };

/** Per operation of a successful transaction: the new stat (set) or the created path (create). */
export interface MultiResult {
  readonly stat?: Stat | undefined;
  readonly path?: string | undefined;
}

export type SessionEnd = 'expired' | 'silent' | 'auth-failed' | 'closed';

export interface ZkSessionOptions {
  /** `host:port,host:port` (no chroot). */
  readonly servers: string;
  readonly auth?: ZkAuth;
  /** Requested session timeout (the server may adjust it within its min/max). Default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** Upper bound for every call. Default: the session timeout. */
  readonly operationTimeoutMs?: number;
  /**
   * The session is declared over locally after this fraction of the session timeout without an
   * answered heartbeat (0 < f ≤ 1; default 1). Leaders use less than 1 to step down with a margin
   * before the server can expire them, a margin that absorbs a late timer in a busy process.
   */
  readonly localExpiry?: number;
  readonly log?: Logger;
}

interface ConnectionManagerInternals {
  socket?: { destroy(): void };
  pendingBuffer: Buffer | null;
  connect(): void;
  onSocketData(buffer: Buffer): void;
}
interface Internals {
  connectionManager?: ConnectionManagerInternals;
}

/**
 * Works around two faults of node-zookeeper-client 1.1.3's connection manager:
 * - it keeps the unparsed tail of the last socket's bytes across reconnections, so a connection
 *   dropped in the middle of a response (a big value, a server dying, our read timeout) glues
 *   that tail to the next server's first reply and misreads everything after it;
 * - a reply it cannot parse throws from the socket's data handler, an uncaught exception.
 * Each (re)connection now starts with an empty buffer, and a reply that cannot be parsed drops
 * the connection (the client reconnects, the session survives, calls in flight fail with
 * CONNECTION_LOSS) instead of crashing the process.
 */
function hardenClient(client: Client, log: Logger): void {
  const cm = (client as unknown as Internals).connectionManager;
  if (!cm || typeof cm.connect !== 'function' || typeof cm.onSocketData !== 'function') return;
  const connect = cm.connect.bind(cm);
  const onSocketData = cm.onSocketData.bind(cm);
  cm.connect = () => {
    cm.pendingBuffer = null;
    connect();
  };
  cm.onSocketData = (buffer: Buffer) => {
    try {
      onSocketData(buffer);
    } catch (e) {
      log.warn({ error: e instanceof Error ? e.message : String(e) }, 'unreadable reply from ZooKeeper; reconnecting');
      cm.pendingBuffer = null;
      cm.socket?.destroy();
    }
  };
}

const mono = () => performance.now();

export class ZkSession {
  private readonly client: Client;
  private readonly log: Logger;
  private readonly requestedTimeoutMs: number;
  private readonly opTimeoutMs: number;
  readonly acls: AclType[];
  private endFns: Array<(reason: SessionEnd, message: string) => void> = [];
  /** Calls in flight: settled with `ENDED` when the session ends (the client may never answer them). */
  private readonly pending = new Set<(f: ZkFailure) => void>();
  private connectedFns: Array<() => void> = [];
  private endReason: SessionEnd | undefined;
  private connectedOnce = false;
  private connected = false;
  private lastAck: number;
  private pendingSince: number | undefined;
  private forcedThisConnection = false;
  private deadline: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: ZkSessionOptions) {
    this.log = opts.log ?? silentLogger;
    this.requestedTimeoutMs = opts.sessionTimeoutMs ?? 10_000;
    this.opTimeoutMs = opts.operationTimeoutMs ?? this.requestedTimeoutMs;
    this.client = zookeeper.createClient(opts.servers, {
      sessionTimeout: this.requestedTimeoutMs,
      spinDelay: Math.min(1000, Math.max(50, Math.floor(this.requestedTimeoutMs / 10))),
      retries: 0,
    });
    hardenClient(this.client, this.log);
    this.acls = opts.auth
      ? [new ACL(Permission.ALL, new Id('auth', '')), new ACL(Permission.READ, new Id('world', 'anyone'))]
      : [new ACL(Permission.ALL, new Id('world', 'anyone'))];
    if (opts.auth) this.client.addAuthInfo(opts.auth.scheme, Buffer.from(opts.auth.credentials));
    this.lastAck = mono();
  }

  /**
   * Connects a new session. Fails with `UNAVAILABLE` if no server answers within the session
   * timeout, `DENIED` if the credentials are refused.
   */
  static async open(opts: ZkSessionOptions): Promise<Result<ZkSession, StoreError>> {
    const s = new ZkSession(opts);
    const outcome = await new Promise<SessionEnd | 'connected'>((resolve) => {
      s.onConnected(() => resolve('connected'));
      s.onEnd((reason) => resolve(reason));
      s.start();
    });
    if (outcome === 'connected') return ok(s);
    const what = outcome === 'auth-failed' ? 'refused the credentials' : `did not answer within ${s.requestedTimeoutMs} ms`;
    return err(storeError(outcome === 'auth-failed' ? 'DENIED' : 'UNAVAILABLE', `ZooKeeper at ${opts.servers} ${what}`));
  }

  /** The session timeout in force (negotiated with the server once connected). */
  get timeoutMs(): number {
    if (!this.connectedOnce) return this.requestedTimeoutMs;
    const negotiated = this.client.getSessionTimeout();
    return negotiated > 0 ? negotiated : this.requestedTimeoutMs;
  }

  get sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  get ended(): boolean {
    return this.endReason !== undefined;
  }

  get isConnected(): boolean {
    return this.connected && !this.ended;
  }

  onEnd(fn: (reason: SessionEnd, message: string) => void): void {
    if (this.endReason !== undefined) fn(this.endReason, 'already ended');
    else this.endFns.push(fn);
  }

  /** Called on every (re)connection of this session. */
  onConnected(fn: () => void): void {
    this.connectedFns.push(fn);
  }

  private start(): void {
    this.client.on('state', (state: { name: string }) => {
      switch (state.name) {
        case 'SYNC_CONNECTED':
          this.connected = true;
          this.connectedOnce = true;
          this.forcedThisConnection = false;
          this.pendingSince = undefined;
          this.log.debug({ session: this.sessionId, timeoutMs: this.timeoutMs }, 'zookeeper connected');
          this.heartbeat();
          for (const fn of [...this.connectedFns]) fn();
          break;
        case 'DISCONNECTED':
          if (this.connected) this.log.info({ session: this.sessionId }, 'zookeeper connection lost; reconnecting');
          this.connected = false;
          break;
        case 'EXPIRED':
          this.end('expired', 'ZooKeeper expired the session');
          break;
        case 'AUTH_FAILED':
          this.end('auth-failed', 'ZooKeeper refused the credentials');
          break;
        default:
          break;
      }
    });
    this.lastAck = mono();
    this.armDeadline();
    this.ticker = setInterval(() => this.tick(), Math.max(20, Math.floor(this.requestedTimeoutMs / 10)));
    this.ticker.unref();
    this.client.connect();
  }

  private armDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    const T = this.timeoutMs;
    const limit = Math.round(T * Math.min(1, Math.max(0.1, this.opts.localExpiry ?? 1)));
    this.deadline = setTimeout(() => {
      const silentFor = Math.round(mono() - this.lastAck);
      if (silentFor >= limit) this.end('silent', `no answer from ZooKeeper for ${silentFor} ms (session timeout ${T} ms, given up after ${limit} ms)`);
      else this.armDeadline();
    }, Math.max(0, this.lastAck + limit - mono()));
    this.deadline.unref();
  }

  private tick(): void {
    if (this.ended || !this.connected) return;
    if (this.pendingSince === undefined) {
      this.heartbeat();
    } else if (!this.forcedThisConnection && mono() - this.pendingSince > this.timeoutMs / 4) {
      // The server stopped answering but the socket is open (a frozen or partitioned server):
      // drop the connection so the client tries the next server while the session still lives.
      this.forcedThisConnection = true;
      this.log.warn({ session: this.sessionId }, 'zookeeper server stopped answering; switching server');
      (this.client as unknown as Internals).connectionManager?.socket?.destroy();
    }
  }

  private heartbeat(): void {
    const sentAt = mono();
    this.pendingSince = sentAt;
    this.client.exists('/', (e: Error | ExceptionType | null) => {
      if (this.pendingSince === sentAt) this.pendingSince = undefined;
      const code = e && 'code' in e ? (e as ExceptionType).code : undefined;
      if (e && (code === undefined || code === ZK.CONNECTION_LOSS || code === ZK.SESSION_EXPIRED)) return;
      if (sentAt > this.lastAck) {
        this.lastAck = sentAt;
        this.armDeadline();
      }
    });
  }

  private end(reason: SessionEnd, message: string): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    this.connected = false;
    if (this.deadline) clearTimeout(this.deadline);
    if (this.ticker) clearInterval(this.ticker);
    if (reason !== 'closed') this.log.warn({ session: this.sessionId, reason }, message);
    // Closing removes our ephemeral nodes now if the server is reachable; otherwise the server
    // expires them. The socket is dropped shortly after in any case, so nothing lingers.
    try {
      this.client.close();
    } catch {
      // Closing an already closed client.
    }
    const drop = setTimeout(() => (this.client as unknown as Internals).connectionManager?.socket?.destroy(), reason === 'closed' ? 1000 : 200);
    drop.unref();
    const failure: ZkFailure = { code: 'ENDED', name: `session ended (${reason})` };
    for (const settle of [...this.pending]) settle(failure);
    for (const fn of this.endFns.splice(0)) fn(reason, message);
  }

  /** Ends the session (its ephemeral nodes are deleted). Resolves once the close was sent or timed out. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.end('closed', 'closed');
    // Give the close request a moment to reach the server, so ephemeral nodes vanish now.
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 50);
      t.unref();
    });
  }

  // ─────────────── calls (each resolves within the operation timeout) ───────────────

  private call<T>(what: string, run: (done: (e: Error | ExceptionType | null, value?: T) => void) => void): Promise<ZkResult<T>> {
    if (this.ended) return Promise.resolve(err({ code: 'ENDED', name: `session ended (${this.endReason})` }));
    return new Promise((resolve) => {
      let settled = false;
      const settle = (r: ZkResult<T>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(abort);
        resolve(r);
      };
      const abort = (f: ZkFailure) => settle(err(f));
      const timer = setTimeout(() => abort({ code: 'TIMEOUT', name: `${what}: no answer within ${this.opTimeoutMs} ms` }), this.opTimeoutMs);
      this.pending.add(abort);
      try {
        run((e, value) => {
          if (!e) settle(ok(value as T));
          else if ('code' in e && typeof (e as ExceptionType).code === 'number') {
            const index = (e as { index?: unknown }).index;
            const failure = { code: (e as ExceptionType).code, name: (e as ExceptionType).name };
            settle(err(typeof index === 'number' ? { ...failure, index } : failure));
          } else settle(err({ code: ZK.CONNECTION_LOSS, name: String((e as Error).message ?? e) }));
        });
      } catch (e) {
        // The client asserts on bad arguments: a bug in this package.
        settled = true;
        clearTimeout(timer);
        this.pending.delete(abort);
        throw e;
      }
    });
  }

  /** The node's data (`undefined` for a node created without data) and stat. */
  getData(path: string, watcher?: (event: Event) => void): Promise<ZkResult<{ data: Buffer | undefined; stat: Stat }>> {
    return this.call('getData', (done) => {
      const cb = (e: Error | ExceptionType | null, data: Buffer | undefined, stat: Stat) => done(e, { data: data ?? undefined, stat });
      if (watcher) this.client.getData(path, watcher, cb);
      else this.client.getData(path, cb);
    });
  }

  /** The node's stat, or `undefined` if it does not exist. */
  exists(path: string, watcher?: (event: Event) => void): Promise<ZkResult<Stat | undefined>> {
    return this.call('exists', (done) => {
      const cb = (e: Error | ExceptionType | null, stat: Stat | null) => done(e, stat ?? undefined);
      if (watcher) this.client.exists(path, watcher, cb);
      else this.client.exists(path, cb);
    });
  }

  getChildren(path: string, watcher?: (event: Event) => void): Promise<ZkResult<string[]>> {
    return this.call('getChildren', (done) => {
      const cb = (e: Error | ExceptionType | null, children: string[]) => done(e, children);
      if (watcher) this.client.getChildren(path, watcher, cb);
      else this.client.getChildren(path, cb);
    });
  }

  /** Creates a node; returns its path (with the sequence number for sequential nodes). */
  create(path: string, data: Buffer | undefined, mode: number): Promise<ZkResult<string>> {
    return this.call('create', (done) => {
      if (data) this.client.create(path, data, this.acls, mode, (e, p) => done(e, p));
      else this.client.create(path, this.acls, mode, (e, p) => done(e, p));
    });
  }

  /** Creates `path` and its missing ancestors as empty (data-less) persistent nodes. */
  async ensurePath(path: string): Promise<ZkResult<void>> {
    const segs = path.split('/').filter(Boolean);
    for (let i = 1; i <= segs.length; i++) {
      const p = `/${segs.slice(0, i).join('/')}`;
      const r = await this.create(p, undefined, CreateMode.PERSISTENT);
      if (!r.ok && r.error.code !== ZK.NODE_EXISTS) return r;
    }
    return ok(undefined);
  }

  /** Runs `ops` atomically; on failure, `index` names the operation that failed. */
  multi(ops: readonly ZkOp[]): Promise<ZkResult<MultiResult[]>> {
    return this.call<MultiResult[]>('multi', (done) => {
      const tx = this.client.transaction();
      const raw = (tx as unknown as { ops: Array<{ version?: number }> }).ops;
      for (const o of ops) {
        switch (o.op) {
          case 'check':
            tx.check(o.path, o.version);
            break;
          case 'create':
            tx.create(o.path, o.data ?? undefined, this.acls, o.mode ?? CreateMode.PERSISTENT);
            break;
          case 'set':
            tx.setData(o.path, o.data, o.version);
            break;
          case 'remove':
            tx.remove(o.path, o.version);
            break;
        }
        // The client maps version 0 to -1; put the real one back.
        if (o.op !== 'create') raw[raw.length - 1]!.version = o.version;
      }
      tx.commit((e: Error | ExceptionType | null, results: Array<{ err?: number; stat?: Stat; path?: string }> | undefined) => {
        if (!e) return done(null, (results ?? []).map((r) => ({ stat: r.stat, path: r.path })));
        if (Array.isArray(results)) {
          const index = results.findIndex((r) => r.err !== undefined && r.err !== ZK.OK && r.err !== ZK.RUNTIME_INCONSISTENCY);
          if (index >= 0) {
            const code = results[index]!.err!;
            return done({ code, name: zkCodeName(code), index } as unknown as ExceptionType);
          }
        }
        done(e);
      });
    });
  }
}

/** Whether a failure leaves the outcome of a write unknown (it may or may not have happened). */
export const isAmbiguous = (f: ZkFailure): boolean => f.code === 'TIMEOUT' || f.code === ZK.CONNECTION_LOSS;

/** Maps a call failure that is not part of an operation's logic to a store error. */
export function zkError(f: ZkFailure, what: string, key?: string): StoreError {
  if (f.code === ZK.NO_AUTH || f.code === ZK.AUTH_FAILED) return storeError('DENIED', `${what}: ZooKeeper refused it (${f.name})`, key);
  const outcome = isAmbiguous(f) ? ' (the outcome is unknown: re-read before retrying)' : '';
  return storeError('UNAVAILABLE', `${what}: ${f.name}${outcome}`, key);
}
