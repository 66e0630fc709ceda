/**
 * `--isolation` → isolators. The names are Mesos's; unknown names, and isolators this machine
 * cannot support (a cgroup controller that is not there), are errors naming the flag, so the
 * agent does not start half-isolated. The cgroups isolators share one CgroupTree.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { err, ok, parseDurationMs, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import { ImageIsolator } from '../images/image-isolator.ts';
import { detectBackend, Provisioner } from '../images/provisioner.ts';
import { ImageStore } from '../images/store.ts';
import { CgroupsCpuIsolator } from './cgroups/cpu.ts';
import { detectLayout } from './cgroups/hierarchy.ts';
import { CgroupsMemIsolator } from './cgroups/mem.ts';
import { CgroupsPidsIsolator } from './cgroups/pids.ts';
import { CgroupTree } from './cgroups/tree.ts';
import { DiskDuIsolator } from './disk-du.ts';
import type { Isolator, IsolatorContext } from './isolator.ts';
import { LinuxFilesystemIsolator, PidNamespaceIsolator } from './namespaces.ts';
import { NetworkPortsIsolator } from './network-ports.ts';
import { PosixCpuIsolator, PosixMemIsolator } from './posix.ts';

export const ISOLATOR_NAMES = [
  'posix/cpu', 'posix/mem', 'cgroups/cpu', 'cgroups/mem', 'cgroups/pids', 'namespaces/pid', 'filesystem/linux', 'disk/du', 'network/ports',
] as const;

export interface IsolationConfig {
  isolation: string[];
  cgroupsHierarchy: string;
  cgroupsRoot: string;
  cgroupsEnableCfs: boolean;
  cgroupsLimitSwap: boolean;
  cgroupsMaxPids: number;
  containerDiskWatchIntervalMs: number;
  enforceContainerDiskQuota: boolean;
  containerPortsWatchIntervalMs: number;
  enforceContainerPorts: boolean;
  checkAgentPortRangeOnly: boolean;
  /** `--image-providers=docker`: the docker/runtime isolator (images/). */
  images: { registryDir: string; storeDir: string; backend: 'auto' | 'overlay' | 'copy'; allowedHostPaths: string[] } | undefined;
}

/** The flag values (as AgentOptions has them) → a validated IsolationConfig. */
export function compileIsolation(o: {
  isolation: string; cgroupsHierarchy: string; cgroupsRoot: string; cgroupsEnableCfs: boolean; cgroupsLimitSwap: boolean; cgroupsMaxPids: number;
  containerDiskWatchInterval: string; enforceContainerDiskQuota: boolean; containerPortsWatchInterval: string; enforceContainerPorts: boolean;
  checkAgentPortRangeOnly: boolean; imageProviders: string; dockerRegistry?: string | undefined; dockerStoreDir?: string | undefined;
  imageProvisionerBackend: string; allowedHostPaths: string[];
}, workDir: string): Result<IsolationConfig, string> {
  const names = o.isolation.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(ISOLATOR_NAMES as readonly string[]).includes(n)) return err(`--isolation: unknown isolator '${n}' (known: ${ISOLATOR_NAMES.join(', ')})`);
  }
  if (new Set(names).size !== names.length) return err('--isolation: an isolator is listed twice');
  if (o.cgroupsRoot === '' || o.cgroupsRoot.split('/').some((s) => s === '..' || s === '.') || o.cgroupsRoot.startsWith('/')) {
    return err(`--cgroups-root: '${o.cgroupsRoot}' must be a relative path without '.' or '..'`);
  }
  const disk = parseDurationMs(o.containerDiskWatchInterval);
  if (!disk.ok || disk.value <= 0) return err(`--container-disk-watch-interval: ${disk.ok ? 'must be positive' : disk.error}`);
  const ports = parseDurationMs(o.containerPortsWatchInterval);
  if (!ports.ok || ports.value <= 0) return err(`--container-ports-watch-interval: ${ports.ok ? 'must be positive' : ports.error}`);
  const providers = o.imageProviders.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
  for (const p of providers) if (p !== 'docker') return err(`--image-providers: '${p}' is not supported (only docker)`);
  let images: IsolationConfig['images'];
  if (providers.length > 0) {
    if (o.dockerRegistry === undefined || !isAbsolute(o.dockerRegistry)) return err('--docker-registry: with --image-providers=docker, give the absolute path of a directory of docker-save tarballs / OCI layouts');
    const backend = o.imageProvisionerBackend;
    if (backend !== 'auto' && backend !== 'overlay' && backend !== 'copy') return err(`--image-provisioner-backend: '${backend}' is not one of auto, overlay, copy`);
    const bad = o.allowedHostPaths.find((p) => !isAbsolute(p));
    if (bad !== undefined) return err(`--allowed-host-paths: '${bad}' is not an absolute path`);
    images = { registryDir: o.dockerRegistry, storeDir: resolve(o.dockerStoreDir ?? join(workDir, 'store', 'docker')), backend, allowedHostPaths: o.allowedHostPaths };
  }
  return ok({
    images,
    isolation: names,
    cgroupsHierarchy: o.cgroupsHierarchy,
    cgroupsRoot: o.cgroupsRoot,
    cgroupsEnableCfs: o.cgroupsEnableCfs,
    cgroupsLimitSwap: o.cgroupsLimitSwap,
    cgroupsMaxPids: o.cgroupsMaxPids,
    containerDiskWatchIntervalMs: disk.value,
    enforceContainerDiskQuota: o.enforceContainerDiskQuota,
    containerPortsWatchIntervalMs: ports.value,
    enforceContainerPorts: o.enforceContainerPorts,
    checkAgentPortRangeOnly: o.checkAgentPortRangeOnly,
  });
}

/** Debian's busybox-static (a static binary works inside any image). */
function staticBusybox(): string | undefined {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    try {
      // A static ELF has no PT_INTERP: look for the dynamic loader's name in the first bytes.
      const head = readFileSync(p).subarray(0, 4096).toString('latin1');
      if (!head.includes('ld-linux')) return p;
    } catch {
      // not there
    }
  }
  return undefined;
}

export interface Isolation {
  isolators: Isolator[];
  /** Present when a cgroups isolator is in use. */
  tree: CgroupTree | undefined;
}

export function createIsolators(cfg: IsolationConfig, deps: { logger: Logger; agentPorts: Array<[number, number]>; ctx: IsolatorContext }): Result<Isolation, string> {
  let tree: CgroupTree | undefined;
  if (cfg.isolation.some((n) => n.startsWith('cgroups/'))) {
    const layout = detectLayout(cfg.cgroupsHierarchy);
    if (!layout.ok) return err(`--cgroups-hierarchy: ${layout.error}`);
    tree = new CgroupTree(layout.value, cfg.cgroupsRoot);
  }
  const isolators: Isolator[] = [];
  for (const name of cfg.isolation) {
    let made: Result<Isolator, string>;
    switch (name) {
      case 'posix/cpu': made = ok(new PosixCpuIsolator(deps.ctx)); break;
      case 'posix/mem': made = ok(new PosixMemIsolator(deps.ctx)); break;
      case 'cgroups/cpu': made = CgroupsCpuIsolator.create(tree!, deps.logger, cfg.cgroupsEnableCfs); break;
      case 'cgroups/mem': made = CgroupsMemIsolator.create(tree!, deps.logger, cfg.cgroupsLimitSwap); break;
      case 'cgroups/pids': made = CgroupsPidsIsolator.create(tree!, deps.logger, cfg.cgroupsMaxPids); break;
      case 'namespaces/pid': made = ok(new PidNamespaceIsolator()); break;
      case 'filesystem/linux': made = ok(new LinuxFilesystemIsolator()); break;
      case 'disk/du': made = ok(new DiskDuIsolator({ intervalMs: cfg.containerDiskWatchIntervalMs, enforce: cfg.enforceContainerDiskQuota, logger: deps.logger })); break;
      case 'network/ports':
        made = ok(new NetworkPortsIsolator(deps.ctx, {
          intervalMs: cfg.containerPortsWatchIntervalMs, enforce: cfg.enforceContainerPorts, agentPorts: deps.agentPorts,
          checkAgentRangeOnly: cfg.checkAgentPortRangeOnly, logger: deps.logger,
        }));
        break;
      default: made = err(`unknown isolator '${name}'`);
    }
    if (!made.ok) return err(`--isolation: ${name}: ${made.error}`);
    isolators.push(made.value);
  }
  // Last: runc joins the cgroups the isolators above created.
  if (cfg.images) {
    const store = new ImageStore({ registryDir: cfg.images.registryDir, storeDir: cfg.images.storeDir });
    const provisioner = new Provisioner(join(cfg.images.storeDir, 'containers'), detectBackend(cfg.images.backend));
    isolators.push(new ImageIsolator({ store, provisioner, runcRoot: join(cfg.images.storeDir, 'runc'), cgroupsRoot: cfg.cgroupsRoot, allowedHostPaths: cfg.images.allowedHostPaths, logger: deps.logger, init: staticBusybox() }));
  }
  return ok({ isolators, tree });
}
