/**
 * The state store contract, shared by the file store and the ZooKeeper store (and checked for both
 * by `store.conformance.ts`).
 *
 * - Keys are path-like (`registry/agents/<id>`): segments of `[A-Za-z0-9_.:@+=%~-]`, not starting
 *   with `.` (see `keys.ts`; `keySegment()` escapes anything else).
 * - Values are bytes (`Uint8Array`); the store never interprets them. `json.ts` has helpers for
 *   JSON values. Both stores refuse values larger than `maxValueBytes` (default 1,000,000 bytes,
 *   under ZooKeeper's 1 MiB packet limit) with `TOO_LARGE`, so a layout that works on one store
 *   works on the other.
 * - Every key has a version. A new key starts at version 0 and each write adds 1, as ZooKeeper
 *   does; a deleted and re-created key starts again (hold versions for read-modify-write cycles,
 *   not forever). Writes are compare-and-set on that version.
 * - Expected failures are values (`Result`); only bugs throw.
 */
import type { Result } from '@agora/protocol';

export type Version = number;

/** What a write expects to find: a version, no value at all, or anything. */
export type Expected = Version | 'absent' | 'any';

export interface Entry {
  readonly value: Uint8Array;
  readonly version: Version;
}

export type StoreErrorCode =
  /** The key's version (or absence) is not what the write expected; re-read and retry. */
  | 'VERSION_MISMATCH'
  /** A newer leader has claimed the store: this writer was deposed and must not write again. */
  | 'FENCED'
  /**
   * The store could not be reached in time (ZooKeeper down, partitioned, session being replaced).
   * The outcome of a write that fails this way is unknown: re-read before retrying.
   */
  | 'UNAVAILABLE'
  /** The value is larger than `maxValueBytes`. */
  | 'TOO_LARGE'
  /** The key is not a valid key (see `keys.ts`). */
  | 'INVALID_KEY'
  /** Stored data failed its integrity check (a damaged file, a foreign znode). */
  | 'CORRUPT'
  /** Another process owns the store (file store directory lock). */
  | 'LOCKED'
  /** The store was closed. */
  | 'CLOSED'
  /** The store refused the credentials or the operation (ZooKeeper auth/ACL, file permissions). */
  | 'DENIED';

export interface StoreError {
  readonly code: StoreErrorCode;
  readonly message: string;
  readonly key?: string;
}

export function storeError(code: StoreErrorCode, message: string, key?: string): StoreError {
  return key === undefined ? { code, message } : { code, message, key };
}

/**
 * Proof of leadership for fenced writes. `epoch` is the store's fencing epoch the leader claimed
 * (`claimEpoch`); a later claim by another leader makes every write with this token fail with
 * `FENCED`. `leaderNode` (ZooKeeper only) is the leader's election znode: writes also fail as soon
 * as it is gone, before the next leader has claimed anything.
 */
export interface FenceToken {
  readonly epoch: number;
  readonly leaderNode?: string;
}

/** The key-value operations; what registry code should depend on. */
export interface KeyValueStore {
  /** The value and version of `key`, or `undefined` if it has no value. */
  get(key: string): Promise<Result<Entry | undefined, StoreError>>;
  /** Writes `value` if the key's current state matches `expected`; returns the new version. */
  set(key: string, value: Uint8Array, expected: Expected): Promise<Result<Version, StoreError>>;
  /**
   * Removes the key's value if its version matches `expected` (default `'any'`). Deleting a key
   * that has no value succeeds with `'any'` and fails with `VERSION_MISMATCH` given a version.
   */
  delete(key: string, expected?: Version | 'any'): Promise<Result<void, StoreError>>;
  /**
   * The names of the keys directly below `prefix` (one segment each, sorted), including names that
   * only lead to deeper keys: with `a/b` and `a/c/d` stored, `list('a')` is `['b', 'c']`. `''` lists
   * the top level; a prefix with nothing below it lists `[]`.
   */
  list(prefix: string): Promise<Result<string[], StoreError>>;
}

export interface StateStore extends KeyValueStore {
  readonly kind: 'file' | 'zookeeper' | 'memory';
  readonly maxValueBytes: number;
  /**
   * Makes the caller the store's only legitimate writer: bumps the fencing epoch and returns a
   * token for `fenced()`. Every token from an earlier claim is refused from then on. With
   * `leaderNode` (ZooKeeper), the claim itself fails with `FENCED` if that znode is gone.
   */
  claimEpoch(opts?: { leaderNode?: string }): Promise<Result<FenceToken, StoreError>>;
  /**
   * A view whose writes succeed only while `token` is current (checked atomically with each
   * write). Reads pass through: a deposed leader may read, it can never write.
   */
  fenced(token: FenceToken): FencedStore;
  /** Releases the store (lock, sessions). Later calls fail with `CLOSED`. Idempotent. */
  close(): Promise<void>;
}

export interface FencedStore extends KeyValueStore {
  readonly token: FenceToken;
}

/** The maximum value size both stores accept by default. */
export const DEFAULT_MAX_VALUE_BYTES = 1_000_000;
