/**
 * The file store: the embedded default for `agora local` and single masters.
 *
 *   <dir>/FORMAT                      "agora-state-file 1"
 *   <dir>/LOCK                        the owner's pid (diagnostics; the lock itself is a socket)
 *   <dir>/FENCE                       the fencing epoch (a record, see record.ts)
 *   <dir>/kv/<seg>/<seg>/.value       the value of key `<seg>/<seg>` (a record)
 *
 * Each key is a directory, so a key can have a value and keys below it, and `list` is a readdir.
 * Values are replaced atomically (temp file, fsync, rename, fsync the directory); a crash at any
 * point leaves the old value or the new one, never a mix. Temp files and empty directories left
 * by a crash are swept when the store is opened. One process owns a directory (lock.ts); within
 * it, writes are serialized, and versions and the epoch are cached in memory (the owner is the
 * only writer, so the cache is authoritative).
 */
import { mkdir, readdir, readFile, rmdir, unlink } from 'node:fs/promises';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import { describeCurrent, describeExpected, expectationMet, fencedView, isVersion, type WriteOps } from '../fenced.ts';
import { keySegments } from '../keys.ts';
import {
  DEFAULT_MAX_VALUE_BYTES, storeError, type Entry, type Expected, type FenceToken, type FencedStore, type StateStore,
  type StoreError, type Version,
} from '../store.ts';
import { fsError, fsyncDir, isMissing, TEMP_PREFIX, writeFileAtomic } from './fs-util.ts';
import { lockDirectory, type DirectoryLock } from './lock.ts';
import { decodeRecord, encodeRecord } from './record.ts';

export interface FileStoreOptions {
  /** The store's directory (created if missing). */
  readonly dir: string;
  readonly maxValueBytes?: number;
}

const FORMAT = 'agora-state-file 1';
const VALUE_FILE = '.value';

/** Opens (creating if needed) and locks a file store. `LOCKED` if another store owns `dir`. */
export async function openFileStore(opts: FileStoreOptions): Promise<Result<StateStore, StoreError>> {
  const dir = opts.dir;
  try {
    mkdirSync(join(dir, 'kv'), { recursive: true });
  } catch (e) {
    return err(fsError(e, `cannot create state directory ${dir}`));
  }
  let lock: Result<DirectoryLock, StoreError>;
  try {
    lock = await lockDirectory(dir);
  } catch (e) {
    return err(fsError(e, `cannot lock state directory ${dir}`));
  }
  if (!lock.ok) return lock;
  const opened = await prepare(dir);
  if (!opened.ok) {
    await lock.value.release();
    return opened;
  }
  return ok(new FileStore(dir, lock.value, opened.value, opts.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES));
}

/** Checks the format, reads the epoch and sweeps what a crash may have left. */
async function prepare(dir: string): Promise<Result<number, StoreError>> {
  try {
    let format: string | undefined;
    try {
      format = readFileSync(join(dir, 'FORMAT'), 'utf8').trim();
    } catch (e) {
      if (!isMissing(e)) throw e;
      writeFileSync(join(dir, 'FORMAT'), `${FORMAT}\n`);
      await fsyncDir(dir);
    }
    if (format !== undefined && format !== FORMAT) {
      return err(storeError('CORRUPT', `${join(dir, 'FORMAT')} says '${format}'; this Agora reads '${FORMAT}'`));
    }
    let epoch = 0;
    try {
      const rec = decodeRecord(await readFile(join(dir, 'FENCE')));
      if (!rec.ok) return err(storeError('CORRUPT', `${join(dir, 'FENCE')}: ${rec.error}; the fencing epoch is unknown, so no leader can write safely (restore the file or remove it deliberately)`));
      epoch = rec.value.version;
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
    for (const name of await readdir(dir)) {
      if (name.startsWith(TEMP_PREFIX)) await unlink(join(dir, name));
    }
    await sweep(join(dir, 'kv'), true);
    return ok(epoch);
  } catch (e) {
    return err(fsError(e, `cannot open state directory ${dir}`));
  }
}

/** Removes temp files and empty key directories below `path`; returns whether `path` is now empty. */
async function sweep(path: string, isRoot: boolean): Promise<boolean> {
  const entries = await readdir(path, { withFileTypes: true });
  let remaining = entries.length;
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) {
      if (await sweep(p, false)) {
        await rmdir(p);
        remaining--;
      }
    } else if (e.name.startsWith(TEMP_PREFIX)) {
      await unlink(p);
      remaining--;
    }
  }
  if (remaining !== entries.length) await fsyncDir(path);
  return !isRoot && remaining === 0;
}

class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const r = this.tail.then(fn);
    this.tail = r.catch(() => undefined);
    return r;
  }
}

class FileStore implements StateStore, WriteOps {
  readonly kind = 'file' as const;
  private readonly kv: string;
  private readonly mutex = new Mutex();
  /** key → version (undefined: known to have no value); filled under the mutex only. */
  private readonly versions = new Map<string, Version | undefined>();
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly lock: DirectoryLock,
    private epoch: number,
    readonly maxValueBytes: number,
  ) {
    this.kv = join(dir, 'kv');
  }

  private keyDir(segments: string[]): string {
    return join(this.kv, ...segments);
  }

  private closedError(key?: string): StoreError {
    return storeError('CLOSED', `the file store at ${this.dir} is closed`, key);
  }

  async get(key: string): Promise<Result<Entry | undefined, StoreError>> {
    if (this.closed) return err(this.closedError(key));
    const segs = keySegments(key);
    if (!segs.ok) return segs;
    const r = await this.readValue(key, segs.value);
    if (!r.ok) return r;
    return ok(r.value);
  }

  private async readValue(key: string, segs: string[]): Promise<Result<Entry | undefined, StoreError>> {
    const file = join(this.keyDir(segs), VALUE_FILE);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      return isMissing(e) ? ok(undefined) : err(fsError(e, `cannot read ${file}`, key));
    }
    const rec = decodeRecord(bytes);
    if (!rec.ok) return err(storeError('CORRUPT', `${file}: ${rec.error}`, key));
    return ok({ value: rec.value.value, version: rec.value.version });
  }

  /** The current version under the mutex (cached). A corrupt value is reported as such. */
  private async currentVersion(key: string, segs: string[]): Promise<Result<Version | undefined, StoreError>> {
    if (this.versions.has(key)) return ok(this.versions.get(key));
    const r = await this.readValue(key, segs);
    if (!r.ok) return r;
    this.versions.set(key, r.value?.version);
    return ok(r.value?.version);
  }

  private checkFence(token: FenceToken | undefined, key: string): StoreError | undefined {
    if (token === undefined || token.epoch === this.epoch) return undefined;
    return storeError('FENCED', `write refused: fencing epoch ${token.epoch} was superseded by epoch ${this.epoch} (a newer leader claimed the store)`, key);
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
    return this.mutex.run(async () => {
      if (this.closed) return err(this.closedError(key));
      const fenced = this.checkFence(token, key);
      if (fenced) return err(fenced);
      const cur = await this.currentVersion(key, segs.value);
      let current: Version | undefined;
      if (cur.ok) current = cur.value;
      else if (cur.error.code === 'CORRUPT' && expected === 'any') current = -1; // overwrite repairs it
      else return cur;
      if (current !== -1 && !expectationMet(expected, current)) {
        return err(storeError('VERSION_MISMATCH', `'${key}' has ${describeCurrent(current)}, the write expected ${describeExpected(expected)}`, key));
      }
      const next = current === undefined ? 0 : current + 1;
      const keyDir = this.keyDir(segs.value);
      try {
        const created = await mkdir(keyDir, { recursive: true });
        try {
          await writeFileAtomic(keyDir, VALUE_FILE, encodeRecord(next, value));
        } catch (e) {
          if (created !== undefined) await this.pruneEmpty(keyDir);
          throw e;
        }
        if (created !== undefined) {
          // Make the new directories' entries durable, from the first one created downwards.
          await fsyncDir(dirname(created));
          for (let d = keyDir; d.length > created.length; d = dirname(d)) await fsyncDir(dirname(d));
        }
      } catch (e) {
        this.versions.delete(key);
        return err(fsError(e, `cannot write '${key}'`, key));
      }
      this.versions.set(key, next);
      return ok(next);
    });
  }

  async remove(key: string, expected: Version | 'any', token: FenceToken | undefined): Promise<Result<void, StoreError>> {
    if (this.closed) return err(this.closedError(key));
    const segs = keySegments(key);
    if (!segs.ok) return segs;
    if (expected !== 'any' && !isVersion(expected)) {
      return err(storeError('INVALID_KEY', `expected must be a version or 'any', not ${String(expected)}`, key));
    }
    return this.mutex.run(async () => {
      if (this.closed) return err(this.closedError(key));
      const fenced = this.checkFence(token, key);
      if (fenced) return err(fenced);
      const cur = await this.currentVersion(key, segs.value);
      if (!cur.ok && !(cur.error.code === 'CORRUPT' && expected === 'any')) return cur;
      const current = cur.ok ? cur.value : -1;
      if (current === undefined) {
        return expected === 'any' ? ok(undefined) : err(storeError('VERSION_MISMATCH', `'${key}' has no value, the delete expected version ${expected}`, key));
      }
      if (current !== -1 && expected !== 'any' && expected !== current) {
        return err(storeError('VERSION_MISMATCH', `'${key}' has version ${current}, the delete expected version ${expected}`, key));
      }
      const keyDir = this.keyDir(segs.value);
      try {
        await unlink(join(keyDir, VALUE_FILE));
        await fsyncDir(keyDir);
        await this.pruneEmpty(keyDir);
      } catch (e) {
        this.versions.delete(key);
        return err(fsError(e, `cannot delete '${key}'`, key));
      }
      this.versions.set(key, undefined);
      return ok(undefined);
    });
  }

  /** Removes `dir` and its ancestors (below kv/) while they are empty. */
  private async pruneEmpty(dir: string): Promise<void> {
    let d = dir;
    let removed = false;
    while (d.length > this.kv.length) {
      try {
        await rmdir(d);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOENT') break;
        throw e;
      }
      removed = true;
      d = dirname(d);
    }
    if (removed) await fsyncDir(d);
  }

  async list(prefix: string): Promise<Result<string[], StoreError>> {
    if (this.closed) return err(this.closedError(prefix));
    const segs = keySegments(prefix, { allowRoot: true });
    if (!segs.ok) return segs;
    // Under the mutex, so a write that is creating a key's directory is not seen half-done.
    return this.mutex.run(async () => {
      const path = this.keyDir(segs.value);
      try {
        const entries = await readdir(path, { withFileTypes: true });
        return ok(entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort());
      } catch (e) {
        return isMissing(e) ? ok([]) : err(fsError(e, `cannot list '${prefix}'`, prefix));
      }
    });
  }

  claimEpoch(): Promise<Result<FenceToken, StoreError>> {
    if (this.closed) return Promise.resolve(err(this.closedError()));
    return this.mutex.run(async () => {
      if (this.closed) return err(this.closedError());
      const next = this.epoch + 1;
      try {
        await writeFileAtomic(this.dir, 'FENCE', encodeRecord(next, new Uint8Array(0)));
      } catch (e) {
        return err(fsError(e, 'cannot write the fencing epoch'));
      }
      this.epoch = next;
      return ok({ epoch: next });
    });
  }

  fenced(token: FenceToken): FencedStore {
    return fencedView(this, token);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A write already running finishes; writes queued behind it see `closed` and refuse. Then unlock.
    await this.mutex.run(async () => undefined);
    await this.lock.release();
  }
}
