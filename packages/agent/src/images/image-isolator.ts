/**
 * `docker/runtime` (Mesos's name), enabled by `--image-providers=docker`: a container whose
 * ContainerInfo is type MESOS with a DOCKER image runs from that image. `prepare` resolves the
 * image from the local store (store.ts), provisions the container's root filesystem
 * (provisioner.ts), and writes the runc bundle (oci-spec.ts) whose `cgroupsPath` is the cgroups
 * the cgroups isolators made; the task then starts as `runc run` (agora-isolate --runc-…).
 * No `kill` of its own: the cgroups isolators' kill (freeze, kill, thaw) ends the container's
 * processes, and `cleanup`'s `runc delete --force` does without them.
 * `cleanup` deletes the runc container, unmounts and removes the root filesystem; `recover` does
 * so for containers the agent does not know. One task per image container (task groups with
 * images need nested containers, which are not supported).
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { ContainerSpec, Isolator, LaunchPrep } from '../isolators/isolator.ts';
import { runCommand } from './layers.ts';
import { buildSpec, runcDefaults } from './oci-spec.ts';
import { containerProcess, CONTAINER_SANDBOX } from './process.ts';
import { mountsUnder, type Provisioner } from './provisioner.ts';
import type { ImageStore } from './store.ts';
import { volumeMounts } from './volumes.ts';

export interface ImageIsolatorOptions {
  store: ImageStore;
  provisioner: Provisioner;
  /** runc's state directory (`runc --root`). */
  runcRoot: string;
  /** `--cgroups-root`: the container's cgroupsPath is /<root>/<container>. */
  cgroupsRoot: string;
  allowedHostPaths: string[];
  logger: Logger;
  /** A static busybox on the host to run as the container's PID 1 (oci-spec.ts), if there is one. */
  init?: string | undefined;
}

export class ImageIsolator implements Isolator {
  readonly name = 'docker/runtime';

  constructor(private readonly opts: ImageIsolatorOptions) {}

  async prepare(spec: ContainerSpec): Promise<Result<LaunchPrep | undefined, string>> {
    const image = spec.container?.mesos?.image;
    if (spec.container?.type === 'DOCKER') return err('ContainerInfo type DOCKER needs the Docker daemon; use type MESOS with a DOCKER image');
    if (image === undefined) return ok(undefined);
    if (image.type !== 'DOCKER' || image.docker === undefined) return err(`image type ${image.type} is not supported (--image-providers=docker)`);
    const tasks = spec.tasks ?? [];
    if (tasks.length !== 1) return err('an image container runs exactly one task (task groups with images need nested containers)');
    const provisioned = await this.opts.store.get(image.docker.name);
    if (!provisioned.ok) return provisioned;
    const proc = containerProcess(tasks[0]!, provisioned.value.config, spec.env ?? {}, spec.user);
    if (!proc.ok) return proc;
    for (const v of spec.container?.volumes ?? []) {
      if (v.source?.sandbox_path) await mkdir(join(spec.directory, v.source.sandbox_path.path), { recursive: true }).catch(() => undefined);
    }
    const volumes = volumeMounts(spec.container?.volumes ?? [], spec.directory, this.opts.allowedHostPaths);
    if (!volumes.ok) return volumes;
    const defaults = await runcDefaults();
    if (!defaults.ok) return defaults;
    const rootfs = await this.opts.provisioner.provision(spec.containerId, provisioned.value.rootfs);
    if (!rootfs.ok) return rootfs;
    const bundle = join(this.opts.provisioner.dir, spec.containerId);
    const mounts = [{ destination: CONTAINER_SANDBOX, type: 'bind', source: spec.directory, options: ['rbind', 'rw'] }, ...volumes.value];
    const runtime = buildSpec(defaults.value, proc.value, rootfs.value, mounts, `/${this.opts.cgroupsRoot}/${spec.containerId}`, spec.container?.hostname ?? 'agora', this.opts.init);
    try {
      await writeFile(join(bundle, 'config.json'), JSON.stringify(runtime));
      await mkdir(this.opts.runcRoot, { recursive: true });
    } catch (e) {
      return err(`cannot write the runc bundle: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.opts.logger.debug({ containerId: spec.containerId, image: image.docker.name, digest: provisioned.value.digest }, 'image container prepared');
    return ok({ runc: { root: this.opts.runcRoot, bundle, id: spec.containerId } });
  }

  async cleanup(containerId: string): Promise<void> {
    await runCommand('runc', ['--root', this.opts.runcRoot, 'delete', '--force', containerId]);
    // A `runc run` killed mid-way leaves its state directory, and in it the bind mount of runc's
    // cloned binary (runc.XXXXXX): unmount what is there, then remove it.
    const state = join(this.opts.runcRoot, containerId);
    for (const m of mountsUnder(state)) await runCommand('umount', ['-l', m]);
    await rm(state, { recursive: true, force: true }).catch(() => undefined);
    const r = await this.opts.provisioner.destroy(containerId);
    if (!r.ok) this.opts.logger.error({ containerId, error: r.error }, 'cannot remove the container\'s root filesystem');
  }

  async recover(known: ReadonlySet<string>): Promise<void> {
    // runc's own record (state left by a crashed agent) and the root filesystems.
    const listed = await runCommand('runc', ['--root', this.opts.runcRoot, 'list', '-q']);
    const ids = new Set([
      ...(listed.ok ? listed.value.split('\n').filter(Boolean) : []),
      ...(await readdir(this.opts.runcRoot).catch(() => [] as string[])),
      ...(await this.opts.provisioner.containersOnDisk()),
    ]);
    for (const id of ids) {
      if (known.has(id)) continue;
      this.opts.logger.info({ containerId: id }, 'removing an unknown (orphan) image container');
      await this.cleanup(id);
    }
  }
}
