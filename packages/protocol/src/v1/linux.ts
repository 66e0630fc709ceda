/** Linux-specific container settings (mesos.proto): capabilities, seccomp, IPC, rlimits, TTY. */
import { bool, enumeration, message, optional, repeated, required, string, uint32, uint64, withDefault, type Infer } from '../codec/schema.ts';

/** Linux capabilities; real values start at 1000 so that 0 can mean "unset". */
export const LinuxCapability = enumeration('CapabilityInfo.Capability', {
  UNKNOWN: 0,
  CHOWN: 1000, DAC_OVERRIDE: 1001, DAC_READ_SEARCH: 1002, FOWNER: 1003, FSETID: 1004, KILL: 1005, SETGID: 1006,
  SETUID: 1007, SETPCAP: 1008, LINUX_IMMUTABLE: 1009, NET_BIND_SERVICE: 1010, NET_BROADCAST: 1011, NET_ADMIN: 1012,
  NET_RAW: 1013, IPC_LOCK: 1014, IPC_OWNER: 1015, SYS_MODULE: 1016, SYS_RAWIO: 1017, SYS_CHROOT: 1018,
  SYS_PTRACE: 1019, SYS_PACCT: 1020, SYS_ADMIN: 1021, SYS_BOOT: 1022, SYS_NICE: 1023, SYS_RESOURCE: 1024,
  SYS_TIME: 1025, SYS_TTY_CONFIG: 1026, MKNOD: 1027, LEASE: 1028, AUDIT_WRITE: 1029, AUDIT_CONTROL: 1030,
  SETFCAP: 1031, MAC_OVERRIDE: 1032, MAC_ADMIN: 1033, SYSLOG: 1034, WAKE_ALARM: 1035, BLOCK_SUSPEND: 1036,
  AUDIT_READ: 1037, PERFMON: 1038, BPF: 1039, CHECKPOINT_RESTORE: 1040,
});
export type LinuxCapability = Infer<typeof LinuxCapability>;

export const CapabilityInfo = message('CapabilityInfo', { capabilities: repeated(LinuxCapability) });
export type CapabilityInfo = Infer<typeof CapabilityInfo>;

export const SeccompInfo = message('SeccompInfo', { profile_name: optional(string), unconfined: optional(bool) });
export type SeccompInfo = Infer<typeof SeccompInfo>;

export const IpcMode = enumeration('LinuxInfo.IpcMode', { UNKNOWN: 0, PRIVATE: 1, SHARE_PARENT: 2 });
export type IpcMode = Infer<typeof IpcMode>;

/** `share_cgroups` (default true) must be false for task-group tasks that set resource limits. */
export const LinuxInfo = message('LinuxInfo', {
  /** Deprecated since 1.4 in favour of `effective_capabilities`. */
  capability_info: optional(CapabilityInfo),
  bounding_capabilities: optional(CapabilityInfo),
  effective_capabilities: optional(CapabilityInfo),
  share_pid_namespace: optional(bool),
  seccomp: optional(SeccompInfo),
  ipc_mode: optional(IpcMode),
  shm_size: optional(uint32),
  share_cgroups: withDefault(bool, true),
});
export type LinuxInfo = Infer<typeof LinuxInfo>;

export const RLimitType = enumeration('RLimitInfo.RLimit.Type', {
  UNKNOWN: 0, RLMT_AS: 1, RLMT_CORE: 2, RLMT_CPU: 3, RLMT_DATA: 4, RLMT_FSIZE: 5, RLMT_LOCKS: 6, RLMT_MEMLOCK: 7,
  RLMT_MSGQUEUE: 8, RLMT_NICE: 9, RLMT_NOFILE: 10, RLMT_NPROC: 11, RLMT_RSS: 12, RLMT_RTPRIO: 13, RLMT_RTTIME: 14,
  RLMT_SIGPENDING: 15, RLMT_STACK: 16,
});
export type RLimitType = Infer<typeof RLimitType>;

/** Both `hard` and `soft` unset means unlimited; when set, soft ≤ hard (checked by the agent). */
export const RLimit = message('RLimitInfo.RLimit', { type: optional(RLimitType), hard: optional(uint64), soft: optional(uint64) });
export type RLimit = Infer<typeof RLimit>;
export const RLimitInfo = message('RLimitInfo', { rlimits: repeated(RLimit) });
export type RLimitInfo = Infer<typeof RLimitInfo>;

export const TTYWindowSize = message('TTYInfo.WindowSize', { rows: required(uint32), columns: required(uint32) });
export type TTYWindowSize = Infer<typeof TTYWindowSize>;
export const TTYInfo = message('TTYInfo', { window_size: optional(TTYWindowSize) });
export type TTYInfo = Infer<typeof TTYInfo>;
