/**
 * What every cgroups isolator shares: the container's cgroups are created by whichever isolator
 * prepares first and killed and removed through the tree (freeze, kill, thaw, remove) by each —
 * the tree's operations are idempotent, so the order of isolators does not matter.
 * `recover` kills and removes the cgroups of containers the agent does not know (a crashed
 * agent's), Mesos's orphan cleanup.
 */
import { ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { ContainerSpec, LaunchPrep } from '../isolator.ts';
import type { CgroupTree } from './tree.ts';

export abstract class CgroupsIsolator {
  abstract readonly name: string;

  constructor(protected readonly tree: CgroupTree, protected readonly logger: Logger) {}

  async recover(known: ReadonlySet<string>): Promise<void> {
    for (const id of this.tree.containersOnDisk()) {
      if (known.has(id)) continue;
      this.logger.info({ containerId: id, isolator: this.name }, 'destroying the cgroups of an unknown (orphan) container');
      const killed = await this.tree.kill(id);
      if (!killed.ok) this.logger.error({ containerId: id, error: killed.error }, 'orphan container survived');
      const removed = await this.tree.remove(id);
      if (!removed.ok) this.logger.error({ containerId: id, error: removed.error }, 'cannot remove an orphan container\'s cgroups');
    }
  }

  async prepare(spec: ContainerSpec): Promise<Result<LaunchPrep | undefined, string>> {
    const procs = await this.tree.create(spec.containerId);
    if (!procs.ok) return procs;
    const limited = await this.apply(spec.containerId, spec);
    if (!limited.ok) return limited;
    return ok({ procs: procs.value });
  }

  async update(containerId: string, limits: ContainerSpec['limits']): Promise<Result<void, string>> {
    return this.apply(containerId, { containerId, directory: '', limits });
  }

  async kill(containerId: string): Promise<void> {
    const r = await this.tree.kill(containerId);
    if (!r.ok) this.logger.error({ containerId, error: r.error }, 'cannot kill the container');
  }

  async cleanup(containerId: string): Promise<void> {
    await this.tree.kill(containerId);
    const r = await this.tree.remove(containerId);
    if (!r.ok) this.logger.error({ containerId, error: r.error }, 'cannot remove the container\'s cgroups');
  }

  /** Sets this controller's limits. */
  protected abstract apply(containerId: string, spec: ContainerSpec): Promise<Result<void, string>>;
}
