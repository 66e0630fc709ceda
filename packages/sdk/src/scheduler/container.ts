/**
 * ContainerInfo for a task that runs from a container image under the agent's unified (Mesos)
 * containerizer: `type: MESOS` with `mesos.image` of type DOCKER. Frameworks whose APIs speak of
 * "Docker" containers (Marathon's and Chronos's `type: "DOCKER"`, Metronome's `run.docker`) run
 * them this way too: there is no Docker daemon, the agent provisions the image itself.
 *
 * Volumes follow `Volume.host_path` as mesos.proto defines it: an absolute path is a path on the
 * host (mounted only where the agent's `--allowed-host-paths` permits), a relative one is a path
 * in the task's sandbox (sent as a SANDBOX_PATH source of type SELF, which is what the agent
 * mounts). A missing mode is RW, as Marathon and Chronos default it.
 */
import type { ContainerInfo, Volume } from '@agora/protocol';

export interface ImageVolumeSpec {
  /** Where it appears in the container: absolute, or relative to the sandbox (/mnt/mesos/sandbox). */
  readonly containerPath: string;
  /** Absolute: a host path; relative: a path in the task's sandbox. */
  readonly hostPath: string;
  readonly mode?: 'RW' | 'RO';
}

export interface ImageContainerSpec {
  /** A Docker image reference: `[registry/]repository[:tag|@digest]`. */
  readonly image: string;
  /** Pull even when the agent has the image (`Image.cached: false`). */
  readonly forcePull?: boolean;
  readonly volumes?: readonly ImageVolumeSpec[];
}

export function imageVolume(v: ImageVolumeSpec): Volume {
  const mode = v.mode ?? 'RW';
  if (v.hostPath.startsWith('/')) return { container_path: v.containerPath, host_path: v.hostPath, mode };
  return { container_path: v.containerPath, mode, source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'SELF', path: v.hostPath } } };
}

export function imageContainer(spec: ImageContainerSpec): ContainerInfo {
  return {
    type: 'MESOS',
    volumes: (spec.volumes ?? []).map(imageVolume),
    network_infos: [],
    mesos: { image: { type: 'DOCKER', docker: { name: spec.image }, cached: spec.forcePull !== true } },
  };
}
