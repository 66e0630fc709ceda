/**
 * Opens a store from one location string, as daemons take it on their command line
 * (`--state`, `--registry`):
 *
 *   zk://[user:pass@]host:port[,host:port]/path   ZooKeeper, keys under /path
 *   file:///abs/dir  or  /abs/dir  or  rel/dir    the file store in that directory
 *   memory:                                       an in-memory store (tests, throwaway runs)
 */
import { err, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import { openFileStore } from './file/file-store.ts';
import { createMemoryStore } from './memory/memory-store.ts';
import { storeError, type StateStore, type StoreError } from './store.ts';
import { parseZkUrl } from './zookeeper/url.ts';
import { openZooKeeperStore } from './zookeeper/zookeeper-store.ts';

export interface OpenStateStoreOptions {
  /** ZooKeeper session timeout. Default 10 s. */
  readonly sessionTimeoutMs?: number;
  readonly maxValueBytes?: number;
  readonly log?: Logger;
}

export async function openStateStore(location: string, opts: OpenStateStoreOptions = {}): Promise<Result<StateStore, StoreError>> {
  const max = opts.maxValueBytes !== undefined ? { maxValueBytes: opts.maxValueBytes } : {};
  if (location === 'memory:' || location === 'memory://') return { ok: true, value: createMemoryStore(max) };
  if (location.startsWith('zk://')) {
    const url = parseZkUrl(location);
    if (!url.ok) return err(storeError('INVALID_KEY', url.error));
    return openZooKeeperStore({
      servers: url.value.servers,
      root: url.value.path,
      ...(url.value.auth ? { auth: url.value.auth } : {}),
      ...(opts.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}),
      ...(opts.log ? { log: opts.log } : {}),
      ...max,
    });
  }
  let dir = location;
  if (location.startsWith('file://')) {
    dir = location.slice('file://'.length);
    if (!dir.startsWith('/')) return err(storeError('INVALID_KEY', `'${location}': a file:// location must be absolute (file:///var/lib/agora)`));
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(location)) {
    return err(storeError('INVALID_KEY', `'${location}': unknown store; use zk://host:port/path, file:///dir, a directory or memory:`));
  }
  if (dir === '') return err(storeError('INVALID_KEY', 'the store location is empty'));
  return openFileStore({ dir, ...max });
}
