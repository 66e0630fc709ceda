/**
 * Virtual paths of `/files` → real sandbox paths, refusing anything that would leave a sandbox.
 *
 * Accepted forms (Mesos's attached paths):
 *   /frameworks/<fid>/executors/<eid>/runs/<latest|cid>[/rest]
 *   <work_dir>/slaves/<this agent>/frameworks/<fid>/executors/<eid>/runs/<latest|cid>[/rest]
 *
 * Safety rules (each tested in files.test.ts):
 *  - IDs must pass `idProblem`; a `..` segment anywhere is refused (403), whatever its encoding
 *    (the query string is decoded once, by the HTTP layer; nothing is decoded again here).
 *  - NUL bytes are refused (403); so is anything but an absolute path (404).
 *  - The sandbox root's real path must be exactly where the layout puts it under the work dir's
 *    real path (no symlinked `runs`, framework or executor directory); `latest` is taken from
 *    the agent's memory, or from its on-disk link only when that names a sibling run directory.
 *  - The target's real path (symlinks resolved) must be the root or inside it (403 otherwise).
 *    Content is then opened with O_NOFOLLOW and its path re-checked through /proc/self/fd, so a
 *    task that swaps a file for a symlink between check and open gains nothing (open.ts).
 */
import { readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { idProblem } from '@agora/protocol';
import type { SandboxLayout } from '../core/sandbox.ts';

export interface SandboxIndex {
  /** The run directory this agent knows for `latest` (live executor, or its last completed run). */
  latestRun(frameworkId: string, executorId: string): string | undefined;
}

export interface ResolveContext {
  layout: SandboxLayout;
  /** The work dir's real path (symlinks resolved once at startup). */
  workDirReal: string;
  agentId: string | undefined;
  index: SandboxIndex;
}

export type Resolved =
  | { ok: true; root: string; target: string; virtual: string }
  | { ok: false; status: 400 | 403 | 404; message: string };

const MAX_PATH = 4096;
const refuse = (status: 400 | 403 | 404, message: string): Resolved => ({ ok: false, status, message });

export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : root + '/');
}

export async function resolveVirtualPath(virtual: string, ctx: ResolveContext): Promise<Resolved> {
  if (virtual === '') return refuse(400, "Expecting 'path=value' in query");
  if (virtual.includes('\0')) return refuse(403, "path: contains a NUL byte");
  if (virtual.length > MAX_PATH) return refuse(404, `path: longer than ${MAX_PATH} characters`);
  if (!virtual.startsWith('/')) return refuse(404, 'path: not an absolute path');
  const agentId = ctx.agentId;
  if (agentId === undefined) return refuse(404, 'path: no sandboxes yet (the agent is not registered)');

  let segments: string[];
  const workDir = ctx.layout.workDir;
  const legacyPrefixes = [`${workDir}/slaves/`, `${ctx.workDirReal}/slaves/`];
  const prefix = legacyPrefixes.find((p) => virtual.startsWith(p));
  if (prefix !== undefined) {
    segments = virtual.slice(prefix.length).split('/');
    if (segments[0] !== agentId) return refuse(404, 'path: not a sandbox of this agent');
    segments = segments.slice(1);
  } else {
    segments = virtual.slice(1).split('/');
  }
  const [frameworks, fid, executors, eid, runs, run, ...rest] = segments;
  if (frameworks !== 'frameworks' || executors !== 'executors' || runs !== 'runs' || fid === undefined || eid === undefined || run === undefined) {
    return refuse(404, 'path: not a sandbox path (/frameworks/<id>/executors/<id>/runs/<latest|container>)');
  }
  for (const [field, id] of [['framework ID', fid], ['executor ID', eid], ['container ID', run]] as const) {
    const p = idProblem(id);
    if (p !== undefined) return refuse(id === '..' ? 403 : 404, `path: ${field} ${p}`);
  }
  if (rest.some((s) => s === '..')) return refuse(403, 'path: escapes the sandbox');

  let runDir: string;
  if (run === 'latest') {
    const known = ctx.index.latestRun(fid, eid);
    const onDisk = known ?? (await latestFromDisk(ctx.layout.runsDir(agentId, fid, eid)));
    if (onDisk === undefined) return refuse(404, 'path: no such sandbox');
    runDir = onDisk;
  } else {
    runDir = ctx.layout.runDir(agentId, fid, eid, run);
  }
  // The root must sit exactly where the layout says, under the work dir's real path.
  const expected = join(ctx.workDirReal, runDir.slice(workDir.length));
  let root: string;
  try {
    root = await realpath(runDir);
  } catch {
    return refuse(404, 'path: no such sandbox');
  }
  if (root !== expected) return refuse(403, 'path: the sandbox directory is not where it belongs');

  const clean = rest.filter((s) => s !== '' && s !== '.');
  let target: string;
  try {
    target = await realpath(join(root, ...clean));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ELOOP' ? refuse(403, 'path: too many symbolic links') : refuse(404, 'path: no such file or directory');
  }
  if (!isInside(root, target)) return refuse(403, 'path: escapes the sandbox');
  const normalized = '/' + segments.slice(0, 6).join('/') + (clean.length ? '/' + clean.join('/') : '');
  return { ok: true, root, target, virtual: prefix !== undefined ? virtual.replace(/\/+$/, '') : normalized };
}

/** `runs/latest` on disk, trusted only when it names a sibling run directory with a valid ID. */
async function latestFromDisk(runsDir: string): Promise<string | undefined> {
  try {
    const link = await readlink(join(runsDir, 'latest'));
    const name = basename(link);
    if (idProblem(name) !== undefined || name === 'latest') return undefined;
    if (link.includes('/') && dirname(link) !== runsDir) return undefined;
    return join(runsDir, name);
  } catch {
    return undefined;
  }
}
