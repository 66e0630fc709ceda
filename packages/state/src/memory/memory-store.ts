/**
 * The in-memory store: the same contract as the file and ZooKeeper stores (it passes the same
 * conformance suite), for unit tests of the store's users and for `--registry=in_memory`.
 *
 * A `MemoryState` is the data (think: one ZooKeeper ensemble or one directory); `connect()` hands
 * out independent `StateStore` handles on it, so tests can give two masters their own handles on
 * one store, close one of them, and watch fencing work. Nothing survives the process.
 *
 * Pure: no I/O, no timers; every call completes in a microtask.
 */
import { err, ok, type Result } from '@agora/protocol';
import { describeCurrent, describeExpected, expectationMet, fencedView, isVersion, type WriteOps } from '../fenced.ts';
import { keySegments } from '../keys.ts';
import {
  DEFAULT_MAX_VALUE_BYTES, storeError, type Entry, type Expected, type FenceToken, type FencedStore, type StateStore,
  type StoreError, type Version,
} from '../store.ts';

export interface MemoryStoreOptions {
  readonly maxValueBytes?: number;
}

/** The shared data behind any number of handles. */
export class MemoryState {
  /** key → entry; values are copied in and out so callers cannot alias stored bytes. */
  readonly entries = new Map<string, Entry>();
  epoch = 0;
  readonly maxValueBytes: number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.maxValueBytes = opts.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  }

  /** A new handle on this data (closing it closes only the handle). */
  connect(): StateStore {
    return new MemoryStore(this);
  }
}

/** A store of its own (one `MemoryState`, one handle). */
export function createMemoryStore(opts: MemoryStoreOptions = {}): StateStore {
  return new MemoryState(opts).connect();
}

const copy = (v: Uint8Array): Uint8Array => new Uint8Array(v);

class MemoryStore implements StateStore, WriteOps {
  readonly kind = 'memory' as const;
  readonly maxValueBytes: number;
  private closed = false;

  constructor(private readonly state: MemoryState) {
    this.maxValueBytes = state.maxValueBytes;
  }

  private closedError(key?: string): StoreError {
    return storeError('CLOSED', 'the memory store handle is closed', key);
  }

  private checkFence(token: FenceToken | undefined, key: string): StoreError | undefined {
    if (token === undefined || token.epoch === this.state.epoch) return undefined;
    return storeError('FENCED', `write refused: fencing epoch ${token.epoch} was superseded by epoch ${this.state.epoch} (a newer leader claimed the store)`, key);
  }

  async get(key: string): Promise<Result<Entry | undefined, StoreError>> {
    if (this.closed) return err(this.closedError(key));
    const segs = keySegments(key);
    if (!segs.ok) return segs;
    const e = this.state.entries.get(key);
    return ok(e === undefined ? undefined : { value: copy(e.value), version: e.version });
  }

  set(key: string, value: Uint8Array, expected: Expected): Promise<Result<Version, StoreError>> {
    return this.write(key, value, expected, undefined);
  }

  delete(key: string, expected: Version | 'any' = 'any'): Promise<Result<void, StoreError>> {
    return this.remove(key, expected, undefined);
  }

  async write(key: string, value: Uint8Array, expected: Expected, token: FenceToken | undefined): Promise<Result<Version, StoreError>> {
    if (this.closed) return err(this.closedError(key));
    const segs = keySegments(key);
    if (!segs.ok) return segs;
    if (expected !== 'any' && expected !== 'absent' && !isVersion(expected)) {
      return err(storeError('INVALID_KEY', `expected must be a version, 'absent' or 'any', not ${String(expected)}`, key));
    }
    if (value.length > this.maxValueBytes) {
      return err(storeError('TOO_LARGE', `value of '${key}' is ${value.length} bytes; the limit is ${this.maxValueBytes}`, key));
    }
    const fenced = this.checkFence(token, key);
    if (fenced) return err(fenced);
    const current = this.state.entries.get(key)?.version;
    if (!expectationMet(expected, current)) {
      return err(storeError('VERSION_MISMATCH', `'${key}' has ${describeCurrent(current)}, the write expected ${describeExpected(expected)}`, key));
    }
    const next = current === undefined ? 0 : current + 1;
    this.state.entries.set(key, { value: copy(value), version: next });
    return ok(next);
  }

  async remove(key: string, expected: Version | 'any', token: FenceToken | undefined): Promise<Result<void, StoreError>> {
    if (this.closed) return err(this.closedError(key));
    const segs = keySegments(key);
    if (!segs.ok) return segs;
    if (expected !== 'any' && !isVersion(expected)) {
      return err(storeError('INVALID_KEY', `expected must be a version or 'any', not ${String(expected)}`, key));
    }
    const fenced = this.checkFence(token, key);
    if (fenced) return err(fenced);
    const current = this.state.entries.get(key)?.version;
    if (current === undefined) {
      return expected === 'any' ? ok(undefined) : err(storeError('VERSION_MISMATCH', `'${key}' has no value, the delete expected version ${expected}`, key));
    }
    if (expected !== 'any' && expected !== current) {
      return err(storeError('VERSION_MISMATCH', `'${key}' has version ${current}, the delete expected version ${expected}`, key));
    }
    this.state.entries.delete(key);
    return ok(undefined);
  }

  async list(prefix: string): Promise<Result<string[], StoreError>> {
    if (this.closed) return err(this.closedError(prefix));
    const segs = keySegments(prefix, { allowRoot: true });
    if (!segs.ok) return segs;
    const start = prefix === '' ? '' : `${prefix}/`;
    const names = new Set<string>();
    for (const key of this.state.entries.keys()) {
      if (!key.startsWith(start)) continue;
      names.add(key.slice(start.length).split('/', 1)[0]!);
    }
    return ok([...names].sort());
  }

  async claimEpoch(): Promise<Result<FenceToken, StoreError>> {
    if (this.closed) return err(this.closedError());
    this.state.epoch += 1;
    return ok({ epoch: this.state.epoch });
  }

  fenced(token: FenceToken): FencedStore {
    return fencedView(this, token);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
