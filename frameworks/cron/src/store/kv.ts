/**
 * The storage the cron framework needs: a key-value store with `get/set/delete/list`, the same
 * shape as @agora/state's `KeyValueStore` (so its file and ZooKeeper stores plug in unchanged),
 * plus the in-memory store used by tests and the benchmark. `file-kv.ts` is a small directory
 * store for a single daemon.
 */
import { ok, type Result } from '@agora/protocol';

export interface KvError {
  readonly code: string;
  readonly message: string;
}

export interface Kv {
  get(key: string): Promise<Result<{ readonly value: Uint8Array; readonly version: number } | undefined, KvError>>;
  set(key: string, value: Uint8Array, expected: 'any'): Promise<Result<number, KvError>>;
  delete(key: string, expected?: 'any'): Promise<Result<void, KvError>>;
  /** Names directly below `prefix` (one segment each, sorted). */
  list(prefix: string): Promise<Result<string[], KvError>>;
}

export class MemoryKv implements Kv {
  readonly data = new Map<string, { value: Uint8Array; version: number }>();
  /** Counts writes (tests assert on the order of intent and launch). */
  writes = 0;

  get(key: string) {
    return Promise.resolve(ok(this.data.get(key)));
  }

  set(key: string, value: Uint8Array) {
    const version = (this.data.get(key)?.version ?? -1) + 1;
    this.data.set(key, { value, version });
    this.writes++;
    return Promise.resolve(ok(version));
  }

  delete(key: string) {
    this.data.delete(key);
    return Promise.resolve(ok(undefined));
  }

  list(prefix: string) {
    const p = prefix === '' ? '' : `${prefix}/`;
    const names = new Set<string>();
    for (const k of this.data.keys()) if (k.startsWith(p)) names.add(k.slice(p.length).split('/')[0]!);
    return Promise.resolve(ok([...names].sort()));
  }
}
