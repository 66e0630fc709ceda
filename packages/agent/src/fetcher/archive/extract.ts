/**
 * Extracts an archive into a private directory, validating every entry before it touches the
 * disk. The directory (`into`) is created by the fetcher inside the sandbox with mode 0700; only
 * after the whole archive has passed is its content moved into place (place.ts).
 *
 * Rules (each refusal fails the fetch, naming the entry):
 *  - paths: see paths.ts (no absolute paths, no `..`);
 *  - nothing is written through a symbolic link: parents are opened one component at a time with
 *    O_NOFOLLOW, an entry under an archived link or file is refused, and files are always new
 *    inodes (an existing file or link is unlinked first, then created with O_EXCL);
 *  - symbolic links must stay inside (lexically, and through the archive's other links);
 *  - hard links may only name a regular file extracted earlier from the same archive;
 *  - device files, FIFOs, sockets, sparse files and unknown entry types are refused;
 *  - setuid, setgid and sticky bits are stripped; owners in the archive are ignored (everything
 *    belongs to the agent's user until the fetcher hands it to the task's user);
 *  - at most `maxBytes` of file data and `maxEntries` entries (decompression bombs).
 */
import { err, ok, type Result } from '@agora/protocol';
import { errnoOf, fsMessage, type Dir } from '../dir.ts';
import { formatBytes } from '../bytes.ts';
import { CANCELLED, tooLarge } from '../write-stream.ts';
import { decompressed } from './decode.ts';
import { ArchiveError, type ArchiveEntry } from './entry.ts';
import type { ArchiveKind } from './kind.ts';
import { entryComponents, resolvesOutside, shown, symlinkEscapes } from './paths.ts';
import { tarEntries } from './tar.ts';
import { zipEntries } from './zip.ts';

export interface ExtractLimits {
  maxBytes: number;
  maxEntries: number;
}

export interface ExtractStats {
  entries: number;
  bytes: number;
  /** Entries whose setuid/setgid/sticky bits were dropped. */
  stripped: number;
}

/**
 * Extracts `path` (an archive of `kind`) into `into`. A plain `.gz` becomes the one file
 * `gzName` there. Malformed archives, refused entries, limits and file-system failures are
 * values; only bugs throw.
 */
export async function extractArchive(
  path: string,
  kind: ArchiveKind,
  into: Dir,
  limits: ExtractLimits,
  signal: AbortSignal,
  gzName?: string,
): Promise<Result<ExtractStats, string>> {
  try {
    if (kind.format === 'gzip-file') return await gunzipFile(path, into, gzName!, limits, signal);
    const entries = kind.format === 'zip' ? zipEntries(path) : tarEntries(bounded(decompressed(path, kind.codec), tarStreamLimit(limits)));
    return await new Extractor(into, limits, signal).run(entries);
  } catch (e) {
    if (e instanceof ArchiveError) return err(e.message);
    if (errnoOf(e) !== undefined) return err(fsMessage(e));
    throw e;
  }
}

/**
 * The most a tar stream may decompress to: the file data limit plus room for honest headers
 * (1 KiB per entry, and as much again as the data limit, at most 64 MiB). Data the extractor never writes — skipped records,
 * the declared contents of links or devices — counts too, so a stream of zeros cannot keep a
 * decompressor busy for hours.
 */
export const tarStreamLimit = (limits: ExtractLimits): number => limits.maxBytes + limits.maxEntries * 1024 + Math.min(limits.maxBytes, 64 * 1024 * 1024);

async function* bounded(source: AsyncIterable<Buffer>, max: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > max) throw new ArchiveError(`decompressed, the archive is larger than ${formatBytes(max)} (--fetcher-max-size plus room for headers)`);
    yield chunk;
  }
}

async function gunzipFile(path: string, into: Dir, name: string, limits: ExtractLimits, signal: AbortSignal): Promise<Result<ExtractStats, string>> {
  const out = await into.createFile(name, 0o644);
  let bytes = 0;
  try {
    for await (const chunk of decompressed(path, 'gzip')) {
      if (signal.aborted) return err(CANCELLED);
      bytes += chunk.length;
      if (bytes > limits.maxBytes) return err(`decompressed, ${tooLarge(limits.maxBytes)}`);
      await out.write(chunk);
    }
    await out.chmod(0o644);
  } finally {
    await out.close();
  }
  return ok({ entries: 1, bytes, stripped: 0 });
}

type Kind = 'dir' | 'file' | 'symlink';

/** Open directories under the extraction root, by relative path, a bounded number at a time. */
class DirCache {
  private readonly open = new Map<string, Dir>();

  constructor(private readonly root: Dir) {}

  /** The directory at `parts` (created with 0700 where missing). Valid until the next `get`. */
  async get(parts: readonly string[]): Promise<Dir> {
    if (parts.length === 0) return this.root;
    const key = parts.join('/');
    const hit = this.open.get(key);
    if (hit) {
      this.open.delete(key);
      this.open.set(key, hit);
      return hit;
    }
    const parent = await this.get(parts.slice(0, -1));
    const child = await parent.child(parts.at(-1)!, { mode: 0o700 });
    // The extractor checked its own records first; a link or file here means the records are wrong.
    if (!child.ok) throw new ArchiveError(child.error);
    this.open.set(key, child.value);
    while (this.open.size > 128) {
      const [oldest, d] = this.open.entries().next().value!;
      this.open.delete(oldest);
      await d.close();
    }
    return child.value;
  }

  async close(): Promise<void> {
    for (const d of this.open.values()) await d.close();
    this.open.clear();
  }
}

class Extractor {
  private readonly kinds = new Map<string, Kind>();
  private readonly links = new Map<string, string>();
  private readonly dirModes = new Map<string, number>();
  private readonly checkedDirs = new Set<string>();
  private implicitDirs = 0;
  private readonly dirs: DirCache;
  private readonly stats: ExtractStats = { entries: 0, bytes: 0, stripped: 0 };

  constructor(
    root: Dir,
    private readonly limits: ExtractLimits,
    private readonly signal: AbortSignal,
  ) {
    this.dirs = new DirCache(root);
  }

  async run(entries: AsyncIterable<ArchiveEntry>): Promise<Result<ExtractStats, string>> {
    try {
      for await (const e of entries) {
        if (this.signal.aborted) return err(CANCELLED);
        if (++this.stats.entries > this.limits.maxEntries) return err(`the archive has more than ${this.limits.maxEntries} entries`);
        const r = await this.entry(e);
        if (!r.ok) return r;
      }
      for (const key of this.links.keys()) {
        if (resolvesOutside(this.links, key)) return err(`symbolic link '${shown(key)}' leads outside the sandbox through the archive's other links`);
      }
      for (const [key, mode] of this.dirModes) {
        const d = await this.dirs.get(key.split('/'));
        await d.chmod(mode);
      }
      return ok(this.stats);
    } finally {
      await this.dirs.close();
    }
  }

  private async entry(e: ArchiveEntry): Promise<Result<void, string>> {
    const parsed = entryComponents(e.path);
    if (!parsed.ok) return err(`archive entry '${shown(e.path)}' ${parsed.error}`);
    const parts = parsed.value;
    const key = parts.join('/');
    if (parts.length === 0) {
      return e.type === 'directory' ? ok(undefined) : err(`archive entry '${shown(e.path)}' names the extraction directory itself`);
    }
    if ((e.mode & 0o7000) !== 0 && (e.type === 'file' || e.type === 'directory')) this.stats.stripped++;
    switch (e.type) {
      case 'directory':
        return this.directory(parts, key, e);
      case 'file':
        return this.file(parts, key, e);
      case 'hardlink':
        return this.hardlink(parts, key, e.linkTarget ?? '');
      case 'symlink':
        return this.symlink(parts, key, e.linkTarget ?? '');
      case 'unsupported':
        return err(`archive entry '${shown(key)}' is ${e.detail ?? 'of an unknown type'}, which the fetcher does not extract`);
      default:
        return err(`archive entry '${shown(key)}' is a ${e.type}: device files, FIFOs and sockets are not extracted`);
    }
  }

  /**
   * The parent directory of `parts`, refusing to pass through an archived link or file. Missing
   * directories are made (and count as entries, so deep paths cannot create unbounded numbers of
   * them). A chain of directories stays one (nothing replaces a directory), so each is checked
   * once: the walk starts below the deepest directory already checked.
   */
  private async parent(parts: readonly string[], key: string): Promise<Result<Dir, string>> {
    const dirParts = parts.slice(0, -1);
    let known = dirParts.length;
    while (known > 0 && !this.checkedDirs.has(dirParts.slice(0, known).join('/'))) known--;
    for (let i = known + 1; i <= dirParts.length; i++) {
      const prefix = dirParts.slice(0, i).join('/');
      const kind = this.kinds.get(prefix);
      if (kind === 'symlink') return err(`archive entry '${shown(key)}' would be written through the symbolic link '${shown(prefix)}'`);
      if (kind === 'file') return err(`archive entry '${shown(key)}' is inside '${shown(prefix)}', which is a file`);
      if (kind === undefined) {
        if (this.stats.entries + ++this.implicitDirs > this.limits.maxEntries) return err(`the archive has more than ${this.limits.maxEntries} entries (directories included)`);
        this.kinds.set(prefix, 'dir');
        this.dirModes.set(prefix, 0o755);
      }
      this.checkedDirs.add(prefix);
    }
    return ok(await this.dirs.get(dirParts));
  }

  /** Makes room for a new non-directory at `key`: an earlier file or link there is removed. */
  private async replace(parent: Dir, name: string, key: string): Promise<Result<void, string>> {
    const kind = this.kinds.get(key);
    if (kind === 'dir') return err(`archive entry '${shown(key)}' would replace a directory`);
    if (kind !== undefined) {
      await parent.unlink(name);
      this.kinds.delete(key);
      this.links.delete(key);
    }
    return ok(undefined);
  }

  private async directory(parts: readonly string[], key: string, e: ArchiveEntry): Promise<Result<void, string>> {
    const parent = await this.parent(parts, key);
    if (!parent.ok) return parent;
    const kind = this.kinds.get(key);
    if (kind !== 'dir') {
      if (kind !== undefined) {
        await parent.value.unlink(parts.at(-1)!);
        this.links.delete(key);
      }
      this.kinds.set(key, 'dir');
      await this.dirs.get(parts);
    }
    // Applied once everything is written (a read-only directory must still be filled first).
    this.dirModes.set(key, (e.mode & 0o777) | 0o700);
    return ok(undefined);
  }

  private async file(parts: readonly string[], key: string, e: ArchiveEntry): Promise<Result<void, string>> {
    if (this.stats.bytes + e.size > this.limits.maxBytes) return err(`extracted, ${tooLarge(this.limits.maxBytes)} (at '${shown(key)}')`);
    const parent = await this.parent(parts, key);
    if (!parent.ok) return parent;
    const name = parts.at(-1)!;
    const replaced = await this.replace(parent.value, name, key);
    if (!replaced.ok) return replaced;
    const out = await parent.value.createFile(name, 0o600);
    this.kinds.set(key, 'file');
    try {
      for await (const chunk of e.data()) {
        if (this.signal.aborted) return err(CANCELLED);
        this.stats.bytes += chunk.length;
        if (this.stats.bytes > this.limits.maxBytes) return err(`extracted, ${tooLarge(this.limits.maxBytes)} (at '${shown(key)}')`);
        await out.write(chunk);
      }
      await out.chmod(e.mode & 0o777);
      if (e.mtimeMs !== undefined && e.mtimeMs > 0) await out.utimes(e.mtimeMs / 1000, e.mtimeMs / 1000);
    } finally {
      await out.close();
    }
    return ok(undefined);
  }

  private async hardlink(parts: readonly string[], key: string, target: string): Promise<Result<void, string>> {
    const t = entryComponents(target);
    const targetKey = t.ok ? t.value.join('/') : '';
    if (!t.ok || t.value.length === 0 || this.kinds.get(targetKey) !== 'file' || targetKey === key) {
      return err(`hard link '${shown(key)}' points to '${shown(target)}', which is not a file extracted earlier from this archive`);
    }
    const parent = await this.parent(parts, key);
    if (!parent.ok) return parent;
    // Our own handle: fetching the target's directory may retire the cached one.
    const here = await parent.value.reopen();
    if (!here.ok) return here;
    try {
      const name = parts.at(-1)!;
      const replaced = await this.replace(here.value, name, key);
      if (!replaced.ok) return replaced;
      const from = await this.dirs.get(t.value.slice(0, -1));
      await from.link(t.value.at(-1)!, here.value, name);
      this.kinds.set(key, 'file');
      return ok(undefined);
    } finally {
      await here.value.close();
    }
  }

  private async symlink(parts: readonly string[], key: string, target: string): Promise<Result<void, string>> {
    if (symlinkEscapes(parts, target)) return err(`symbolic link '${shown(key)}' points to '${shown(target)}', outside the sandbox`);
    const parent = await this.parent(parts, key);
    if (!parent.ok) return parent;
    const name = parts.at(-1)!;
    const replaced = await this.replace(parent.value, name, key);
    if (!replaced.ok) return replaced;
    await parent.value.symlink(name, target);
    this.kinds.set(key, 'symlink');
    this.links.set(key, target);
    return ok(undefined);
  }
}
