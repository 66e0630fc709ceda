/**
 * The rules for names inside an archive, as pure functions (the extractor applies them):
 *
 *  - an entry path is relative: absolute paths and `..` components are refused (not rewritten),
 *    `.` and empty components are dropped, each component is at most 255 bytes and the whole path
 *    at most 4095 (Linux's PATH_MAX less the NUL);
 *  - a symbolic link's target is relative and, resolved from the link's directory, stays inside
 *    the extraction root — also when followed through the archive's other links.
 */
import { err, ok, type Result } from '@agora/protocol';

/** A path as it may appear in a message: control characters shown as `?`, long ones shortened. */
export function shown(path: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = path.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

export const MAX_PATH_BYTES = 4095;

export function entryComponents(path: string): Result<string[], string> {
  if (path.includes('\0')) return err('contains a NUL byte');
  if (path.startsWith('/')) return err('has an absolute path');
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return err("contains '..'");
  if (parts.some((p) => Buffer.byteLength(p) > 255)) return err('has a component longer than 255 bytes');
  // PATH_MAX: also what keeps a hostile archive's deep paths from costing quadratic time.
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return err(`has a path longer than ${MAX_PATH_BYTES} bytes`);
  return ok(parts);
}

/** Whether `target`, read from the directory holding the link at `linkPath`, leaves the root. */
export function symlinkEscapes(linkPath: readonly string[], target: string): boolean {
  if (target === '' || target.startsWith('/') || target.includes('\0')) return true;
  let depth = linkPath.length - 1;
  for (const c of target.split('/')) {
    if (c === '' || c === '.') continue;
    depth += c === '..' ? -1 : 1;
    if (depth < 0) return true;
  }
  return false;
}

/**
 * Resolves the link at `linkKey` through every link of the archive (`links`: path → target);
 * true if it ends outside the root, or loops. Components not in `links` are taken as directories.
 */
export function resolvesOutside(links: ReadonlyMap<string, string>, linkKey: string): boolean {
  const stack = linkKey.split('/').slice(0, -1);
  let queue = links.get(linkKey)!.split('/');
  let hops = 0;
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (stack.length === 0) return true;
      stack.pop();
      continue;
    }
    stack.push(c);
    const target = links.get(stack.join('/'));
    if (target === undefined) continue;
    if (++hops > 40 || target.startsWith('/')) return true;
    stack.pop();
    queue = [...target.split('/'), ...queue];
  }
  return false;
}
