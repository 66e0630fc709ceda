/**
 * `cgroups/mem`: a hard memory limit (the container's mem, at least 32 MB; the swap limit too with
 * `--cgroups-limit-swap`), and OOM detection: when the kernel's OOM killer has killed a process in
 * the container (v1 memory.oom_control, v2 memory.events: `oom_kill`), the container has hit its
 * limit — REASON_CONTAINER_LIMITATION_MEMORY with Mesos's message. Checked synchronously, so the
 * agent can attach the reason to the executor's own report of the killed task.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { ContainerSpec, Limitation, Usage } from '../isolator.ts';
import { formatBytes } from '../limits.ts';
import { CgroupsIsolator } from './base.ts';
import { parseKeyed, readKeyed, readNumber, write } from './files.ts';
import type { CgroupTree } from './tree.ts';

export class CgroupsMemIsolator extends CgroupsIsolator {
  readonly name = 'cgroups/mem';
  private readonly limits = new Map<string, number>();

  constructor(tree: CgroupTree, logger: Logger, private readonly limitSwap: boolean) {
    super(tree, logger);
  }

  static create(tree: CgroupTree, logger: Logger, limitSwap: boolean): Result<CgroupsMemIsolator, string> {
    const r = tree.require('memory');
    return r.ok ? ok(new CgroupsMemIsolator(tree, logger, limitSwap)) : r;
  }

  protected async apply(containerId: string, spec: ContainerSpec): Promise<Result<void, string>> {
    const bytes = spec.limits.memBytes;
    this.limits.set(containerId, bytes);
    const dir = this.tree.dir(containerId, 'memory');
    if (this.tree.version === 2) {
      const m = await write(dir, 'memory.max', bytes);
      if (!m.ok) return m;
      return this.limitSwap ? write(dir, 'memory.swap.max', 0) : ok(undefined);
    }
    const soft = await write(dir, 'memory.soft_limit_in_bytes', bytes);
    if (!soft.ok) return soft;
    // Lowering the limit below current usage fails with EBUSY in v1; at prepare nothing runs yet.
    const hard = await write(dir, 'memory.limit_in_bytes', bytes);
    if (!hard.ok) return hard;
    return this.limitSwap ? write(dir, 'memory.memsw.limit_in_bytes', bytes) : ok(undefined);
  }

  limitation(containerId: string): Limitation | undefined {
    const limit = this.limits.get(containerId);
    if (limit === undefined) return undefined;
    const dir = this.tree.dir(containerId, 'memory');
    let text: string;
    try {
      text = readFileSync(join(dir, this.tree.version === 1 ? 'memory.oom_control' : 'memory.events'), 'utf8');
    } catch {
      return undefined;
    }
    if ((parseKeyed(text).get('oom_kill') ?? 0) === 0) return undefined;
    let max = limit;
    try {
      max = Number(readFileSync(join(dir, this.tree.version === 1 ? 'memory.max_usage_in_bytes' : 'memory.peak'), 'utf8').trim()) || limit;
    } catch {
      // memory.peak is new in v2 kernels; the limit is what was used at the kill anyway
    }
    return {
      reason: 'REASON_CONTAINER_LIMITATION_MEMORY',
      message: `Memory limit exceeded: Requested: ${formatBytes(limit)} Maximum Used: ${formatBytes(max)}`,
      resources: [{ name: 'mem', value: limit / (1024 * 1024) }],
    };
  }

  async usage(containerId: string): Promise<Usage> {
    const dir = this.tree.dir(containerId, 'memory');
    const u: Usage = {};
    const limit = this.limits.get(containerId);
    if (limit !== undefined) u.mem_limit_bytes = limit;
    const stat = await readKeyed(dir, 'memory.stat');
    if (this.tree.version === 1) {
      const total = await readNumber(dir, 'memory.usage_in_bytes');
      if (total !== undefined) u.mem_total_bytes = total;
      const pick: Array<[keyof Usage, string]> = [
        ['mem_rss_bytes', 'total_rss'], ['mem_anon_bytes', 'total_rss'], ['mem_cache_bytes', 'total_cache'], ['mem_file_bytes', 'total_cache'],
        ['mem_mapped_file_bytes', 'total_mapped_file'], ['mem_swap_bytes', 'total_swap'], ['mem_unevictable_bytes', 'total_unevictable'],
      ];
      for (const [field, key] of pick) if (stat.has(key)) (u as Record<string, number>)[field] = stat.get(key)!;
    } else {
      const total = await readNumber(dir, 'memory.current');
      if (total !== undefined) u.mem_total_bytes = total;
      const pick: Array<[keyof Usage, string]> = [
        ['mem_rss_bytes', 'anon'], ['mem_anon_bytes', 'anon'], ['mem_cache_bytes', 'file'], ['mem_file_bytes', 'file'],
        ['mem_mapped_file_bytes', 'file_mapped'], ['mem_unevictable_bytes', 'unevictable'],
      ];
      for (const [field, key] of pick) if (stat.has(key)) (u as Record<string, number>)[field] = stat.get(key)!;
    }
    return u;
  }

  override async cleanup(containerId: string): Promise<void> {
    this.limits.delete(containerId);
    await super.cleanup(containerId);
  }
}
