/** Durable file operations: atomic replace (temp file, fsync, rename, fsync the directory). */
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { storeError, type StoreError } from '../store.ts';

export const TEMP_PREFIX = '.tmp-';
let tempCounter = 0;

/** Flushes a directory's entries (a rename or a created file) to disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `dir/name` with `data` so that, whatever happens (a crash, SIGKILL, power loss), the
 * file holds either the old bytes or the new ones, and the new ones are durable on return.
 */
export async function writeFileAtomic(dir: string, name: string, data: Uint8Array): Promise<void> {
  const tmp = join(dir, `${TEMP_PREFIX}${name}-${process.pid}-${++tempCounter}`);
  let renamed = false;
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, name));
    renamed = true;
    await fsyncDir(dir);
  } finally {
    if (!renamed) await unlink(tmp).catch(() => undefined);
  }
}

/** Maps a file-system failure to a store error (disk full and I/O errors are UNAVAILABLE). */
export function fsError(e: unknown, what: string, key?: string): StoreError {
  const code = (e as NodeJS.ErrnoException).code;
  const message = `${what}: ${e instanceof Error ? e.message : String(e)}`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return storeError('DENIED', message, key);
  return storeError('UNAVAILABLE', message, key);
}

export const isMissing = (e: unknown): boolean => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};
