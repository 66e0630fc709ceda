/**
 * `namespaces/pid`: each container gets its own PID namespace — its first process is PID 1 and
 * it sees only its own processes (/proc is remounted in a private mount namespace).
 * `filesystem/linux`: a private mount namespace with the sandbox also mounted at
 * `/mnt/mesos/sandbox` and the sandbox's `tmp/` mounted over `/tmp` (a private /tmp). When the
 * sandbox itself lives under /tmp it is mounted back at its own path inside the private /tmp,
 * so MESOS_SANDBOX keeps working.
 */
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import type { ContainerSpec, Isolator, LaunchPrep } from './isolator.ts';
import { lookupUser } from '../containerizer/users.ts';

export const CONTAINER_SANDBOX = '/mnt/mesos/sandbox';

export class PidNamespaceIsolator implements Isolator {
  readonly name = 'namespaces/pid';

  async prepare(): Promise<Result<LaunchPrep | undefined, string>> {
    return ok({ namespaces: ['pid'] });
  }
}

export class LinuxFilesystemIsolator implements Isolator {
  readonly name = 'filesystem/linux';

  async prepare(spec: ContainerSpec): Promise<Result<LaunchPrep | undefined, string>> {
    const tmp = join(spec.directory, 'tmp');
    try {
      await mkdir(tmp, { recursive: true, mode: 0o1777 });
      await mkdir(CONTAINER_SANDBOX, { recursive: true });
      if (spec.user !== undefined) {
        const u = lookupUser(spec.user);
        if (u) await chown(tmp, u.uid, u.gid);
      }
    } catch (e) {
      return err(`cannot prepare the container's filesystem: ${e instanceof Error ? e.message : String(e)}`);
    }
    const binds = [{ source: spec.directory, target: CONTAINER_SANDBOX }, { source: tmp, target: '/tmp' }];
    if (spec.directory.startsWith('/tmp/')) binds.push({ source: CONTAINER_SANDBOX, target: spec.directory });
    return ok({ namespaces: ['mount'], binds });
  }
}
