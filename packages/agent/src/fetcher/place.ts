/**
 * Moving what a fetch produced (in its private directory) into the sandbox, without ever
 * following a link that is already there (see dir.ts):
 *
 *  - `placeFile`: one file at a sandbox-relative path; missing parent directories are created,
 *    an existing parent that is a symbolic link (or not a directory) is refused, an existing file
 *    or link at the path itself is replaced (rename replaces the link, it does not write through
 *    it), an existing directory there is refused;
 *  - `mergeInto`: a tree into a directory, as tar extracts over one: directories present on both
 *    sides are merged, files and links are replaced, a directory never replaces a file's place or
 *    the reverse silently;
 *  - `chownTree`: hands a private tree to the task's user before it is moved (lchown, never
 *    following links).
 */
import { err, ok, type Result } from '@agora/protocol';
import type { Dir } from './dir.ts';
import { fsMessage } from './dir.ts';
import { shown } from './archive/paths.ts';

export interface Owner {
  uid: number;
  gid: number;
}

export async function placeFile(from: Dir, name: string, root: Dir, components: readonly string[], owner?: Owner): Promise<Result<void, string>> {
  const parents = components.slice(0, -1);
  const where = components.join('/');
  const parent = await root.walk(parents, { mode: 0o755, ...(owner ? { owner } : {}) });
  if (!parent.ok) return err(`cannot put '${shown(where)}' in the sandbox: ${parent.error.replace(`${root.label}/`, '')}`);
  try {
    const last = components.at(-1)!;
    const existing = await parent.value.lstat(last);
    if (existing?.isDirectory()) return err(`cannot put '${shown(where)}' in the sandbox: a directory is there`);
    await from.rename(name, parent.value, last);
    return ok(undefined);
  } catch (e) {
    return err(`cannot put '${shown(where)}' in the sandbox: ${fsMessage(e)}`);
  } finally {
    await parent.value.close();
  }
}

export async function mergeInto(from: Dir, to: Dir, prefix = ''): Promise<Result<void, string>> {
  try {
    for (const name of await from.list()) {
      const where = `${prefix}${name}`;
      const src = await from.lstat(name);
      if (!src) continue;
      const dst = await to.lstat(name);
      if (src.isDirectory() && dst?.isDirectory()) {
        const a = await from.child(name);
        if (!a.ok) return a;
        const b = await to.child(name);
        if (!b.ok) {
          await a.value.close();
          return err(`cannot merge into '${shown(where)}' in the sandbox: ${b.error}`);
        }
        const merged = await mergeInto(a.value, b.value, `${where}/`);
        await a.value.close();
        await b.value.close();
        if (!merged.ok) return merged;
        await from.rmdir(name);
        continue;
      }
      if (dst?.isDirectory()) return err(`cannot extract '${shown(where)}': a directory of that name is already in the sandbox`);
      // rename() replaces a file or link, but not with a directory: remove the file first.
      if (src.isDirectory() && dst) await to.unlink(name);
      await from.rename(name, to, name);
    }
    return ok(undefined);
  } catch (e) {
    return err(`cannot move '${shown(prefix || '.')}' into the sandbox: ${fsMessage(e)}`);
  }
}

/** Gives everything under `dir` (not `dir` itself) to `owner`, children before parents. */
export async function chownTree(dir: Dir, owner: Owner): Promise<void> {
  for (const name of await dir.list()) {
    const s = await dir.lstat(name);
    if (s?.isDirectory()) {
      const child = await dir.child(name);
      if (child.ok) {
        try {
          await chownTree(child.value, owner);
        } finally {
          await child.value.close();
        }
      }
    }
    await dir.lchown(name, owner.uid, owner.gid);
  }
}
