/**
 * Every isolator against the conformance suite, on the real kernel: cgroup v1 controllers as this
 * machine (and CI) has them. Suites skip with a reason when a hierarchy is missing.
 */
import { rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@agora/runtime';
import { CgroupsCpuIsolator } from './cgroups/cpu.ts';
import { detectLayout } from './cgroups/hierarchy.ts';
import { CgroupsMemIsolator } from './cgroups/mem.ts';
import { CgroupsPidsIsolator } from './cgroups/pids.ts';
import { CgroupTree } from './cgroups/tree.ts';
import { DiskDuIsolator } from './disk-du.ts';
import { isolatorConformance, type IsolatorFactory } from './isolator.conformance.ts';
import type { Isolator, IsolatorContext } from './isolator.ts';
import { LinuxFilesystemIsolator, PidNamespaceIsolator } from './namespaces.ts';
import { NetworkPortsIsolator } from './network-ports.ts';
import { PosixCpuIsolator, PosixMemIsolator } from './posix.ts';

const asRoot = process.getuid?.() === 0;
let rootSeq = 0;

function cgroupFactory(make: (tree: CgroupTree) => { ok: true; value: Isolator } | { ok: false; error: string }): IsolatorFactory {
  return async () => {
    if (!asRoot) return 'cgroups need root';
    const layout = detectLayout('/sys/fs/cgroup');
    if (!layout.ok) return `no cgroups here: ${layout.error}`;
    const root = `agora-conf-${process.pid}-${++rootSeq}`;
    const tree = new CgroupTree(layout.value, root);
    const made = make(tree);
    if (!made.ok) return `not supported here: ${made.error}`;
    const bases = () => (layout.value.version === 1 ? [...layout.value.mounts.values()] : [layout.value.mount]).map((m) => join(m, root));
    return {
      isolator: made.value,
      leftovers: (id) => tree.dirs(id),
      close: async () => {
        for (const id of tree.containersOnDisk()) {
          await tree.kill(id);
          await tree.remove(id);
        }
        for (const b of bases()) {
          try {
            rmdirSync(b);
          } catch {
            // not created in this hierarchy
          }
        }
      },
    };
  };
}

const plain = (iso: Isolator): IsolatorFactory => async () => ({ isolator: iso, leftovers: () => [], close: async () => undefined });
const noPids: IsolatorContext = { pids: () => [] };

isolatorConformance('cgroups/cpu', cgroupFactory((tree) => CgroupsCpuIsolator.create(tree, silentLogger, true)));
isolatorConformance('cgroups/mem', cgroupFactory((tree) => CgroupsMemIsolator.create(tree, silentLogger, false)));
isolatorConformance('cgroups/pids', cgroupFactory((tree) => CgroupsPidsIsolator.create(tree, silentLogger, 64)));
isolatorConformance('posix/cpu', plain(new PosixCpuIsolator(noPids)));
isolatorConformance('posix/mem', plain(new PosixMemIsolator(noPids)));
isolatorConformance('namespaces/pid', async () => (asRoot ? plain(new PidNamespaceIsolator())() : 'namespaces need root'));
isolatorConformance('filesystem/linux', async () => (asRoot ? plain(new LinuxFilesystemIsolator())() : 'mount namespaces need root'));
isolatorConformance('disk/du', async () => {
  const iso = new DiskDuIsolator({ intervalMs: 50, enforce: true, logger: silentLogger });
  return { isolator: iso, leftovers: () => [], close: async () => undefined };
});
isolatorConformance('network/ports', plain(new NetworkPortsIsolator(noPids, { intervalMs: 50, enforce: true, agentPorts: [[31000, 32000]], checkAgentRangeOnly: false, logger: silentLogger })));
