/**
 * ContainerInfo (how to run a container), ContainerStatus (what the agent learned while setting
 * it up) and CgroupInfo, from mesos.proto. ContainerID lives in ids.ts.
 */
import { bool, enumeration, message, optional, repeated, required, string, uint32, withDefault, type Infer } from '../codec/schema.ts';
import { Parameter } from './common.ts';
import { ContainerID } from './ids.ts';
import { Image } from './image.ts';
import { LinuxInfo, RLimitInfo, TTYInfo } from './linux.ts';
import { NetworkInfo } from './network.ts';
import { Volume } from './volume.ts';

export const ContainerType = enumeration('ContainerInfo.Type', { DOCKER: 1, MESOS: 2 });
export type ContainerType = Infer<typeof ContainerType>;

export const DockerNetwork = enumeration('ContainerInfo.DockerInfo.Network', { HOST: 1, BRIDGE: 2, NONE: 3, USER: 4 });
export type DockerNetwork = Infer<typeof DockerNetwork>;

export const DockerPortMapping = message('ContainerInfo.DockerInfo.PortMapping', {
  host_port: required(uint32),
  container_port: required(uint32),
  protocol: optional(string),
});
export type DockerPortMapping = Infer<typeof DockerPortMapping>;

export const DockerInfo = message('ContainerInfo.DockerInfo', {
  image: required(string),
  network: withDefault(DockerNetwork, 'HOST'),
  port_mappings: repeated(DockerPortMapping),
  privileged: withDefault(bool, false),
  parameters: repeated(Parameter),
  force_pull_image: optional(bool),
  /** Deprecated since 1.0. */
  volume_driver: optional(string),
});
export type DockerInfo = Infer<typeof DockerInfo>;

export const MesosInfo = message('ContainerInfo.MesosInfo', { image: optional(Image) });
export type MesosInfo = Infer<typeof MesosInfo>;

/** `type` MESOS without `mesos.image` is the plain (no image) Mesos container. */
export const ContainerInfo = message('ContainerInfo', {
  type: required(ContainerType),
  volumes: repeated(Volume),
  hostname: optional(string),
  docker: optional(DockerInfo),
  mesos: optional(MesosInfo),
  network_infos: repeated(NetworkInfo),
  linux_info: optional(LinuxInfo),
  rlimit_info: optional(RLimitInfo),
  tty_info: optional(TTYInfo),
});
export type ContainerInfo = Infer<typeof ContainerInfo>;

export const CgroupInfo = message('CgroupInfo', {
  net_cls: optional(message('CgroupInfo.NetCls', { classid: optional(uint32) })),
});
export type CgroupInfo = Infer<typeof CgroupInfo>;

/** Sent back in TaskStatus; `network_infos` is how frameworks learn a container's IP. */
export const ContainerStatus = message('ContainerStatus', {
  container_id: optional(ContainerID),
  network_infos: repeated(NetworkInfo),
  cgroup_info: optional(CgroupInfo),
  executor_pid: optional(uint32),
});
export type ContainerStatus = Infer<typeof ContainerStatus>;
