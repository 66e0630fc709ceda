/**
 * The agent-wide fetcher cache (Mesos's fetcher cache), used for URIs with `cache: true`.
 *
 *  - Keyed by URI and user (`user@uri`, or the URI alone when tasks run as the agent's user): a
 *    file one user could read is never served to another.
 *  - One download per key at a time: concurrent fetches of a URI wait for the same download. It is
 *    cancelled only when every fetch waiting for it has been cancelled.
 *  - Bounded by `capacity` bytes of completed entries, evicting the least recently used entries
 *    no fetch is using. A download is sized when it completes (no HEAD request, so servers without
 *    Content-Length work): one that does not fit even after eviction serves the fetches that
 *    waited for it and is then deleted (as Mesos, which then fetches directly).
 *  - A failed download leaves nothing behind; the next fetch tries again.
 *  - Files live in one directory (mode 0700) as `c<serial>-<name>`; the name keeps the URI's
 *    extension for extraction. Files of that pattern left by an earlier agent are removed at start
 *    (Mesos clears its cache on recovery too).
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import { formatBytes } from './bytes.ts';
import { fsMessage } from './dir.ts';
import { CANCELLED } from './write-stream.ts';

export type Download = (dest: string, signal: AbortSignal) => Promise<Result<{ bytes: number; mode?: number }, string>>;

export interface CacheLease {
  readonly path: string;
  readonly bytes: number;
  readonly mode: number | undefined;
  /** Whether another fetch downloaded it (true also when this one waited for that download). */
  readonly hit: boolean;
  /** Lets the entry be evicted again; call once, when the file has been used. */
  release(): void;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  capacity: number;
  hits: number;
  misses: number;
  evictions: number;
}

interface Entry {
  readonly key: string;
  readonly file: string;
  state: 'downloading' | 'ready' | 'gone';
  bytes: number;
  mode: number | undefined;
  /** Fetches holding a lease or waiting for the download. */
  refs: number;
  /** Fetches waiting for the download; when the last one is cancelled, so is the download. */
  waiting: number;
  /** False when the file serves its current leases only (too large, or evicted meanwhile). */
  kept: boolean;
  done: Promise<Result<void, string>>;
  readonly abort: AbortController;
}

const FILE_PATTERN = /^c\d+-/;

export class FetcherCache {
  /** In least-recently-used order (oldest first): a use moves an entry to the end. */
  private readonly table = new Map<string, Entry>();
  private used = 0;
  private serial = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private ready: Promise<Result<void, string>> | undefined;

  constructor(
    readonly dir: string,
    readonly capacity: number,
    private readonly logger: Logger,
  ) {}

  /** Creates the directory and removes an earlier agent's files (once; later calls share it). */
  init(): Promise<Result<void, string>> {
    this.ready ??= (async () => {
      try {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        const stale = (await readdir(this.dir)).filter((n) => FILE_PATTERN.test(n));
        await Promise.all(stale.map((n) => rm(join(this.dir, n), { force: true, recursive: true })));
        if (stale.length > 0) this.logger.info({ dir: this.dir, files: stale.length }, 'removed fetcher cache files left by an earlier agent');
        return ok(undefined);
      } catch (e) {
        return err(`cannot use the fetcher cache directory '${this.dir}': ${fsMessage(e)}`);
      }
    })();
    return this.ready;
  }

  stats(): CacheStats {
    let entries = 0;
    for (const e of this.table.values()) if (e.state === 'ready') entries++;
    return { entries, bytes: this.used, capacity: this.capacity, hits: this.hits, misses: this.misses, evictions: this.evictions };
  }

  /**
   * The cached file for `key`, downloading it with `download` if no fetch has yet. Resolves with
   * the download's failure, or CANCELLED when `signal` aborts first.
   */
  async acquire(key: string, name: string, download: Download, signal: AbortSignal): Promise<Result<CacheLease, string>> {
    let entry = this.table.get(key);
    const hit = entry !== undefined;
    if (entry) {
      this.table.delete(key);
      this.table.set(key, entry);
      this.hits++;
    } else {
      this.misses++;
      entry = this.start(key, name, download);
    }
    const e = entry;
    e.refs++;
    e.waiting++;
    let onAbort: (() => void) | undefined;
    const cancelled = new Promise<'cancelled'>((resolve) => {
      onAbort = () => resolve('cancelled');
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    const outcome = await Promise.race([e.done, cancelled]);
    signal.removeEventListener('abort', onAbort!);
    e.waiting--;
    if (outcome === 'cancelled' || !outcome.ok) {
      this.release(e);
      if (outcome === 'cancelled' && e.waiting === 0 && e.state === 'downloading') e.abort.abort();
      return err(outcome === 'cancelled' ? CANCELLED : outcome.error);
    }
    let released = false;
    return ok({
      path: e.file,
      bytes: e.bytes,
      mode: e.mode,
      hit,
      release: () => {
        if (released) return;
        released = true;
        this.release(e);
      },
    });
  }

  private start(key: string, name: string, download: Download): Entry {
    const short = name.length > 40 ? `${name.slice(0, 15)}_${name.slice(-24)}` : name;
    const file = join(this.dir, `c${++this.serial}-${short.replace(/[^A-Za-z0-9._-]/g, '_') || 'file'}`);
    const entry: Entry = { key, file, state: 'downloading', bytes: 0, mode: undefined, refs: 0, waiting: 0, kept: true, done: Promise.resolve(ok(undefined)), abort: new AbortController() };
    this.table.set(key, entry);
    entry.done = (async (): Promise<Result<void, string>> => {
      const r = await download(file, entry.abort.signal);
      if (!r.ok) {
        this.forget(entry);
        entry.state = 'gone';
        await rm(file, { force: true }).catch(() => undefined);
        return r;
      }
      entry.bytes = r.value.bytes;
      entry.mode = r.value.mode;
      entry.state = 'ready';
      this.admit(entry);
      return ok(undefined);
    })();
    return entry;
  }

  /** Makes room for a completed download, or serves it to its current fetches only. */
  private admit(entry: Entry): void {
    if (entry.bytes <= this.capacity) {
      for (const victim of [...this.table.values()]) {
        if (this.used + entry.bytes <= this.capacity) break;
        if (victim !== entry && victim.state === 'ready' && victim.kept && victim.refs === 0) this.evict(victim);
      }
    }
    if (this.used + entry.bytes > this.capacity) {
      this.logger.info({ key: entry.key, bytes: entry.bytes, capacity: this.capacity }, `not caching a ${formatBytes(entry.bytes)} download: the cache (${formatBytes(this.capacity)}) has no room for it`);
      entry.kept = false;
      this.forget(entry);
      if (entry.refs === 0) {
        entry.state = 'gone';
        void rm(entry.file, { force: true }).catch(() => undefined);
      }
      return;
    }
    this.used += entry.bytes;
  }

  private evict(victim: Entry): void {
    this.forget(victim);
    victim.kept = false;
    victim.state = 'gone';
    this.used -= victim.bytes;
    this.evictions++;
    this.logger.debug({ key: victim.key, bytes: victim.bytes }, 'evicted a fetcher cache entry');
    void rm(victim.file, { force: true }).catch(() => undefined);
  }

  private forget(entry: Entry): void {
    if (this.table.get(entry.key) === entry) this.table.delete(entry.key);
  }

  private release(entry: Entry): void {
    entry.refs--;
    if (!entry.kept && entry.refs === 0 && entry.state !== 'downloading') {
      entry.state = 'gone';
      void rm(entry.file, { force: true }).catch(() => undefined);
    }
  }

  /** Cancels downloads in flight (the agent is stopping). */
  close(): void {
    for (const e of this.table.values()) if (e.state === 'downloading') e.abort.abort();
  }
}
