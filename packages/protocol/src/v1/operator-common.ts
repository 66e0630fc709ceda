/**
 * Call and response messages that the master and agent operator APIs share (master.proto and
 * agent.proto define identical copies). Re-exported by both the `master` and `agent` namespaces.
 */
import { bool, bytes, message, optional, repeated, required, string, uint32, uint64, type Infer } from '../codec/schema.ts';
import { DurationInfo, Flag } from './common.ts';
import { FileInfo, Metric, VersionInfo } from './introspection.ts';

/** `timeout` bounds the answer time; metrics not ready by then are left out. */
export const CallGetMetrics = message('Call.GetMetrics', { timeout: optional(DurationInfo) });
export type CallGetMetrics = Infer<typeof CallGetMetrics>;

/** Raise the glog verbosity to `level` for `duration`, then revert. */
export const SetLoggingLevel = message('Call.SetLoggingLevel', { level: required(uint32), duration: required(DurationInfo) });
export type SetLoggingLevel = Infer<typeof SetLoggingLevel>;

export const CallListFiles = message('Call.ListFiles', { path: required(string) });
export type CallListFiles = Infer<typeof CallListFiles>;

/** `length` is capped at 16 pages (64 KiB) per read. */
export const CallReadFile = message('Call.ReadFile', { path: required(string), offset: required(uint64), length: optional(uint64) });
export type CallReadFile = Infer<typeof CallReadFile>;

export const GetHealth = message('Response.GetHealth', { healthy: required(bool) });
export type GetHealth = Infer<typeof GetHealth>;

export const GetFlags = message('Response.GetFlags', { flags: repeated(Flag) });
export type GetFlags = Infer<typeof GetFlags>;

export const GetVersion = message('Response.GetVersion', { version_info: required(VersionInfo) });
export type GetVersion = Infer<typeof GetVersion>;

export const ResponseGetMetrics = message('Response.GetMetrics', { metrics: repeated(Metric) });
export type ResponseGetMetrics = Infer<typeof ResponseGetMetrics>;

export const GetLoggingLevel = message('Response.GetLoggingLevel', { level: required(uint32) });
export type GetLoggingLevel = Infer<typeof GetLoggingLevel>;

export const ResponseListFiles = message('Response.ListFiles', { file_infos: repeated(FileInfo) });
export type ResponseListFiles = Infer<typeof ResponseListFiles>;

/** `size` is the whole file's size; `data` the bytes read (base64). */
export const ResponseReadFile = message('Response.ReadFile', { size: required(uint64), data: required(bytes()) });
export type ResponseReadFile = Infer<typeof ResponseReadFile>;

/**
 * Mesos's operator-call validation: a type, and the sub-message that type requires.
 * `required` maps each type to its field; types not in it need nothing.
 */
export function operatorCallProblem<T extends string>(
  call: { type?: T } & Partial<Record<string, unknown>>,
  required: Partial<Record<T, string>>,
): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  const field = required[call.type];
  return field !== undefined && call[field] === undefined ? `Expecting '${field}' to be present` : undefined;
}
