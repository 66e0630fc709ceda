/**
 * What the archive readers (tar.ts, zip.ts) produce and the extractor (extract.ts) consumes: one
 * entry at a time, in archive order, its data streamed. Nothing here touches the sandbox.
 */

export type EntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  | 'character device'
  | 'block device'
  | 'FIFO'
  | 'socket'
  | 'unsupported';

export interface ArchiveEntry {
  /** As written in the archive (validated by the extractor, not here). */
  readonly path: string;
  readonly type: EntryType;
  /** Permission bits as archived, setuid/setgid/sticky included (the extractor strips them). */
  readonly mode: number;
  /** Bytes of data (files). */
  readonly size: number;
  /** Symlink target, or the archive path a hard link names. */
  readonly linkTarget?: string;
  readonly mtimeMs?: number;
  /** For `unsupported`: what the archive says it is. */
  readonly detail?: string;
  /** The file's data; read it (at most once) before asking for the next entry. */
  data(): AsyncIterable<Buffer>;
}

/**
 * A malformed or unsupported archive. Thrown only inside the readers and caught at the
 * extractor's boundary, which turns it into a failed Result (an archive is input, not a bug).
 */
export class ArchiveError extends Error {}

/** Reads a byte stream in exact amounts (tar headers) or streamed spans (entry data). */
export class ByteReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private ended = false;
  /** Bytes taken so far (for messages). */
  offset = 0;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  private async fill(n: number): Promise<void> {
    while (this.length < n && !this.ended) {
      const r = await this.source.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      if (b.length === 0) continue;
      this.chunks.push(b);
      this.length += b.length;
    }
  }

  /** Exactly `n` bytes, or undefined at a clean end of input; a partial read is a truncated archive. */
  async read(n: number): Promise<Buffer | undefined> {
    await this.fill(n);
    if (this.length === 0) return undefined;
    if (this.length < n) throw new ArchiveError(`unexpected end of archive at byte ${this.offset + this.length}`);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) filled += this.takeFirst(n - filled).copy(out, filled);
    return out;
  }

  /** Up to `max` (> 0) bytes: whatever is buffered, reading more only when nothing is. */
  async readSome(max: number): Promise<Buffer> {
    if (this.length === 0) await this.fill(1);
    if (this.length === 0) throw new ArchiveError(`unexpected end of archive at byte ${this.offset}`);
    return this.takeFirst(max);
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) left -= (await this.readSome(left)).length;
  }

  private takeFirst(max: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length <= max) {
      this.chunks.shift();
      this.length -= first.length;
      this.offset += first.length;
      return first;
    }
    this.chunks[0] = first.subarray(max);
    this.length -= max;
    this.offset += max;
    return first.subarray(0, max);
  }

  async close(): Promise<void> {
    await this.source.return?.();
  }
}
