/**
 * agent.ProcessIO: the records of container attach/session streams (`application/recordio`
 * with `Message-Content-Type`): stdin/stdout/stderr data and control (TTY size, heartbeats).
 */
import { bytes, enumeration, message, optional, type Infer } from '../../codec/schema.ts';
import { DurationInfo } from '../common.ts';
import { TTYInfo } from '../linux.ts';

export const ProcessIOType = enumeration('agent.ProcessIO.Type', { UNKNOWN: 0, DATA: 1, CONTROL: 2 });
export type ProcessIOType = Infer<typeof ProcessIOType>;

export const ProcessIODataType = enumeration('agent.ProcessIO.Data.Type', { UNKNOWN: 0, STDIN: 1, STDOUT: 2, STDERR: 3 });
export type ProcessIODataType = Infer<typeof ProcessIODataType>;

export const ProcessIOControlType = enumeration('agent.ProcessIO.Control.Type', { UNKNOWN: 0, TTY_INFO: 1, HEARTBEAT: 2 });
export type ProcessIOControlType = Infer<typeof ProcessIOControlType>;

export const ProcessIOData = message('agent.ProcessIO.Data', { type: optional(ProcessIODataType), data: optional(bytes()) });
export type ProcessIOData = Infer<typeof ProcessIOData>;

export const ProcessIOControl = message('agent.ProcessIO.Control', {
  type: optional(ProcessIOControlType),
  tty_info: optional(TTYInfo),
  heartbeat: optional(message('agent.ProcessIO.Control.Heartbeat', { interval: optional(DurationInfo) })),
});
export type ProcessIOControl = Infer<typeof ProcessIOControl>;

export const ProcessIO = message('agent.ProcessIO', {
  type: optional(ProcessIOType),
  data: optional(ProcessIOData),
  control: optional(ProcessIOControl),
});
export type ProcessIO = Infer<typeof ProcessIO>;
