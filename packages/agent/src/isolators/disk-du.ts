/**
 * `disk/du`: measures each container's sandbox with `du -k -s` every
 * `--container-disk-watch-interval` (one `du` at a time per container), reports
 * `disk_used_bytes`/`disk_limit_bytes`, and with `--enforce-container-disk-quota` a sandbox over
 * the container's disk resource is a limitation (REASON_CONTAINER_LIMITATION_DISK), as in Mesos.
 */
import { execFile } from 'node:child_process';
import { ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { ContainerSpec, Isolator, LaunchPrep, Limitation, Usage } from './isolator.ts';
import { formatBytes, type ContainerLimits } from './limits.ts';

interface Watched {
  directory: string;
  quota: number | undefined;
  used: number | undefined;
  timer: NodeJS.Timeout;
  measuring: boolean;
}

export function du(directory: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile('du', ['-k', '-s', directory], { timeout: 60_000 }, (_e, stdout) => {
      // du exits 1 when a file vanished while it walked; its total is still the answer.
      const kb = Number(String(stdout).split(/\s/)[0]);
      resolve(Number.isFinite(kb) && String(stdout) !== '' ? kb * 1024 : undefined);
    });
  });
}

export class DiskDuIsolator implements Isolator {
  readonly name = 'disk/du';
  private readonly watched = new Map<string, Watched>();

  constructor(private readonly opts: { intervalMs: number; enforce: boolean; logger: Logger }) {}

  async prepare(spec: ContainerSpec): Promise<Result<LaunchPrep | undefined, string>> {
    const w: Watched = {
      directory: spec.directory,
      quota: spec.limits.diskBytes,
      used: undefined,
      measuring: false,
      timer: setInterval(() => void this.measure(w), this.opts.intervalMs),
    };
    w.timer.unref();
    this.watched.set(spec.containerId, w);
    return ok(undefined);
  }

  async update(containerId: string, limits: ContainerLimits): Promise<Result<void, string>> {
    const w = this.watched.get(containerId);
    if (w) w.quota = limits.diskBytes;
    return ok(undefined);
  }

  limitation(containerId: string): Limitation | undefined {
    const w = this.watched.get(containerId);
    if (!this.opts.enforce || !w || w.quota === undefined || w.used === undefined || w.used <= w.quota) return undefined;
    return {
      reason: 'REASON_CONTAINER_LIMITATION_DISK',
      message: `Disk usage (${formatBytes(w.used)}) exceeds quota (${formatBytes(w.quota)})`,
      resources: [{ name: 'disk', value: w.quota / (1024 * 1024) }],
    };
  }

  async usage(containerId: string): Promise<Usage> {
    const w = this.watched.get(containerId);
    if (!w) return {};
    if (w.used === undefined) await this.measure(w);
    return { ...(w.used !== undefined ? { disk_used_bytes: w.used } : {}), ...(w.quota !== undefined ? { disk_limit_bytes: w.quota } : {}) };
  }

  async cleanup(containerId: string): Promise<void> {
    const w = this.watched.get(containerId);
    if (w) clearInterval(w.timer);
    this.watched.delete(containerId);
  }

  private async measure(w: Watched): Promise<void> {
    if (w.measuring) return;
    w.measuring = true;
    try {
      const used = await du(w.directory);
      if (used !== undefined) w.used = used;
    } finally {
      w.measuring = false;
    }
  }
}
