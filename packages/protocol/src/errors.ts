/**
 * Agora's error codes: one table from code to HTTP status and meaning, used by every HTTP
 * surface (Mesos v1 APIs, legacy endpoints, the Marathon- and Chronos-style APIs, the CLI).
 * The Mesos APIs answer errors with plain-text bodies, so there only the status and `message`
 * reach the client; our own APIs send the whole AgoraError as JSON. docs/errors.md mirrors the
 * table (a test keeps them in step).
 */
import { formatDecodeError, type DecodeError } from './codec/schema.ts';

interface ErrorSpec {
  readonly status: number;
  readonly description: string;
}

export const ERROR_CODES = {
  NOT_LEADER: { status: 307, description: 'This master is not the leader; Location names the leader (protocol-relative //host:port/path).' },
  BAD_REQUEST: { status: 400, description: 'The request could not be read: malformed JSON, a missing required field, a bad query parameter.' },
  INVALID_CALL: { status: 400, description: 'The call decoded but failed validation ("Failed to validate scheduler::Call: ...").' },
  INVALID_STREAM_ID: { status: 400, description: 'Mesos-Stream-Id is missing or does not match the subscription, or a SUBSCRIBE sent one.' },
  UNKNOWN_FRAMEWORK: { status: 400, description: 'The framework (or executor) named by the call is not known ("Framework cannot be found").' },
  UNAUTHORIZED: { status: 401, description: 'Authentication is required and missing or wrong (WWW-Authenticate names the realm).' },
  NOT_SUBSCRIBED: { status: 403, description: 'The framework or executor is known but not subscribed (its stream is not open).' },
  FORBIDDEN: { status: 403, description: 'The authenticated principal is not authorized for this action.' },
  NOT_FOUND: { status: 404, description: 'No such resource: path, file, container, app or job.' },
  METHOD_NOT_ALLOWED: { status: 405, description: 'The endpoint does not accept this HTTP method (the v1 APIs take POST only).' },
  NOT_ACCEPTABLE: { status: 406, description: 'No representation matches the Accept header (JSON and protobuf are offered).' },
  CONFLICT: { status: 409, description: 'The request conflicts with current state: a resource operation the master cannot apply, a framework removed meanwhile.' },
  DEPLOYMENT_LOCKED: { status: 409, description: 'The app or pod is locked by a running deployment (Marathon); retry or force.' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body exceeds the size limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'Content-Type is not application/json or application/x-protobuf.' },
  UNPROCESSABLE_ENTITY: { status: 422, description: 'The definition is well-formed but invalid; details name each field path (Marathon-style).' },
  RATE_LIMITED: { status: 429, description: 'Too many requests from this principal; retry later.' },
  INTERNAL: { status: 500, description: 'An unexpected failure inside Agora (a bug); the message says what failed.' },
  NOT_IMPLEMENTED: { status: 501, description: 'The call type is UNKNOWN or not supported.' },
  NO_LEADER: { status: 503, description: 'No leading master is elected yet.' },
  RECOVERING: { status: 503, description: 'The master or agent has not finished recovering its state.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ALL_ERROR_CODES = Object.keys(ERROR_CODES) as ErrorCode[];

export interface AgoraError {
  readonly code: ErrorCode;
  readonly message: string;
  /** The field path the error is about, e.g. `accept.operations[0].launch.task_infos[2].task_id`. */
  readonly field?: string;
}

export const httpStatusOf = (code: ErrorCode): number => ERROR_CODES[code].status;
export const describeErrorCode = (code: ErrorCode): string => ERROR_CODES[code].description;
export const isErrorCode = (s: string): s is ErrorCode => Object.hasOwn(ERROR_CODES, s);

export function agoraError(code: ErrorCode, message: string, field?: string): AgoraError {
  return field === undefined ? { code, message } : { code, message, field };
}

/** A request body that failed to decode: 400, naming the field. */
export function fromDecodeError(e: DecodeError): AgoraError {
  return agoraError('BAD_REQUEST', formatDecodeError(e), e.path === '' ? undefined : e.path);
}

/** Mesos's wording for a call that failed validation, e.g. `Failed to validate scheduler::Call: ...`. */
export function invalidCall(api: 'scheduler' | 'executor' | 'master' | 'agent', problem: string): AgoraError {
  return agoraError('INVALID_CALL', `Failed to validate ${api}::Call: ${problem}`);
}
