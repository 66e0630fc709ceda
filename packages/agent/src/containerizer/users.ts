/** Unix users and groups from /etc/passwd and /etc/group (what getpwnam/getgrgid would say). */
import { readFileSync } from 'node:fs';

export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function readTable(path: string): string[][] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

export function lookupUser(name: string): UserEntry | undefined {
  for (const f of readTable('/etc/passwd')) {
    if (f[0] === name && f.length >= 6) return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' };
  }
  return undefined;
}

/** uid → user name and gid → group name, cached for a minute (for /files listings). */
export class NameCache {
  private users = new Map<number, string>();
  private groups = new Map<number, string>();
  private loadedAt = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  user(uid: number): string {
    this.refresh();
    return this.users.get(uid) ?? String(uid);
  }

  group(gid: number): string {
    this.refresh();
    return this.groups.get(gid) ?? String(gid);
  }

  private refresh(): void {
    if (this.now() - this.loadedAt < 60_000) return;
    this.loadedAt = this.now();
    this.users = new Map(readTable('/etc/passwd').map((f) => [Number(f[2]), f[0]!]));
    this.groups = new Map(readTable('/etc/group').map((f) => [Number(f[2]), f[0]!]));
  }
}
