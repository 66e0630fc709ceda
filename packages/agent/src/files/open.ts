/**
 * Opening sandbox files for reading without following a symlink planted after the path was
 * checked: O_NOFOLLOW for the last component, O_NONBLOCK so a FIFO cannot hang the agent, and a
 * look at /proc/self/fd/<fd> to confirm the opened file is still inside the sandbox.
 */
import { constants, type Stats } from 'node:fs';
import { open, readlink, type FileHandle } from 'node:fs/promises';
import { isInside } from './resolve.ts';

export type Opened = { ok: true; handle: FileHandle; stat: Stats } | { ok: false; status: 400 | 403 | 404; message: string };

export async function openInside(root: string, target: string): Promise<Opened> {
  let handle: FileHandle;
  try {
    handle = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { ok: false, status: 403, message: 'path: is a symbolic link' };
    if (code === 'EACCES' || code === 'EPERM') return { ok: false, status: 403, message: 'path: permission denied' };
    return { ok: false, status: 404, message: 'path: no such file' };
  }
  try {
    const real = await readlink(`/proc/self/fd/${handle.fd}`);
    if (!isInside(root, real)) {
      await handle.close();
      return { ok: false, status: 403, message: 'path: escapes the sandbox' };
    }
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      return { ok: false, status: 400, message: 'Cannot read a directory' };
    }
    if (!stat.isFile()) {
      await handle.close();
      return { ok: false, status: 400, message: 'path: not a regular file' };
    }
    return { ok: true, handle, stat };
  } catch {
    await handle.close().catch(() => undefined);
    return { ok: false, status: 404, message: 'path: no such file' };
  }
}
