/**
 * Volume (mesos.proto): a host path, sandbox path, image, secret, docker or CSI volume mapped
 * into a container at `container_path`. Also the shape of `Resource.disk.volume`.
 */
import { empty, enumeration, mapOf, message, optional, repeated, required, string, type Infer } from '../codec/schema.ts';
import { Parameters } from './common.ts';
import { Image } from './image.ts';
import { Secret } from './secret.ts';

export const VolumeMode = enumeration('Volume.Mode', { RW: 1, RO: 2 });
export type VolumeMode = Infer<typeof VolumeMode>;

export const MountPropagationMode = enumeration('MountPropagation.Mode', { UNKNOWN: 0, HOST_TO_CONTAINER: 1, BIDIRECTIONAL: 2 });
export type MountPropagationMode = Infer<typeof MountPropagationMode>;
export const MountPropagation = message('MountPropagation', { mode: optional(MountPropagationMode) });
export type MountPropagation = Infer<typeof MountPropagation>;

export const VolumeSourceType = enumeration('Volume.Source.Type', {
  UNKNOWN: 0, DOCKER_VOLUME: 1, HOST_PATH: 4, SANDBOX_PATH: 2, SECRET: 3, CSI_VOLUME: 5,
});
export type VolumeSourceType = Infer<typeof VolumeSourceType>;

export const SandboxPathType = enumeration('Volume.Source.SandboxPath.Type', { UNKNOWN: 0, SELF: 1, PARENT: 2 });
export type SandboxPathType = Infer<typeof SandboxPathType>;

export const CSIAccessMode = enumeration('Volume.Source.CSIVolume.VolumeCapability.AccessMode.Mode', {
  UNKNOWN: 0,
  SINGLE_NODE_WRITER: 1,
  SINGLE_NODE_READER_ONLY: 2,
  MULTI_NODE_READER_ONLY: 3,
  MULTI_NODE_SINGLE_WRITER: 4,
  MULTI_NODE_MULTI_WRITER: 5,
});
export type CSIAccessMode = Infer<typeof CSIAccessMode>;

export const CSIVolumeCapability = message('Volume.Source.CSIVolume.VolumeCapability', {
  block: optional(empty),
  mount: optional(message('Volume.Source.CSIVolume.VolumeCapability.MountVolume', { fs_type: optional(string), mount_flags: repeated(string) })),
  access_mode: required(message('Volume.Source.CSIVolume.VolumeCapability.AccessMode', { mode: required(CSIAccessMode) })),
});
export type CSIVolumeCapability = Infer<typeof CSIVolumeCapability>;

export const CSIVolume = message('Volume.Source.CSIVolume', {
  plugin_name: required(string),
  static_provisioning: optional(
    message('Volume.Source.CSIVolume.StaticProvisioning', {
      volume_id: required(string),
      volume_capability: required(CSIVolumeCapability),
      node_stage_secrets: optional(mapOf(Secret)),
      node_publish_secrets: optional(mapOf(Secret)),
      volume_context: optional(mapOf(string)),
    }),
  ),
});
export type CSIVolume = Infer<typeof CSIVolume>;

export const VolumeSource = message('Volume.Source', {
  type: optional(VolumeSourceType),
  docker_volume: optional(
    message('Volume.Source.DockerVolume', { driver: optional(string), name: required(string), driver_options: optional(Parameters) }),
  ),
  host_path: optional(message('Volume.Source.HostPath', { path: required(string), mount_propagation: optional(MountPropagation) })),
  sandbox_path: optional(message('Volume.Source.SandboxPath', { type: optional(SandboxPathType), path: required(string) })),
  secret: optional(Secret),
  csi_volume: optional(CSIVolume),
});
export type VolumeSource = Infer<typeof VolumeSource>;

/**
 * `mode` is required in the proto; we accept it missing (as `Resource.disk.volume` always did
 * here) and leave the "RW unless stated" reading to the agent.
 */
export const Volume = message('Volume', {
  mode: optional(VolumeMode),
  container_path: required(string),
  host_path: optional(string),
  image: optional(Image),
  source: optional(VolumeSource),
});
export type Volume = Infer<typeof Volume>;
