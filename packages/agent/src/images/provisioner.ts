/**
 * A root filesystem per container (Mesos's provisioner), from an unpacked image shared by all its
 * containers: `overlay` mounts the image read-only under a per-container upper directory (nothing
 * copied, the image untouched); `copy` copies it (`cp -a`, for filesystems without overlayfs).
 * `auto` picks overlay when the kernel lists it in /proc/filesystems.
 *
 *   <dir>/<container>/rootfs   (+ upper/, work/ for overlay)
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import { runCommand } from './layers.ts';

export type Backend = 'overlay' | 'copy';

export function detectBackend(wanted: 'auto' | Backend): Backend {
  if (wanted !== 'auto') return wanted;
  try {
    return /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8')) ? 'overlay' : 'copy';
  } catch {
    return 'copy';
  }
}

/** Whether `path` is a mount point right now (/proc/self/mountinfo). */
export function isMounted(path: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === path);
  } catch {
    return false;
  }
}

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '')
      .filter((p) => p === dir || p.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}

export class Provisioner {
  constructor(readonly dir: string, readonly backend: Backend) {}

  rootfs(containerId: string): string {
    return join(this.dir, containerId, 'rootfs');
  }

  async provision(containerId: string, imageRootfs: string): Promise<Result<string, string>> {
    const home = join(this.dir, containerId);
    const rootfs = this.rootfs(containerId);
    await mkdir(rootfs, { recursive: true });
    if (this.backend === 'overlay') {
      await mkdir(join(home, 'upper'), { recursive: true });
      await mkdir(join(home, 'work'), { recursive: true });
      const m = await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${imageRootfs},upperdir=${join(home, 'upper')},workdir=${join(home, 'work')}`, rootfs]);
      if (!m.ok) return err(`cannot mount the container's root filesystem (overlay): ${m.error}`);
      return ok(rootfs);
    }
    const c = await runCommand('cp', ['-a', `${imageRootfs}/.`, rootfs]);
    return c.ok ? ok(rootfs) : err(`cannot copy the image into the container's root filesystem: ${c.error}`);
  }

  /** Unmounts (lazily, if something still holds it) and removes the container's root filesystem. */
  async destroy(containerId: string): Promise<Result<void, string>> {
    const home = join(this.dir, containerId);
    if (!existsSync(home)) return ok(undefined);
    const rootfs = this.rootfs(containerId);
    if (isMounted(rootfs)) {
      const u = await runCommand('umount', [rootfs]);
      if (!u.ok) await runCommand('umount', ['-l', rootfs]);
    }
    if (isMounted(rootfs)) return err(`cannot unmount ${rootfs}`);
    await rm(home, { recursive: true, force: true });
    return ok(undefined);
  }

  async containersOnDisk(): Promise<string[]> {
    return readdir(this.dir).catch(() => [] as string[]);
  }
}
