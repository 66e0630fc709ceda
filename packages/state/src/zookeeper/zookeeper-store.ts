/**
 * The ZooKeeper store: each key is a znode under `root` (`registry/agents/a1` →
 * `<root>/registry/agents/a1`), its data the value and its data version the key's version.
 *
 * - A key's value is the znode's data; nodes that only lead to deeper keys are created without
 *   data (`null`, distinct from an empty value) and read as "no value". Deleting a value whose
 *   node has children turns it back into such a node; empty data-less nodes are removed again
 *   (bottom-up) once their last key is deleted, so `list` shows only prefixes that hold keys.
 * - Every write is one `multi` transaction: the fence checks (when fenced), any missing parent
 *   nodes, and the compare-and-set itself (`setData`/`delete` at the expected version, `create`
 *   for "absent"). Nothing is half-written and a refused write leaves no trace.
 * - Values above `maxValueBytes` (default 1,000,000) are refused with `TOO_LARGE`, not chunked:
 *   chunks would need a multi of their own, which is capped by the same 1 MiB packet limit, and
 *   reads of several znodes are not atomic. Keep values small (one znode per agent, per role).
 * - `<root>/.fence` holds the fencing epoch: its data version. `claimEpoch` bumps it (after
 *   checking the claimant's election znode still exists); fenced writes `check` it at the
 *   claimed version, and the leader's election znode, in the same transaction.
 * - Calls never hang: each is bounded by the operation timeout, and a lost connection or session
 *   is `UNAVAILABLE`. An expired session is replaced by a new one on the next call.
 */
import { err, ok, type Result } from '@agora/protocol';
import { silentLogger, type Logger } from '@agora/runtime';
import { describeExpected, fencedView, isVersion, type WriteOps } from '../fenced.ts';
import { keySegments } from '../keys.ts';
import {
  DEFAULT_MAX_VALUE_BYTES, storeError, type Entry, type Expected, type FenceToken, type FencedStore, type StateStore,
  type StoreError, type Version,
} from '../store.ts';
import { validatePath, type ZkAuth } from './url.ts';
import { ZK, ZkSession, zkError, type ZkFailure, type ZkOp, type ZkResult } from './session.ts';

export interface ZooKeeperStoreOptions {
  /** `host:port,host:port`. */
  readonly servers: string;
  /** Absolute znode path the keys live under (created if missing), e.g. `/agora/state`. */
  readonly root: string;
  readonly auth?: ZkAuth;
  /** Default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** Upper bound for each ZooKeeper call. Default: the session timeout. */
  readonly operationTimeoutMs?: number;
  readonly maxValueBytes?: number;
  readonly log?: Logger;
}

const FENCE = '.fence';
/** Retries of a write whose parents changed under it (concurrent creation or cleanup). */
const MAX_ATTEMPTS = 8;

/** Connects and prepares the root. `UNAVAILABLE` if ZooKeeper cannot be reached in time. */
export async function openZooKeeperStore(opts: ZooKeeperStoreOptions): Promise<Result<StateStore, StoreError>> {
  const bad = validatePath(opts.root);
  if (bad) return err(storeError('INVALID_KEY', `root: ${bad}`));
  const store = new ZooKeeperStore(opts);
  const s = await store.live();
  if (!s.ok) return s;
  // Readers without write access (other credentials) may open an existing store: create only what is missing.
  const fencePath = `${opts.root}/${FENCE}`;
  const present = await s.value.exists(fencePath);
  let fence: ZkResult<unknown> = present;
  if (present.ok && present.value === undefined) {
    const root = await s.value.ensurePath(opts.root);
    fence = root.ok ? await s.value.create(fencePath, Buffer.from('{"epoch":0}'), 0) : root;
  }
  if (!fence.ok && fence.error.code !== ZK.NODE_EXISTS) {
    await store.close();
    return err(zkError(fence.error, `cannot create ${opts.root}`));
  }
  return ok(store);
}

/**
 * A write step's outcome: done, `retry` (a parent changed under it, the session was replaced
 * before sending), or `ambiguous` (the connection or session was lost with the request in flight:
 * it may or may not have been applied; see `settle`).
 */
type Outcome<T> = Result<T, StoreError> | 'retry' | 'ambiguous';
const transient = (f: ZkFailure): boolean => f.code === ZK.CONNECTION_LOSS || f.code === 'ENDED';

class ZooKeeperStore implements StateStore, WriteOps {
  readonly kind = 'zookeeper' as const;
  readonly maxValueBytes: number;
  private readonly log: Logger;
  private readonly root: string;
  private readonly fencePath: string;
  private session: ZkSession | undefined;
  private opening: Promise<Result<ZkSession, StoreError>> | undefined;
  private closed = false;

  constructor(private readonly opts: ZooKeeperStoreOptions) {
    this.maxValueBytes = opts.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.log = opts.log ?? silentLogger;
    this.root = opts.root;
    this.fencePath = `${opts.root}/${FENCE}`;
  }

  /** The current session, or a new one if it ended (bounded by the session timeout). */
  async live(): Promise<Result<ZkSession, StoreError>> {
    if (this.closed) return err(this.closedError());
    if (this.session && !this.session.ended) return ok(this.session);
    this.opening ??= ZkSession.open({
      servers: this.opts.servers,
      auth: this.opts.auth,
      sessionTimeoutMs: this.opts.sessionTimeoutMs,
      operationTimeoutMs: this.opts.operationTimeoutMs,
      log: this.log,
    }).then(async (r) => {
      this.opening = undefined;
      if (!r.ok) return r;
      if (this.closed) {
        await r.value.close();
        return err(this.closedError());
      }
      this.session = r.value;
      return r;
    });
    return this.opening;
  }

  private closedError(key?: string): StoreError {
    return storeError('CLOSED', `the ZooKeeper store at ${this.root} is closed`, key);
  }

  private pathOf(segments: string[]): string {
    return segments.length === 0 ? this.root : `${this.root}/${segments.join('/')}`;
  }

  async get(key: string): Promise<Result<Entry | undefined, StoreError>> {
    const segs = keySegments(key);
    if (!segs.ok) return segs;
    const rr = await this.read((s) => s.getData(this.pathOf(segs.value)));
    if (!rr.ok) return rr;
    const r = rr.value;
    if (!r.ok) return r.error.code === ZK.NO_NODE ? ok(undefined) : err(zkError(r.error, `get '${key}'`, key));
    if (r.value.data === undefined) return ok(undefined);
    const d = r.value.data;
    return ok({ value: new Uint8Array(d.buffer, d.byteOffset, d.length), version: r.value.stat.version });
  }

  async list(prefix: string): Promise<Result<string[], StoreError>> {
    const segs = keySegments(prefix, { allowRoot: true });
    if (!segs.ok) return segs;
    const rr = await this.read((s) => s.getChildren(this.pathOf(segs.value)));
    if (!rr.ok) return rr;
    const r = rr.value;
    if (!r.ok) return r.error.code === ZK.NO_NODE ? ok([]) : err(zkError(r.error, `list '${prefix}'`, prefix));
    return ok(r.value.filter((n) => !n.startsWith('.')).sort());
  }

  /** Runs a read, again after a lost connection or a replaced session (reads are idempotent). */
  private async read<T>(run: (s: ZkSession) => Promise<ZkResult<T>>): Promise<Result<ZkResult<T>, StoreError>> {
    let last: ZkResult<T> | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const s = await this.live();
      if (!s.ok) return s;
      last = await run(s.value);
      if (last.ok || !transient(last.error)) break;
    }
    return ok(last!);
  }

  set(key: string, value: Uint8Array, expected: Expected): Promise<Result<Version, StoreError>> {
    return this.write(key, value, expected, undefined);
  }

  delete(key: string, expected: Version | 'any' = 'any'): Promise<Result<void, StoreError>> {
    return this.remove(key, expected, undefined);
  }

  fenced(token: FenceToken): FencedStore {
    return fencedView(this, token);
  }

  private fenceOps(token: FenceToken | undefined): ZkOp[] {
    if (!token) return [];
    const ops: ZkOp[] = [{ op: 'check', path: this.fencePath, version: token.epoch }];
    if (token.leaderNode) ops.push({ op: 'check', path: token.leaderNode, version: -1 });
    return ops;
  }

  private fencedError(token: FenceToken, f: ZkFailure, key?: string): StoreError {
    const why = f.index === 1 && token.leaderNode
      ? `the leader's election node ${token.leaderNode} is gone (its session ended)`
      : `fencing epoch ${token.epoch} was superseded (a newer leader claimed the store)`;
    return storeError('FENCED', `write refused: ${why}`, key);
  }

  async write(key: string, value: Uint8Array, expected: Expected, token: FenceToken | undefined): Promise<Result<Version, StoreError>> {
    const segs = keySegments(key);
    if (!segs.ok) return segs;
    if (expected !== 'any' && expected !== 'absent' && !isVersion(expected)) {
      return err(storeError('INVALID_KEY', `expected must be a version, 'absent' or 'any', not ${String(expected)}`, key));
    }
    if (value.length > this.maxValueBytes) {
      return err(storeError('TOO_LARGE', `value of '${key}' is ${value.length} bytes; the limit is ${this.maxValueBytes}`, key));
    }
    const path = this.pathOf(segs.value);
    const data = Buffer.from(value.buffer, value.byteOffset, value.length);
    // Parents assumed present first (the common case); found missing, they join the transaction.
    let parents: string[] = [];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const s = await this.live();
      if (!s.ok) return s;
      const session = s.value;
      const fence = this.fenceOps(token);
      const step = await this.writeOnce(session, key, path, data, expected, token, fence, parents);
      if (step === 'retry') {
        parents = await this.missingParents(session, segs.value);
        continue;
      }
      if (step === 'ambiguous') {
        const settled = await this.settleWrite(key, path, data, expected);
        if (settled === 'retry') continue;
        return settled;
      }
      return step;
    }
    return err(storeError('UNAVAILABLE', `write of '${key}' kept conflicting with concurrent changes to its parents; retry`, key));
  }

  /**
   * After a write was lost in flight (connection loss while waiting for the answer), reads the
   * key back to learn whether it was applied: our bytes at the version the write would have made
   * mean yes; the expected state unchanged means no (and the write is tried again). Anything else
   * is reported as UNAVAILABLE with the outcome unknown. (Another writer storing the very same
   * bytes at the same version would be taken for us; with fenced single-writer use that cannot
   * happen.)
   */
  private async settleWrite(key: string, path: string, data: Buffer, expected: Expected): Promise<Result<Version, StoreError> | 'retry'> {
    const unknown = storeError('UNAVAILABLE', `write of '${key}': the connection to ZooKeeper was lost while it was in flight and its outcome is unknown; re-read before retrying`, key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const s = await this.live();
      if (!s.ok) return err(unknown);
      const cur = await s.value.getData(path);
      if (!cur.ok) {
        if (cur.error.code === ZK.NO_NODE) return 'retry';
        if (transient(cur.error)) continue;
        return err(unknown);
      }
      if (cur.value.data === undefined) return 'retry';
      const version = cur.value.stat.version;
      const ours = Buffer.compare(cur.value.data, data) === 0;
      if (expected === 'any') return ours ? ok(version) : 'retry';
      if (expected === 'absent') return ours && version === 0 ? ok(0) : err(unknown);
      if (version === expected) return 'retry';
      return ours && version === expected + 1 ? ok(version) : err(unknown);
    }
    return err(unknown);
  }

  private async writeOnce(
    session: ZkSession, key: string, path: string, data: Buffer, expected: Expected, token: FenceToken | undefined,
    fence: ZkOp[], parents: string[],
  ): Promise<Outcome<Version>> {
    const creates: ZkOp[] = parents.map((p) => ({ op: 'create', path: p }));
    const mismatch = (what: string) => err(storeError('VERSION_MISMATCH', `'${key}' ${what}, the write expected ${describeExpected(expected)}`, key));
    if (typeof expected === 'number' || expected === 'any') {
      const version = expected === 'any' ? -1 : expected;
      const r = await session.multi([...fence, { op: 'set', path, data, version }]);
      if (r.ok) return ok(r.value[fence.length]?.stat?.version ?? (version >= 0 ? version + 1 : 0));
      const f = r.error;
      if (token && f.index !== undefined && f.index < fence.length) return err(this.fencedError(token, f, key));
      if (f.code === ZK.BAD_VERSION) return mismatch('has another version');
      if (f.code === ZK.NO_NODE && expected !== 'any') return mismatch('has no value');
      if (f.code !== ZK.NO_NODE) return this.failure(f, `set '${key}'`, key);
      // 'any' on a missing node: create it.
    }
    const r = await session.multi([...fence, ...creates, { op: 'create', path, data }]);
    if (r.ok) return ok(0);
    const f = r.error;
    if (token && f.index !== undefined && f.index < fence.length) return err(this.fencedError(token, f, key));
    if (f.index !== undefined && f.index < fence.length + creates.length) return 'retry'; // a parent appeared meanwhile
    if (f.code === ZK.NO_NODE) return 'retry'; // a parent is missing
    if (f.code !== ZK.NODE_EXISTS) return this.failure(f, `create '${key}'`, key);
    // The node exists: a value (mismatch for 'absent', a race for 'any') or a data-less parent.
    const cur = await session.getData(path);
    if (!cur.ok) return cur.error.code === ZK.NO_NODE ? 'retry' : this.failure(cur.error, `read '${key}'`, key);
    if (cur.value.data !== undefined) return expected === 'any' ? 'retry' : mismatch('has a value');
    const set = await session.multi([...fence, { op: 'set', path, data, version: cur.value.stat.version }]);
    if (set.ok) return ok(set.value[fence.length]?.stat?.version ?? cur.value.stat.version + 1);
    if (token && set.error.index !== undefined && set.error.index < fence.length) return err(this.fencedError(token, set.error, key));
    if (set.error.code === ZK.BAD_VERSION || set.error.code === ZK.NO_NODE) return 'retry';
    return this.failure(set.error, `set '${key}'`, key);
  }

  /** A failure outside the operation's own logic: a lost request is `ambiguous` (settled by reading back). */
  private failure(f: ZkFailure, what: string, key: string): Outcome<never> {
    if (transient(f)) return 'ambiguous';
    return err(zkError(f, what, key));
  }

  /** The ancestors of a key (below the root) that do not exist, top-down. */
  private async missingParents(session: ZkSession, segs: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (let i = segs.length - 1; i >= 1; i--) {
      const p = this.pathOf(segs.slice(0, i));
      const r = await session.exists(p);
      if (!r.ok || r.value !== undefined) break;
      missing.unshift(p);
    }
    return missing;
  }

  async remove(key: string, expected: Version | 'any', token: FenceToken | undefined): Promise<Result<void, StoreError>> {
    const segs = keySegments(key);
    if (!segs.ok) return segs;
    if (expected !== 'any' && !isVersion(expected)) {
      return err(storeError('INVALID_KEY', `expected must be a version or 'any', not ${String(expected)}`, key));
    }
    const path = this.pathOf(segs.value);
    const mismatch = (what: string) => err(storeError('VERSION_MISMATCH', `'${key}' ${what}, the delete expected version ${String(expected)}`, key));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const s = await this.live();
      if (!s.ok) return s;
      const session = s.value;
      const fence = this.fenceOps(token);
      const fenced = (f: ZkFailure) => token !== undefined && f.index !== undefined && f.index < fence.length;
      const r = await session.multi([...fence, { op: 'remove', path, version: expected === 'any' ? -1 : expected }]);
      if (r.ok) {
        await this.prune(session, segs.value);
        return ok(undefined);
      }
      if (fenced(r.error)) return err(this.fencedError(token!, r.error, key));
      if (r.error.code === ZK.NO_NODE) return expected === 'any' ? ok(undefined) : mismatch('has no value');
      if (r.error.code === ZK.BAD_VERSION) return mismatch('has another version');
      if (transient(r.error)) {
        const settled = await this.settleRemove(key, path, expected);
        if (settled === 'retry') continue;
        return settled;
      }
      if (r.error.code !== ZK.NOT_EMPTY) return err(zkError(r.error, `delete '${key}'`, key));
      // Keys live below it: drop the value, keep the node as a data-less parent.
      const cur = await session.getData(path);
      if (!cur.ok) {
        if (cur.error.code === ZK.NO_NODE || transient(cur.error)) continue;
        return err(zkError(cur.error, `delete '${key}'`, key));
      }
      if (cur.value.data === undefined) return expected === 'any' ? ok(undefined) : mismatch('has no value');
      const version = cur.value.stat.version;
      if (expected !== 'any' && version !== expected) return mismatch('has another version');
      const set = await session.multi([...fence, { op: 'set', path, data: null, version }]);
      if (set.ok) return ok(undefined);
      if (fenced(set.error)) return err(this.fencedError(token!, set.error, key));
      if (transient(set.error)) {
        const settled = await this.settleRemove(key, path, expected);
        if (settled === 'retry') continue;
        return settled;
      }
      if (set.error.code === ZK.BAD_VERSION || set.error.code === ZK.NO_NODE) {
        if (expected !== 'any') return mismatch('changed meanwhile');
        continue;
      }
      return err(zkError(set.error, `delete '${key}'`, key));
    }
    return err(storeError('UNAVAILABLE', `delete of '${key}' kept conflicting with concurrent changes; retry`, key));
  }

  /** `settleWrite` for deletes: no value now means ours was applied; the expected version still there means retry. */
  private async settleRemove(key: string, path: string, expected: Version | 'any'): Promise<Result<void, StoreError> | 'retry'> {
    const r = await this.read((s) => s.getData(path));
    if (r.ok && !r.value.ok && r.value.error.code === ZK.NO_NODE) return ok(undefined);
    if (r.ok && r.value.ok) {
      if (r.value.value.data === undefined) return ok(undefined);
      if (expected === 'any' || r.value.value.stat.version === expected) return 'retry';
    }
    return err(storeError('UNAVAILABLE', `delete of '${key}': the connection to ZooKeeper was lost while it was in flight and its outcome is unknown; re-read before retrying`, key));
  }

  /** Removes data-less, childless ancestors bottom-up (best effort: stops at the first doubt). */
  private async prune(session: ZkSession, segs: string[]): Promise<void> {
    for (let i = segs.length - 1; i >= 1; i--) {
      const p = this.pathOf(segs.slice(0, i));
      const cur = await session.getData(p);
      if (!cur.ok || cur.value.data !== undefined || cur.value.stat.numChildren > 0) return;
      const r = await session.multi([{ op: 'remove', path: p, version: cur.value.stat.version }]);
      if (!r.ok) return;
    }
  }

  async claimEpoch(opts: { leaderNode?: string } = {}): Promise<Result<FenceToken, StoreError>> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const s = await this.live();
      if (!s.ok) return s;
      const session = s.value;
      const cur = await session.getData(this.fencePath);
      if (!cur.ok) {
        if (transient(cur.error)) continue;
        return err(zkError(cur.error, 'read the fencing epoch'));
      }
      const epoch = cur.value.stat.version + 1;
      const ops: ZkOp[] = [];
      if (opts.leaderNode) ops.push({ op: 'check', path: opts.leaderNode, version: -1 });
      const data = Buffer.from(JSON.stringify({ epoch, leaderNode: opts.leaderNode ?? null, claimedAt: new Date().toISOString() }));
      ops.push({ op: 'set', path: this.fencePath, data, version: cur.value.stat.version });
      const r = await session.multi(ops);
      if (r.ok) {
        this.log.info({ epoch, leaderNode: opts.leaderNode }, 'claimed the fencing epoch');
        return ok(opts.leaderNode ? { epoch, leaderNode: opts.leaderNode } : { epoch });
      }
      if (opts.leaderNode && r.error.index === 0 && r.error.code === ZK.NO_NODE) {
        return err(storeError('FENCED', `cannot claim the store: the election node ${opts.leaderNode} is gone (leadership lost)`));
      }
      // Another claim won the race, or ours was lost in flight: claim again (a claim that did land
      // only means one more epoch number was used).
      if (r.error.code === ZK.BAD_VERSION || transient(r.error)) continue;
      return err(zkError(r.error, 'claim the fencing epoch'));
    }
    return err(storeError('UNAVAILABLE', 'claiming the fencing epoch kept racing with other claims; retry'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const opening = this.opening;
    const s = this.session;
    this.session = undefined;
    if (s) await s.close();
    if (opening) {
      const r = await opening;
      if (r.ok) await r.value.close();
    }
  }
}
