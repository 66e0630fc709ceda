/**
 * The OCI runtime spec (config.json) runc runs an image container with: runc's own defaults
 * (capabilities, masked and read-only paths, /proc, /dev, /sys mounts, device rules) from
 * `runc spec`, then ours — the process (argv, env, cwd, user), the provisioned rootfs, the
 * sandbox at /mnt/mesos/sandbox, volumes, the host network (no network namespace, as Mesos's
 * host networking), and `cgroupsPath` = the cgroups the isolators created, so the container's
 * processes are charged and limited there.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface RuntimeSpec {
  ociVersion: string;
  process: { terminal: boolean; user: { uid: number; gid: number; additionalGids?: number[] }; args: string[]; env: string[]; cwd: string; [k: string]: unknown };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: Mount[];
  linux: { namespaces: Array<{ type: string; path?: string }>; cgroupsPath?: string; resources?: unknown; [k: string]: unknown };
  [k: string]: unknown;
}

let template: Promise<Result<RuntimeSpec, string>> | undefined;

/** `runc spec`'s defaults, generated once per agent. */
export function runcDefaults(runc = 'runc'): Promise<Result<RuntimeSpec, string>> {
  template ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agora-runc-spec-'));
    try {
      const made = await new Promise<Result<void, string>>((resolve) =>
        execFile(runc, ['spec'], { cwd: dir }, (e, _o, stderr) => resolve(e ? err(`${runc} spec: ${String(stderr).trim() || e.message}`) : ok(undefined))));
      if (!made.ok) return made;
      return ok(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as RuntimeSpec);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return template;
}

export interface ContainerProcess {
  args: string[];
  env: Record<string, string>;
  cwd: string;
  uid: number;
  gid: number;
}

/**
 * PID 1 of the container when the host has a static busybox: it passes SIGTERM/SIGINT on to the
 * task (a shell as PID 1 would ignore them, so a kill would wait out its whole grace period and
 * end in SIGKILL) and exits with the task's status. Mounted read-only at INIT_PATH.
 */
// Named busybox: busybox picks its applet by argv[0]'s basename.
export const INIT_PATH = '/.agora/busybox';
const INIT_SCRIPT = 'trap \'kill -TERM $c 2>/dev/null\' TERM INT; "$@" & c=$!; while :; do wait $c; s=$?; kill -0 $c 2>/dev/null || exit $s; done';

export function buildSpec(defaults: RuntimeSpec, p: ContainerProcess, rootfs: string, mounts: Mount[], cgroupsPath: string, hostname: string, init?: string): RuntimeSpec {
  const spec = structuredClone(defaults);
  const args = init ? [INIT_PATH, 'sh', '-c', INIT_SCRIPT, 'agora-init', ...p.args] : p.args;
  if (init) mounts = [...mounts, { destination: INIT_PATH, type: 'bind', source: init, options: ['bind', 'ro'] }];
  spec.process = { ...spec.process, terminal: false, user: { uid: p.uid, gid: p.gid }, args, env: Object.entries(p.env).map(([k, v]) => `${k}=${v}`), cwd: p.cwd };
  spec.root = { path: rootfs, readonly: false };
  spec.hostname = hostname;
  // Host networking: resolv.conf and hosts from the host, like Mesos's host network containers.
  spec.mounts = [
    ...spec.mounts,
    { destination: '/etc/resolv.conf', type: 'bind', source: '/etc/resolv.conf', options: ['rbind', 'ro'] },
    { destination: '/etc/hosts', type: 'bind', source: '/etc/hosts', options: ['rbind', 'ro'] },
    ...mounts,
  ];
  spec.linux = { ...spec.linux, namespaces: spec.linux.namespaces.filter((n) => n.type !== 'network'), cgroupsPath };
  // Limits belong to the isolators; runc keeps only its device rules.
  const resources = spec.linux.resources as { devices?: unknown } | undefined;
  spec.linux.resources = resources?.devices ? { devices: resources.devices } : {};
  return spec;
}
