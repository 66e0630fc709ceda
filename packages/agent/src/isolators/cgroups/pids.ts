/**
 * `cgroups/pids`: counts the container's processes and threads and, with `--cgroups-max-pids`
 * above 0, caps how many tasks (threads included) the container may have — a fork bomb stops at
 * the cap (fork fails with EAGAIN) instead of taking the machine.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { ContainerSpec, Usage } from '../isolator.ts';
import { CgroupsIsolator } from './base.ts';
import { write } from './files.ts';
import type { CgroupTree } from './tree.ts';

const lines = (text: string) => text.split('\n').filter((l) => l !== '').length;

export class CgroupsPidsIsolator extends CgroupsIsolator {
  readonly name = 'cgroups/pids';

  constructor(tree: CgroupTree, logger: Logger, private readonly maxPids: number) {
    super(tree, logger);
  }

  static create(tree: CgroupTree, logger: Logger, maxPids: number): Result<CgroupsPidsIsolator, string> {
    const r = tree.require('pids');
    return r.ok ? ok(new CgroupsPidsIsolator(tree, logger, maxPids)) : r;
  }

  protected async apply(containerId: string, _spec: ContainerSpec): Promise<Result<void, string>> {
    if (this.maxPids <= 0) return ok(undefined);
    return write(this.tree.dir(containerId, 'pids'), 'pids.max', this.maxPids);
  }

  async usage(containerId: string): Promise<Usage> {
    const dir = this.tree.dir(containerId, 'pids');
    const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => undefined);
    const threads = await readFile(join(dir, this.tree.version === 1 ? 'tasks' : 'cgroup.threads'), 'utf8').catch(() => undefined);
    return { ...(procs !== undefined ? { processes: lines(procs) } : {}), ...(threads !== undefined ? { threads: lines(threads) } : {}) };
  }
}
