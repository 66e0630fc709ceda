/**
 * One owner per store directory, across processes and within one process.
 *
 * The lock is a listening Unix socket in Linux's abstract namespace, named after the directory's
 * device and inode. Binding is atomic, a second bind fails with EADDRINUSE, and the kernel drops
 * the name the moment the owner dies (SIGKILL included): no stale lock files, no PID-reuse races.
 * `LOCK` in the directory records the owner's pid for error messages only.
 * Limitation: the abstract namespace is per network namespace, so two processes in different
 * network namespaces sharing one directory are not kept apart.
 */
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import { storeError, type StoreError } from '../store.ts';

export interface DirectoryLock {
  release(): Promise<void>;
}

export async function lockDirectory(dir: string): Promise<Result<DirectoryLock, StoreError>> {
  const st = statSync(dir, { bigint: true });
  const name = `\0agora-state-lock:${st.dev}:${st.ino}`;
  const server = createServer();
  const bound = await new Promise<Result<Server, NodeJS.ErrnoException>>((resolve) => {
    server.once('error', (e: NodeJS.ErrnoException) => resolve(err(e)));
    server.listen({ path: name, exclusive: true }, () => resolve(ok(server)));
  });
  if (!bound.ok) {
    if (bound.error.code === 'EADDRINUSE') {
      return err(storeError('LOCKED', `state directory ${dir} is in use by another store (${describeOwner(dir)}); only one process may own it`));
    }
    return err(storeError('UNAVAILABLE', `cannot lock state directory ${dir}: ${bound.error.message}`));
  }
  server.unref();
  // Connections to the lock socket are not expected; refuse them politely.
  server.on('connection', (s) => s.destroy());
  const lockFile = join(dir, 'LOCK');
  try {
    writeFileSync(lockFile, `${JSON.stringify({ pid: process.pid, hostname: hostname(), since: new Date().toISOString() })}\n`);
  } catch {
    // Diagnostics only.
  }
  let released = false;
  return ok({
    async release() {
      if (released) return;
      released = true;
      // The file goes first: once the socket is closed a new owner may write its own.
      try {
        unlinkSync(lockFile);
      } catch {
        // Already gone.
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

function describeOwner(dir: string): string {
  try {
    const owner = JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')) as { pid?: unknown; hostname?: unknown; since?: unknown };
    if (owner.pid === process.pid) return `this process, pid ${process.pid}, already has it open`;
    return `pid ${String(owner.pid)} on ${String(owner.hostname)} since ${String(owner.since)}`;
  } catch {
    return 'owner unknown';
  }
}
