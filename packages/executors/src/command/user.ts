/**
 * Which user a task runs as. An executor running as root switches to the requested user (uid and
 * gid from the system's user database via `getent passwd`, so NSS sources such as LDAP count); an
 * executor running as anyone else can only run tasks as itself. An unknown user, or another user
 * without root, fails the task with a message saying which.
 */
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { err, ok, type Result } from '@agora/protocol';

export interface UserIdentity {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** What the task is run as: `switchTo` is set only when the uid/gid must change. */
export interface RunAs {
  readonly home: string | undefined;
  readonly switchTo: { readonly uid: number; readonly gid: number } | undefined;
}

export interface Self {
  readonly uid: number;
  readonly name: string;
  readonly home: string;
}

export function currentUser(): Self {
  const u = userInfo();
  return { uid: u.uid, name: u.username, home: u.homedir };
}

/** A `passwd` line: `name:x:uid:gid:gecos:home:shell`. */
export function parsePasswdLine(line: string): UserIdentity | undefined {
  const f = line.trim().split(':');
  if (f.length < 7) return undefined;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || f[2] === '' || f[3] === '') return undefined;
  return { name: f[0]!, uid, gid, home: f[5]! };
}

export type LookupUser = (name: string) => Promise<Result<UserIdentity | undefined, string>>;

/** `getent passwd <name>`: exit 2 means no such user. */
export const getentLookup: LookupUser = (name) =>
  new Promise((resolve) => {
    execFile('getent', ['passwd', name], { timeout: 10_000 }, (error, stdout) => {
      if (error) {
        // A non-zero exit puts the exit status in `code`: getent exits 2 for "not found".
        if ((error as { code?: unknown }).code === 2) resolve(ok(undefined));
        else resolve(err(`could not look up user '${name}': ${error.message}`));
        return;
      }
      const identity = parsePasswdLine(stdout.split('\n')[0] ?? '');
      resolve(identity ? ok(identity) : err(`could not look up user '${name}': unexpected getent output`));
    });
  });

/**
 * A small cache in front of a lookup, so an executor host running many tasks as the same user
 * asks the user database once a minute, not once a task.
 */
export function cachedLookup(lookup: LookupUser, ttlMs = 60_000, max = 256, now: () => number = Date.now): LookupUser {
  const cache = new Map<string, { at: number; value: UserIdentity | undefined }>();
  return async (name) => {
    const hit = cache.get(name);
    if (hit && now() - hit.at < ttlMs) return ok(hit.value);
    const r = await lookup(name);
    if (r.ok) {
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(name, { at: now(), value: r.value });
    }
    return r;
  };
}

export async function resolveRunAs(requested: string | undefined, self: Self, lookup: LookupUser): Promise<Result<RunAs, string>> {
  if (requested === undefined || requested === self.name) return ok({ home: self.home, switchTo: undefined });
  if (self.uid !== 0) {
    return err(`Cannot run the task as user '${requested}': the executor runs as '${self.name}', which is not root and cannot switch users`);
  }
  const found = await lookup(requested);
  if (!found.ok) return found;
  if (found.value === undefined) return err(`Cannot run the task as user '${requested}': no such user on this agent`);
  const { uid, gid, home } = found.value;
  return ok({ home, switchTo: uid === 0 && gid === 0 ? undefined : { uid, gid } });
}
