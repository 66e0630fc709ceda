/**
 * `posix/cpu` and `posix/mem`: accounting only (Mesos's defaults), no limits. The container's
 * processes come from the containerizer (cgroups when present, else the environment marker),
 * and their CPU times and resident memory are summed from /proc.
 */
import { readFileSync } from 'node:fs';
import type { Isolator, IsolatorContext, Usage } from './isolator.ts';

const TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export class PosixCpuIsolator implements Isolator {
  readonly name = 'posix/cpu';
  constructor(private readonly ctx: IsolatorContext) {}

  async usage(containerId: string): Promise<Usage> {
    let user = 0;
    let system = 0;
    const pids = this.ctx.pids(containerId);
    let threads = 0;
    for (const pid of pids) {
      const f = statFields(pid);
      if (!f) continue;
      // fields 14, 15 (utime, stime) and 20 (num_threads); f[n - 3]
      user += Number(f[11]);
      system += Number(f[12]);
      threads += Number(f[17]);
    }
    return { cpus_user_time_secs: user / TICKS_PER_SECOND, cpus_system_time_secs: system / TICKS_PER_SECOND, processes: pids.length, threads };
  }
}

export class PosixMemIsolator implements Isolator {
  readonly name = 'posix/mem';
  constructor(private readonly ctx: IsolatorContext) {}

  async usage(containerId: string): Promise<Usage> {
    let rss = 0;
    for (const pid of this.ctx.pids(containerId)) {
      const f = statFields(pid);
      if (f) rss += Number(f[21]) * PAGE_SIZE; // field 24: rss in pages
    }
    return { mem_rss_bytes: rss };
  }
}
