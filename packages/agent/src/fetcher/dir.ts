/**
 * Directories opened without following symbolic links, and file operations relative to them.
 *
 * Every path the fetcher writes is `/proc/self/fd/<dir fd>/<one name>`: the kernel resolves the
 * directory through the open descriptor (openat-style), not by its path, and only `<one name>`
 * is looked up. So a symbolic link planted anywhere in the sandbox, or a directory swapped for
 * one after we checked it, can never redirect a write: directories are opened with
 * `O_NOFOLLOW | O_DIRECTORY` one component at a time, files are created with
 * `O_EXCL | O_NOFOLLOW`, and rename/link/symlink/unlink never follow their last component.
 * Linux only (the agent is).
 */
import { constants, type Stats } from 'node:fs';
import { lchown, link, lstat, mkdir, open, readdir, rename, rm, rmdir, symlink, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '@agora/protocol';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_APPEND } = constants;

/** A message for a failed file-system call, without Node's `/proc/self/fd/N` paths. */
export function fsMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ELOOP: 'is a symbolic link',
    ENOTDIR: 'not a directory',
    EISDIR: 'is a directory',
    EEXIST: 'already exists',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    ENAMETOOLONG: 'name too long',
    ENOTEMPTY: 'directory not empty',
    EMLINK: 'too many links',
  };
  if (code !== undefined && known[code] !== undefined) return known[code]!;
  return e instanceof Error ? e.message.replace(/\/proc\/self\/fd\/\d+\/?/g, '') : String(e);
}

export const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

function checkName(name: string): void {
  // Callers validate names first; reaching this with a bad one is a bug.
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw new Error(`bug: unsafe path component '${name}'`);
}

export class Dir {
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    /** For messages: the path it was opened as. */
    readonly label: string,
  ) {}

  /** Opens an absolute path (its last component must not be a symbolic link). */
  static async open(path: string): Promise<Result<Dir, string>> {
    try {
      return ok(new Dir(await open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW), path));
    } catch (e) {
      return err(`cannot open the directory '${path}': ${fsMessage(e)}`);
    }
  }

  /** The path through which `name` in this directory is reached without resolving this directory's path. */
  at(name: string): string {
    checkName(name);
    if (this.closed) throw new Error(`bug: ${this.label} used after close`);
    return `/proc/self/fd/${this.handle.fd}/${name}`;
  }

  /** This directory itself (for readdir, chmod, chown through the descriptor). */
  get self(): string {
    return `/proc/self/fd/${this.handle.fd}`;
  }

  async lstat(name: string): Promise<Stats | undefined> {
    try {
      return await lstat(this.at(name));
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Opens the subdirectory `name`, creating it (with `mode`) if `create` and it does not exist. Never follows a link. */
  async child(name: string, create?: { mode: number; owner?: { uid: number; gid: number } }): Promise<Result<Dir, string>> {
    const label = `${this.label}/${name}`;
    try {
      if (create) {
        try {
          await mkdir(this.at(name), { mode: create.mode });
          if (create.owner) await lchown(this.at(name), create.owner.uid, create.owner.gid);
        } catch (e) {
          if (errnoOf(e) !== 'EEXIST') throw e;
        }
      }
      return ok(new Dir(await open(this.at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW), label));
    } catch (e) {
      const code = errnoOf(e);
      // O_DIRECTORY | O_NOFOLLOW on a link fails with ENOTDIR on Linux: say which it was.
      const link = code === 'ENOTDIR' && (await lstat(this.at(name)).then((s) => s.isSymbolicLink(), () => false));
      if (code === 'ELOOP' || link) return err(`'${label}' is a symbolic link`);
      if (code === 'ENOTDIR') return err(`'${label}' is not a directory`);
      return err(`'${label}': ${fsMessage(e)}`);
    }
  }

  /** Walks (and optionally creates) a chain of subdirectories; intermediate handles are closed. */
  async walk(components: readonly string[], create?: { mode: number; owner?: { uid: number; gid: number } }): Promise<Result<Dir, string>> {
    // The caller owns (and closes) what it gets back: walking nothing opens this directory again.
    if (components.length === 0) return this.reopen();
    let current: Dir | undefined;
    for (const c of components) {
      const next = await (current ?? this).child(c, create);
      await current?.close();
      if (!next.ok) return next;
      current = next.value;
    }
    return ok(current!);
  }

  /** Another handle on this same directory (through the descriptor, not the path). */
  async reopen(): Promise<Result<Dir, string>> {
    try {
      return ok(new Dir(await open(this.self, O_RDONLY | O_DIRECTORY), this.label));
    } catch (e) {
      return err(`'${this.label}': ${fsMessage(e)}`);
    }
  }

  /** Creates a new file (never an existing one, never through a link), open for writing. */
  createFile(name: string, mode = 0o600): Promise<FileHandle> {
    return open(this.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  }

  /** Opens `name` for appending, creating it if needed; refuses a symbolic link. */
  appendFile(name: string, mode = 0o644): Promise<FileHandle> {
    return open(this.at(name), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, mode);
  }

  /** Opens an existing regular file in this directory for reading (not through a link). */
  openRead(name: string): Promise<FileHandle> {
    return open(this.at(name), O_RDONLY | O_NOFOLLOW);
  }

  /** A fresh private subdirectory (mode 0700): only the agent's user can enter it. */
  async mkdtemp(prefix: string): Promise<Result<{ name: string; dir: Dir }, string>> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const name = `${prefix}${randomBytes(6).toString('hex')}`;
      try {
        await mkdir(this.at(name), { mode: 0o700 });
      } catch (e) {
        if (errnoOf(e) === 'EEXIST') continue;
        return err(`cannot create a private directory in '${this.label}': ${fsMessage(e)}`);
      }
      const d = await this.child(name);
      return d.ok ? ok({ name, dir: d.value }) : d;
    }
    return err(`cannot create a private directory in '${this.label}'`);
  }

  /** Moves `name` here to `to` in `target` (replacing a file or link there; never following one). */
  rename(name: string, target: Dir, to: string): Promise<void> {
    return rename(this.at(name), target.at(to));
  }

  /** A hard link `to` in `target` to the file `name` here. */
  link(name: string, target: Dir, to: string): Promise<void> {
    return link(this.at(name), target.at(to));
  }

  symlink(name: string, linkTarget: string): Promise<void> {
    return symlink(linkTarget, this.at(name));
  }

  /** Removes a file or link (not a directory). */
  unlink(name: string): Promise<void> {
    return unlink(this.at(name));
  }

  /** Removes `name` and everything under it. Safe only inside a directory nobody else can write. */
  removeTree(name: string): Promise<void> {
    return rm(this.at(name), { recursive: true, force: true });
  }

  rmdir(name: string): Promise<void> {
    return rmdir(this.at(name));
  }

  list(): Promise<string[]> {
    return readdir(this.self);
  }

  chmod(mode: number): Promise<void> {
    return this.handle.chmod(mode);
  }

  chown(uid: number, gid: number): Promise<void> {
    return this.handle.chown(uid, gid);
  }

  lchown(name: string, uid: number, gid: number): Promise<void> {
    return lchown(this.at(name), uid, gid);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}
