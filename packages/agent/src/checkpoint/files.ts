/**
 * Durable file primitives for checkpoints, synchronous like Mesos's blocking checkpoint writes
 * (the core's "record, then acknowledge" order needs no awaiting).
 *
 *  - `writeAtomic`: write a temporary file beside the target, fsync it, rename it over the
 *    target, fsync the directory. A reader sees the old content or the new, never a mix; after a
 *    crash the new content is there once `writeAtomic` has returned.
 *  - `appendRecord`: append one line and fsync (a new file also fsyncs its directory). A crash
 *    mid-append leaves at most a partial last line, which readers ignore (records.ts).
 *
 * Failures are values naming the path.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

let seq = 0;

/** Removes a temporary file left by a failed write; it may not even be creatable. */
function discard(tmp: string): void {
  try {
    rmSync(tmp, { force: true });
  } catch {
    // nothing to remove
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates a directory and its parents. */
export function ensureDir(dir: string): Result<void, string> {
  try {
    mkdirSync(dir, { recursive: true });
    return ok(undefined);
  } catch (e) {
    return err(`cannot create ${dir}: ${why(e)}`);
  }
}

export function writeAtomic(path: string, data: string): Result<void, string> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${++seq}`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    fsyncDir(dir);
    return ok(undefined);
  } catch (e) {
    discard(tmp);
    return err(`cannot write ${path}: ${why(e)}`);
  }
}

export function appendRecord(path: string, line: string): Result<void, string> {
  try {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true });
    let created = false;
    let fd: number;
    try {
      fd = openSync(path, 'ax', 0o600);
      created = true;
    } catch {
      fd = openSync(path, 'a', 0o600);
    }
    try {
      writeSync(fd, line.endsWith('\n') ? line : `${line}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (created) fsyncDir(dir);
    return ok(undefined);
  } catch (e) {
    return err(`cannot append to ${path}: ${why(e)}`);
  }
}

/** Points `link` at `target` atomically (a reader never sees it missing). */
export function replaceSymlink(target: string, link: string): Result<void, string> {
  const tmp = join(dirname(link), `.${basename(link)}.tmp-${process.pid}-${++seq}`);
  try {
    mkdirSync(dirname(link), { recursive: true });
    rmSync(tmp, { force: true });
    symlinkSync(target, tmp);
    renameSync(tmp, link);
    fsyncDir(dirname(link));
    return ok(undefined);
  } catch (e) {
    discard(tmp);
    return err(`cannot link ${link}: ${why(e)}`);
  }
}

export function removeTree(path: string): Result<void, string> {
  try {
    rmSync(path, { recursive: true, force: true });
    return ok(undefined);
  } catch (e) {
    return err(`cannot remove ${path}: ${why(e)}`);
  }
}
