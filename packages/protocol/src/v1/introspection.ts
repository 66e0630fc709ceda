/** Small messages of the operator API (mesos.proto): version, metrics, files. */
import { double, int32, message, optional, required, string, uint32, uint64, type Infer } from '../codec/schema.ts';
import { TimeInfo } from './common.ts';

/** `build_time` is seconds since the epoch. */
export const VersionInfo = message('VersionInfo', {
  version: required(string),
  build_date: optional(string),
  build_time: optional(double()),
  build_user: optional(string),
  git_sha: optional(string),
  git_branch: optional(string),
  git_tag: optional(string),
});
export type VersionInfo = Infer<typeof VersionInfo>;

export const Metric = message('Metric', { name: required(string), value: optional(double()) });
export type Metric = Infer<typeof Metric>;

/** One `ls -l` entry; `mode` holds the st_mode bits (file type and permissions). */
export const FileInfo = message('FileInfo', {
  path: required(string),
  nlink: optional(int32),
  size: optional(uint64),
  mtime: optional(TimeInfo),
  mode: optional(uint32),
  uid: optional(string),
  gid: optional(string),
});
export type FileInfo = Infer<typeof FileInfo>;
