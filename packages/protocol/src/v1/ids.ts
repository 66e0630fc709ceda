/**
 * Mesos identifiers: every ID is a message `{ "value": "<text>" }` on the wire.
 */
import { lazy, message, optional, required, string, type Decoder, type Infer } from '../codec/schema.ts';

const id = (name: string) => message(name, { value: required(string) });

export const FrameworkID = id('FrameworkID');
export type FrameworkID = Infer<typeof FrameworkID>;
export const AgentID = id('AgentID');
export type AgentID = Infer<typeof AgentID>;
export const OfferID = id('OfferID');
export type OfferID = Infer<typeof OfferID>;
export const TaskID = id('TaskID');
export type TaskID = Infer<typeof TaskID>;
export const ExecutorID = id('ExecutorID');
export type ExecutorID = Infer<typeof ExecutorID>;
export const OperationID = id('OperationID');
export type OperationID = Infer<typeof OperationID>;
export const ResourceProviderID = id('ResourceProviderID');
export type ResourceProviderID = Infer<typeof ResourceProviderID>;
export const ContainerIDBase = id('ContainerID');

/** A container; `parent` is set for nested containers (a task-group task under its executor). */
export interface ContainerID {
  value: string;
  parent?: ContainerID;
}
export const ContainerID: Decoder<ContainerID> = message('ContainerID', {
  value: required(string),
  parent: optional(lazy(() => ContainerID)),
});

/** The longest ID the agent will turn into a path component (NAME_MAX). */
export const MAX_ID_BYTES = 255;

/**
 * Why `value` cannot be used as an ID that becomes a path component (sandbox directories,
 * checkpoint files), or undefined when it is safe. Mesos's rules: not empty, not `.` or `..`,
 * no `/`, no control characters or whitespace other than a plain space... we are stricter than
 * Mesos only where a byte could escape or confuse a path (NUL, `\`).
 */
export function idProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value === '.' || value === '..') return `'${value}' is not allowed`;
  if (new TextEncoder().encode(value).length > MAX_ID_BYTES) return `is longer than ${MAX_ID_BYTES} bytes`;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'contains a control character';
    if (c === 0x2f /* / */) return "contains '/'";
    if (c === 0x5c /* \ */) return "contains '\\'";
  }
  return undefined;
}
