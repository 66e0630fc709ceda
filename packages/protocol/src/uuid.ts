/**
 * UUID text ↔ bytes. Mesos carries status-update UUIDs as 16 raw bytes (base64 in JSON) and
 * shows them as canonical text (`8-4-4-4-12` hex). Pure conversions only: generating UUIDs
 * needs randomness, which belongs to the caller (crypto.randomUUID in the shell).
 */
import { decodeBase64, encodeBase64 } from './codec/base64.ts';
import { err, ok, type Result } from './codec/result.ts';

export const UUID_LENGTH = 16;
const TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidToBytes(text: string): Result<Uint8Array> {
  if (!TEXT.test(text)) return err(`'${text.length > 40 ? text.slice(0, 40) + '…' : text}' is not a UUID (expected 8-4-4-4-12 hex digits)`);
  const hex = text.replace(/-/g, '');
  const out = new Uint8Array(UUID_LENGTH);
  for (let i = 0; i < UUID_LENGTH; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return ok(out);
}

/** Lower-case canonical text. */
export function bytesToUuid(bytes: Uint8Array): Result<string> {
  if (bytes.length !== UUID_LENGTH) return err(`a UUID has ${UUID_LENGTH} bytes, got ${bytes.length}`);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return ok(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
}

/** Text → the base64 form used in `uuid` fields of JSON messages. */
export function uuidToBase64(text: string): Result<string> {
  const bytes = uuidToBytes(text);
  return bytes.ok ? ok(encodeBase64(bytes.value)) : bytes;
}

/** The base64 of a `uuid` field → canonical text. */
export function base64ToUuid(b64: string): Result<string> {
  const bytes = decodeBase64(b64);
  return bytes === undefined ? err('invalid base64') : bytesToUuid(bytes);
}

/** Mesos's check on a `uuid` bytes field, with Mesos's message. */
export function uuidProblem(b64: string): string | undefined {
  return decodeBase64(b64)?.length === UUID_LENGTH ? undefined : 'Not a valid UUID';
}
