/**
 * `cgroups/cpu`: CPU shares of 1024 per cpu (v2: weight), and with `--cgroups-enable-cfs` a hard
 * CFS quota of cpus × 100 ms per 100 ms period (at least 1 ms). Usage from cpuacct (v1) or cpu.stat
 * (v2), with throttling counters, in Mesos's field names.
 */
import { ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { ContainerSpec, Usage } from '../isolator.ts';
import { CgroupsIsolator } from './base.ts';
import { readKeyed, write } from './files.ts';
import type { CgroupTree } from './tree.ts';

export const CPU_SHARES_PER_CPU = 1024;
export const MIN_CPU_SHARES = 2;
export const CFS_PERIOD_US = 100_000;
export const MIN_CFS_QUOTA_US = 1_000;
/** USER_HZ: cpuacct.stat counts in these ticks. */
const TICKS_PER_SECOND = 100;

export class CgroupsCpuIsolator extends CgroupsIsolator {
  readonly name = 'cgroups/cpu';
  private readonly cpus = new Map<string, number>();

  constructor(tree: CgroupTree, logger: Logger, private readonly enableCfs: boolean) {
    super(tree, logger);
  }

  static create(tree: CgroupTree, logger: Logger, enableCfs: boolean): Result<CgroupsCpuIsolator, string> {
    const cpu = tree.require('cpu');
    if (!cpu.ok) return cpu;
    if (tree.version === 1) {
      const acct = tree.require('cpuacct');
      if (!acct.ok) return acct;
    }
    return ok(new CgroupsCpuIsolator(tree, logger, enableCfs));
  }

  protected async apply(containerId: string, spec: ContainerSpec): Promise<Result<void, string>> {
    const cpus = spec.limits.cpus;
    this.cpus.set(containerId, cpus);
    const dir = this.tree.dir(containerId, 'cpu');
    const shares = Math.max(Math.floor(cpus * CPU_SHARES_PER_CPU), MIN_CPU_SHARES);
    const quota = Math.max(Math.floor(cpus * CFS_PERIOD_US), MIN_CFS_QUOTA_US);
    if (this.tree.version === 1) {
      const s = await write(dir, 'cpu.shares', shares);
      if (!s.ok || !this.enableCfs) return s;
      const p = await write(dir, 'cpu.cfs_period_us', CFS_PERIOD_US);
      if (!p.ok) return p;
      return write(dir, 'cpu.cfs_quota_us', quota);
    }
    // v2 weight 1..10000 with 100 the default (= 1024 shares).
    const w = await write(dir, 'cpu.weight', Math.min(10_000, Math.max(1, Math.round((shares * 100) / 1024))));
    if (!w.ok || !this.enableCfs) return w;
    return write(dir, 'cpu.max', `${quota} ${CFS_PERIOD_US}`);
  }

  async usage(containerId: string): Promise<Usage> {
    const u: Usage = {};
    const cpus = this.cpus.get(containerId);
    if (cpus !== undefined) u.cpus_limit = cpus;
    const stat = await readKeyed(this.tree.dir(containerId, 'cpu'), 'cpu.stat');
    if (this.tree.version === 1) {
      const acct = await readKeyed(this.tree.dir(containerId, 'cpuacct'), 'cpuacct.stat');
      if (acct.has('user')) u.cpus_user_time_secs = acct.get('user')! / TICKS_PER_SECOND;
      if (acct.has('system')) u.cpus_system_time_secs = acct.get('system')! / TICKS_PER_SECOND;
      if (stat.has('throttled_time')) u.cpus_throttled_time_secs = stat.get('throttled_time')! / 1e9;
    } else {
      if (stat.has('user_usec')) u.cpus_user_time_secs = stat.get('user_usec')! / 1e6;
      if (stat.has('system_usec')) u.cpus_system_time_secs = stat.get('system_usec')! / 1e6;
      if (stat.has('throttled_usec')) u.cpus_throttled_time_secs = stat.get('throttled_usec')! / 1e6;
    }
    if (stat.has('nr_periods')) u.cpus_nr_periods = stat.get('nr_periods')!;
    if (stat.has('nr_throttled')) u.cpus_nr_throttled = stat.get('nr_throttled')!;
    return u;
  }

  override async cleanup(containerId: string): Promise<void> {
    this.cpus.delete(containerId);
    await super.cleanup(containerId);
  }
}
