/**
 * One stored value on disk: a one-line text header, then the value's bytes.
 *
 *   agora-state 1 <version> <length> <sha256 hex>\n<value>
 *
 * The header makes files inspectable with `head -1`; the length and checksum turn any damage
 * (truncation, a partial copy, a foreign file) into a clear `CORRUPT` error instead of a wrong
 * value. Torn writes cannot happen in the first place (files are replaced by rename), so a
 * checksum failure always means damage from outside.
 */
import { createHash } from 'node:crypto';
import { err, ok, type Result } from '@agora/protocol';

const MAGIC = 'agora-state 1';
const MAX_HEADER = 128;
const HEADER = /^agora-state 1 (\d{1,15}) (\d{1,15}) ([0-9a-f]{64})$/;

export interface Record {
  readonly version: number;
  readonly value: Uint8Array;
}

export function encodeRecord(version: number, value: Uint8Array): Buffer {
  const sha = createHash('sha256').update(value).digest('hex');
  return Buffer.concat([Buffer.from(`${MAGIC} ${version} ${value.length} ${sha}\n`), value]);
}

/** Decodes a record file's bytes; the error says what is wrong (the caller adds the path). */
export function decodeRecord(bytes: Buffer): Result<Record, string> {
  const nl = bytes.subarray(0, MAX_HEADER).indexOf(0x0a);
  if (nl < 0) {
    return err(bytes.length === 0 ? 'the file is empty' : `no '${MAGIC}' header line (not a state file, or damaged)`);
  }
  const m = HEADER.exec(bytes.subarray(0, nl).toString('latin1'));
  if (!m) return err(`bad header line ${JSON.stringify(bytes.subarray(0, Math.min(nl, 80)).toString('latin1'))}`);
  const version = Number(m[1]);
  const length = Number(m[2]);
  const value = bytes.subarray(nl + 1);
  if (value.length !== length) return err(`the header says ${length} bytes of value but the file holds ${value.length} (truncated or damaged)`);
  const sha = createHash('sha256').update(value).digest('hex');
  if (sha !== m[3]) return err('checksum mismatch (damaged)');
  return ok({ version, value: new Uint8Array(value.buffer, value.byteOffset, value.length) });
}
