/**
 * Which names are archives, exactly as Mesos decides (by the end of the name, case-sensitive):
 * `.tar`, `.tgz`/`.tar.gz`, `.tbz2`/`.tar.bz2`, `.txz`/`.tar.xz`, `.zip`; and a plain `.gz`,
 * which is decompressed to the name without `.gz`.
 */
export type Codec = 'none' | 'gzip' | 'bzip2' | 'xz';
export type ArchiveKind = { format: 'tar'; codec: Codec } | { format: 'zip' } | { format: 'gzip-file' };

const TAR_SUFFIXES: Array<[string, Codec]> = [
  ['.tar', 'none'],
  ['.tgz', 'gzip'],
  ['.tar.gz', 'gzip'],
  ['.tbz2', 'bzip2'],
  ['.tar.bz2', 'bzip2'],
  ['.txz', 'xz'],
  ['.tar.xz', 'xz'],
];

export function archiveKind(name: string): ArchiveKind | undefined {
  for (const [suffix, codec] of TAR_SUFFIXES) if (name.endsWith(suffix)) return { format: 'tar', codec };
  if (name.endsWith('.zip')) return { format: 'zip' };
  if (name.endsWith('.gz')) return { format: 'gzip-file' };
  return undefined;
}

export function describeKind(k: ArchiveKind): string {
  if (k.format === 'zip') return 'zip archive';
  if (k.format === 'gzip-file') return 'gzip file';
  return k.codec === 'none' ? 'tar archive' : `${k.codec}-compressed tar archive`;
}
