/** `ls -l`-style file information, as Mesos's `jsonFileInfo` and the FileInfo message carry it. */
import type { Stats } from 'node:fs';
import type { FileInfo } from '@agora/protocol';
import type { NameCache } from '../containerizer/users.ts';

/** `drwxr-xr-x`, with setuid/setgid/sticky as s/S and t/T. */
export function modeString(mode: number): string {
  const type = (mode & 0o170000) >>> 0;
  const t = type === 0o040000 ? 'd' : type === 0o120000 ? 'l' : type === 0o020000 ? 'c' : type === 0o060000 ? 'b' : type === 0o010000 ? 'p' : type === 0o140000 ? 's' : '-';
  const bit = (m: number, c: string) => (mode & m ? c : '-');
  const special = (exec: number, flag: number, on: string) => (mode & flag ? (mode & exec ? on : on.toUpperCase()) : mode & exec ? 'x' : '-');
  return (
    t +
    bit(0o400, 'r') + bit(0o200, 'w') + special(0o100, 0o4000, 's') +
    bit(0o040, 'r') + bit(0o020, 'w') + special(0o010, 0o2000, 's') +
    bit(0o004, 'r') + bit(0o002, 'w') + special(0o001, 0o1000, 't')
  );
}

/** The legacy `/files/browse` entry. */
export function legacyFileInfo(path: string, s: Stats, names: NameCache): Record<string, unknown> {
  return {
    path,
    nlink: s.nlink,
    size: s.size,
    mtime: Math.floor(s.mtimeMs / 1000),
    mode: modeString(s.mode),
    uid: names.user(s.uid),
    gid: names.group(s.gid),
  };
}

/** The v1 FileInfo (LIST_FILES). */
export function fileInfo(path: string, s: Stats, names: NameCache): FileInfo {
  return {
    path,
    nlink: s.nlink,
    size: s.size,
    mtime: { nanoseconds: Math.floor(s.mtimeMs) * 1e6 },
    mode: s.mode,
    uid: names.user(s.uid),
    gid: names.group(s.gid),
  };
}
