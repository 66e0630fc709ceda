/**
 * `ContainerInfo.volumes` of an image container → bind mounts. Sources: a path in the sandbox
 * (`source.sandbox_path`, type SELF; relative, never leaving it), or a host path (`host_path` /
 * `source.host_path`) only under a prefix of `--allowed-host-paths`. Targets: absolute paths in
 * the container, or relative ones under /mnt/mesos/sandbox. Mode RO mounts read-only.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, normalize, relative } from 'node:path';
import { err, ok, type Result, type Volume } from '@agora/protocol';
import type { Mount } from './oci-spec.ts';
import { CONTAINER_SANDBOX } from './process.ts';

const under = (base: string, path: string) => {
  const r = relative(base, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

export function volumeMounts(volumes: readonly Volume[], sandbox: string, allowedHostPaths: readonly string[]): Result<Mount[], string> {
  const mounts: Mount[] = [];
  for (const [i, v] of volumes.entries()) {
    const field = `container.volumes[${i}]`;
    const target = isAbsolute(v.container_path) ? normalize(v.container_path) : join(CONTAINER_SANDBOX, v.container_path);
    if (!isAbsolute(v.container_path) && !under(CONTAINER_SANDBOX, target)) return err(`${field}.container_path '${v.container_path}' leaves the sandbox`);
    let source: string;
    const hostPath = v.source?.host_path?.path ?? v.host_path;
    if (v.source?.sandbox_path) {
      if (v.source.sandbox_path.type === 'PARENT') return err(`${field}.source.sandbox_path: type PARENT needs nested containers, which are not supported`);
      source = join(sandbox, v.source.sandbox_path.path);
      if (isAbsolute(v.source.sandbox_path.path) || !under(sandbox, source)) return err(`${field}.source.sandbox_path.path '${v.source.sandbox_path.path}' leaves the sandbox`);
    } else if (hostPath !== undefined) {
      source = normalize(hostPath);
      if (!isAbsolute(source)) return err(`${field}.host_path '${hostPath}' must be absolute`);
      if (!allowedHostPaths.some((p) => under(p, source))) return err(`${field}.host_path '${hostPath}' is not under --allowed-host-paths`);
      if (!existsSync(source)) return err(`${field}.host_path '${hostPath}' does not exist`);
    } else {
      return err(`${field}: only sandbox_path and host_path volumes are supported`);
    }
    mounts.push({ destination: target, type: 'bind', source, options: ['rbind', v.mode === 'RO' ? 'ro' : 'rw'] });
  }
  return ok(mounts);
}
