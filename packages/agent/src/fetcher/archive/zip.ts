/**
 * A zip reader: the central directory (zip64 included) says what is in the archive; each entry's
 * data is read from its local header on. Stored and deflated entries are extracted; encrypted
 * entries and other compression methods are refused. Unix modes (and so symlinks, devices,
 * FIFOs) come from the external attributes of archives made on Unix. An entry may not inflate to
 * more than it declares, and its CRC-32 must match.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';
import { ArchiveError, type ArchiveEntry, type EntryType } from './entry.ts';

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_CENTRAL_DIRECTORY = 256 * 1024 * 1024;
const MAX_SYMLINK_TARGET = 4096;

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead < length) throw new ArchiveError('unexpected end of zip archive');
  return buf;
}

const u64 = (b: Buffer, at: number): number => {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ArchiveError('zip64 value out of range');
  return Number(v);
};

interface Directory {
  entries: number;
  offset: number;
  size: number;
}

async function findDirectory(fh: FileHandle, fileSize: number): Promise<Directory> {
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  if (tailLength < 22) throw new ArchiveError('not a zip archive (too short)');
  const tail = await readAt(fh, fileSize - tailLength, tailLength);
  let at = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tailLength) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ArchiveError('not a zip archive (no end of central directory)');
  let dir: Directory = { entries: tail.readUInt16LE(at + 10), size: tail.readUInt32LE(at + 12), offset: tail.readUInt32LE(at + 16) };
  if (dir.entries === 0xffff || dir.size === 0xffffffff || dir.offset === 0xffffffff) {
    const locatorAt = fileSize - tailLength + at - 20;
    if (locatorAt < 0) throw new ArchiveError('zip64 archive without its locator');
    const locator = await readAt(fh, locatorAt, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw new ArchiveError('zip64 archive without its locator');
    const record = await readAt(fh, u64(locator, 8), 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD) throw new ArchiveError('corrupt zip64 end of central directory');
    dir = { entries: u64(record, 32), size: u64(record, 40), offset: u64(record, 48) };
  }
  if (dir.offset + dir.size > fileSize) throw new ArchiveError('corrupt zip archive (central directory out of bounds)');
  if (dir.size > MAX_CENTRAL_DIRECTORY) throw new ArchiveError('zip central directory too large');
  return dir;
}

function typeOf(unixMode: number, name: string, dosAttributes: number): { type: EntryType; detail?: string } {
  const format = unixMode & 0o170000;
  if (name.endsWith('/') || format === 0o040000) return { type: 'directory' };
  switch (format) {
    case 0:
      return { type: dosAttributes & 0x10 ? 'directory' : 'file' };
    case 0o100000:
      return { type: 'file' };
    case 0o120000:
      return { type: 'symlink' };
    case 0o020000:
      return { type: 'character device' };
    case 0o060000:
      return { type: 'block device' };
    case 0o010000:
      return { type: 'FIFO' };
    case 0o140000:
      return { type: 'socket' };
    default:
      return { type: 'unsupported', detail: `zip entry with file type ${format.toString(8)}` };
  }
}

function dosTimeMs(time: number, date: number): number {
  const d = new Date(((date >> 9) & 0x7f) + 1980, ((date >> 5) & 0x0f) - 1, date & 0x1f, time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2);
  return Number.isNaN(d.getTime()) ? 0 : d.getTime();
}

export async function* zipEntries(path: string): AsyncGenerator<ArchiveEntry> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new ArchiveError(`cannot open the archive: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const fileSize = (await fh.stat()).size;
    const dir = await findDirectory(fh, fileSize);
    const cd = await readAt(fh, dir.offset, dir.size);
    let pos = 0;
    for (let n = 0; n < dir.entries; n++) {
      if (pos + 46 > cd.length || cd.readUInt32LE(pos) !== CENTRAL) throw new ArchiveError('corrupt zip central directory');
      const madeBy = cd.readUInt16LE(pos + 4);
      const flags = cd.readUInt16LE(pos + 8);
      const method = cd.readUInt16LE(pos + 10);
      const time = cd.readUInt16LE(pos + 12);
      const date = cd.readUInt16LE(pos + 14);
      const crc = cd.readUInt32LE(pos + 16);
      let compressed = cd.readUInt32LE(pos + 20);
      let size = cd.readUInt32LE(pos + 24);
      const nameLength = cd.readUInt16LE(pos + 28);
      const extraLength = cd.readUInt16LE(pos + 30);
      const commentLength = cd.readUInt16LE(pos + 32);
      const external = cd.readUInt32LE(pos + 38);
      let local = cd.readUInt32LE(pos + 42);
      const end = pos + 46 + nameLength + extraLength + commentLength;
      if (end > cd.length) throw new ArchiveError('corrupt zip central directory');
      const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', pos + 46, pos + 46 + nameLength);
      // zip64 extra field: the 64-bit values of whichever fields are saturated, in this order.
      for (let x = pos + 46 + nameLength; x + 4 <= pos + 46 + nameLength + extraLength; ) {
        const id = cd.readUInt16LE(x);
        const len = cd.readUInt16LE(x + 2);
        if (id === 0x0001) {
          let f = x + 4;
          const take = () => {
            if (f + 8 > x + 4 + len) throw new ArchiveError('corrupt zip64 extra field');
            const v = u64(cd, f);
            f += 8;
            return v;
          };
          if (size === 0xffffffff) size = take();
          if (compressed === 0xffffffff) compressed = take();
          if (local === 0xffffffff) local = take();
        }
        x += 4 + len;
      }
      pos = end;

      const host = madeBy >> 8;
      const unixMode = host === 3 || host === 19 ? external >>> 16 : 0;
      const { type, detail } = typeOf(unixMode, name, external & 0xff);
      const isData = type === 'file' || type === 'symlink';
      if (isData && flags & 0x1) throw new ArchiveError(`zip entry '${name}' is encrypted`);
      if (isData && method !== 0 && method !== 8) throw new ArchiveError(`zip entry '${name}' uses compression method ${method} (only stored and deflated entries can be extracted)`);
      const stream = isData ? () => entryData(fh, fileSize, { name, local, compressed, size, method, crc }) : undefined;
      let linkTarget: string | undefined;
      if (type === 'symlink') {
        if (size > MAX_SYMLINK_TARGET) throw new ArchiveError(`zip symlink '${name}' has a ${size}-byte target`);
        const parts: Buffer[] = [];
        for await (const c of stream!()) parts.push(c);
        linkTarget = Buffer.concat(parts).toString('utf8');
      }
      yield {
        path: name,
        type,
        mode: unixMode & 0o7777 || (type === 'directory' ? 0o755 : 0o644),
        size: type === 'file' ? size : 0,
        mtimeMs: dosTimeMs(time, date),
        ...(linkTarget !== undefined ? { linkTarget } : {}),
        ...(detail !== undefined ? { detail } : {}),
        data: () => (type === 'file' ? stream!() : (async function* () {})()),
      };
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}

interface EntryLocation {
  name: string;
  local: number;
  compressed: number;
  size: number;
  method: number;
  crc: number;
}

async function* span(fh: FileHandle, start: number, length: number, name: string): AsyncGenerator<Buffer> {
  for (let pos = start, end = start + length; pos < end; ) {
    const n = Math.min(64 * 1024, end - pos);
    const buf = Buffer.allocUnsafe(n);
    const { bytesRead } = await fh.read(buf, 0, n, pos);
    if (bytesRead === 0) throw new ArchiveError(`zip entry '${name}' runs past the end of the archive`);
    pos += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}

async function* entryData(fh: FileHandle, fileSize: number, e: EntryLocation): AsyncGenerator<Buffer> {
  const header = await readAt(fh, e.local, 30);
  if (header.readUInt32LE(0) !== LOCAL) throw new ArchiveError(`corrupt zip local header for '${e.name}'`);
  const start = e.local + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (start + e.compressed > fileSize) throw new ArchiveError(`zip entry '${e.name}' runs past the end of the archive`);
  if (e.compressed === 0 && e.size === 0) return;
  // Read by position through the shared handle (a read stream of the handle would close it when destroyed).
  const raw = Readable.from(span(fh, start, e.compressed, e.name), { objectMode: false });
  const inflate = e.method === 8 ? createInflateRaw() : undefined;
  const source: AsyncIterable<Buffer> = inflate ? raw.pipe(inflate) : raw;
  raw.on('error', (err) => inflate?.destroy(err));
  let produced = 0;
  let crc = 0;
  try {
    for await (const chunk of source) {
      produced += chunk.length;
      // A deflate stream that outgrows its declared size is a bomb or a lie: stop at once.
      if (produced > e.size) throw new ArchiveError(`zip entry '${e.name}' inflates past its declared size of ${e.size} bytes`);
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    throw new ArchiveError(`zip entry '${e.name}': ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    raw.destroy();
    inflate?.destroy();
  }
  if (produced !== e.size) throw new ArchiveError(`zip entry '${e.name}' is truncated (${produced} of ${e.size} bytes)`);
  if ((crc >>> 0) !== e.crc) throw new ArchiveError(`zip entry '${e.name}' fails its CRC check`);
}
