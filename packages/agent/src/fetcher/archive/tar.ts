/**
 * A streaming tar reader: POSIX ustar, GNU (long names `L`/`K`, base-256 sizes) and pax (`x`
 * records for path, linkpath and size). Every header's checksum is verified, metadata records are
 * bounded in size, and anything it does not understand (sparse files, multi-volume parts, unknown
 * types) comes out as an `unsupported` entry for the extractor to refuse — never guessed at.
 */
import { ArchiveError, ByteReader, type ArchiveEntry, type EntryType } from './entry.ts';

const BLOCK = 512;
/** GNU long names/links and pax headers are held in memory: bounded. */
const MAX_LONG_NAME = 64 * 1024;
const MAX_PAX = 1024 * 1024;

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'character device',
  '4': 'block device',
  '5': 'directory',
  '6': 'FIFO',
};

function cString(h: Buffer, start: number, length: number): string {
  const field = h.subarray(start, start + length);
  const nul = field.indexOf(0);
  return (nul < 0 ? field : field.subarray(0, nul)).toString('utf8');
}

/** An octal field, or GNU base-256 (high bit of the first byte set). */
function numeric(h: Buffer, start: number, length: number, what: string): number {
  const field = h.subarray(start, start + length);
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) throw new ArchiveError(`negative ${what} in a tar header`);
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    if (!Number.isSafeInteger(v)) throw new ArchiveError(`${what} out of range in a tar header`);
    return v;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^[ ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new ArchiveError(`invalid ${what} '${text}' in a tar header`);
  return parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  let stored: number;
  try {
    stored = numeric(h, 148, 8, 'checksum');
  } catch {
    return false;
  }
  return stored === unsigned || stored === signed;
}

/** pax extended header records: `<length> <key>=<value>\n`. */
function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    const len = space < 0 ? NaN : Number(data.toString('latin1', pos, space));
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length || data[pos + len - 1] !== 0x0a) throw new ArchiveError('malformed pax extended header');
    const record = data.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) throw new ArchiveError('malformed pax extended header record');
    out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

export async function* tarEntries(source: AsyncIterable<Uint8Array>): AsyncGenerator<ArchiveEntry> {
  const r = new ByteReader(source[Symbol.asyncIterator]());
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  const readMeta = async (size: number, max: number, what: string): Promise<Buffer> => {
    if (size > max) throw new ArchiveError(`${what} of ${size} bytes is larger than ${max}`);
    const data = (await r.read(size)) ?? Buffer.alloc(0);
    if (data.length < size) throw new ArchiveError('unexpected end of archive');
    await r.skip(padding(size));
    return data;
  };
  try {
    while (true) {
      const at = r.offset;
      const h = await r.read(BLOCK);
      // A clean end of input, or the end-of-archive (zero) block: done (what follows is ignored).
      if (h === undefined || h.every((b) => b === 0)) return;
      if (!checksumOk(h)) throw new ArchiveError(at === 0 ? 'not a tar archive (bad header checksum)' : `corrupt tar header at byte ${at}`);
      const flag = String.fromCharCode(h[156]!);
      let size = numeric(h, 124, 12, 'size');
      const paxSize = pax.get('size');
      if (paxSize !== undefined) {
        size = Number(paxSize);
        if (!Number.isSafeInteger(size) || size < 0) throw new ArchiveError(`invalid pax size '${paxSize}'`);
      }
      if (flag === 'L' || flag === 'K') {
        const name = (await readMeta(size, MAX_LONG_NAME, 'a GNU long name')).toString('utf8').replace(/\0+$/, '');
        if (flag === 'L') longName = name;
        else longLink = name;
        continue;
      }
      if (flag === 'x') {
        pax = parsePax(await readMeta(size, MAX_PAX, 'a pax header'));
        continue;
      }
      if (flag === 'g' || flag === 'V') {
        // Global pax defaults and volume labels describe no file.
        await r.skip(size + padding(size));
        continue;
      }
      const magic = h.toString('latin1', 257, 263);
      const prefix = magic === 'ustar\0' ? cString(h, 345, 155) : '';
      const name = cString(h, 0, 100);
      const path = pax.get('path') ?? longName ?? (prefix !== '' ? `${prefix}/${name}` : name);
      const link = pax.get('linkpath') ?? longLink ?? cString(h, 157, 100);
      const sparse = [...pax.keys()].some((k) => k.startsWith('GNU.sparse.'));
      longName = longLink = undefined;
      pax = new Map();

      let type: EntryType = TYPES[flag] ?? 'unsupported';
      if (type === 'file' && flag !== '7' && path.endsWith('/')) type = 'directory';
      if (sparse) type = 'unsupported';
      const detail = sparse ? 'a sparse file' : type === 'unsupported' ? `tar entry type '${flag.replace(/[^\x20-\x7e]/, '?')}'` : undefined;
      // Only regular files carry data we hand out; anything else's data is skipped.
      let remaining = size;
      const isFile = type === 'file';
      const entry: ArchiveEntry = {
        path,
        type,
        mode: numeric(h, 100, 8, 'mode'),
        size: isFile ? size : 0,
        ...(type === 'symlink' || type === 'hardlink' ? { linkTarget: link } : {}),
        mtimeMs: numeric(h, 136, 12, 'mtime') * 1000,
        ...(detail !== undefined ? { detail } : {}),
        async *data() {
          if (!isFile) return;
          while (remaining > 0) {
            const chunk = await r.readSome(remaining);
            remaining -= chunk.length;
            yield chunk;
          }
        },
      };
      yield entry;
      await r.skip(remaining + padding(size));
    }
  } finally {
    await r.close();
  }
}
