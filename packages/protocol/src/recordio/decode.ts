/**
 * A streaming RecordIO decoder. Chunk boundaries mean nothing (proxies re-chunk), so a length
 * prefix or a record may span any number of chunks, and one chunk may hold many records.
 *
 * Strict about the prefix, because a corrupt stream must not be mistaken for a huge record:
 * ASCII digits only (no sign, spaces or `\r`), at least one, not zero, and at most `maxRecordBytes`.
 * The first error is final: every later `push` returns it again.
 */
import { err, ok, type Result } from '../codec/result.ts';

export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** Longest prefix we read before giving up (leading zeros included). */
const MAX_PREFIX_CHARS = 32;
const NEWLINE = 0x0a;

export interface RecordIOError {
  readonly message: string;
  /** Complete records that preceded the error in the failing chunk (never any after it). */
  readonly records: Uint8Array[];
}

export interface RecordIODecoderOptions {
  /** Largest record accepted, in bytes (default 64 MiB). */
  maxRecordBytes?: number;
}

export class RecordIODecoder {
  private readonly max: number;
  private failure: string | undefined;
  /** Reading the prefix: its value and digit count so far. */
  private length = 0;
  private digits = 0;
  /** Reading a record body: the buffer being filled and how much is filled. */
  private body: Uint8Array | undefined;
  private filled = 0;

  constructor(options: RecordIODecoderOptions = {}) {
    this.max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  /** True between records (nothing partial buffered): a clean place for the stream to end. */
  get idle(): boolean {
    return this.failure === undefined && this.body === undefined && this.digits === 0;
  }

  /** Feeds one chunk; returns every record completed by it. */
  push(chunk: Uint8Array): Result<Uint8Array[], RecordIOError> {
    if (this.failure !== undefined) return err({ message: this.failure, records: [] });
    const records: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.body !== undefined) {
        const n = Math.min(this.body.length - this.filled, chunk.length - i);
        this.body.set(chunk.subarray(i, i + n), this.filled);
        this.filled += n;
        i += n;
        if (this.filled === this.body.length) {
          records.push(this.body);
          this.body = undefined;
          this.filled = 0;
        }
        continue;
      }
      const c = chunk[i++]!;
      if (c === NEWLINE) {
        if (this.digits === 0) return this.fail('empty record length', records);
        if (this.length === 0) return this.fail('record length 0 is not allowed', records);
        this.body = new Uint8Array(this.length);
        this.length = 0;
        this.digits = 0;
        continue;
      }
      if (c < 0x30 || c > 0x39) return this.fail(`unexpected ${describeByte(c)} in a record length`, records);
      this.length = this.length * 10 + (c - 0x30);
      this.digits++;
      if (this.length > this.max) return this.fail(`record length exceeds the limit of ${this.max} bytes`, records);
      if (this.digits > MAX_PREFIX_CHARS) return this.fail('record length prefix is too long', records);
    }
    return ok(records);
  }

  /**
   * Call when the input ends: an error if it ended inside a record (a truncated stream), or the
   * earlier failure if there was one.
   */
  end(): Result<void, RecordIOError> {
    if (this.failure !== undefined) return err({ message: this.failure, records: [] });
    if (this.body !== undefined) return this.fail(`stream ended inside a record (${this.filled} of ${this.body.length} bytes)`, []);
    if (this.digits > 0) return this.fail('stream ended inside a record length', []);
    return ok(undefined);
  }

  private fail(message: string, records: Uint8Array[]): { ok: false; error: RecordIOError } {
    this.failure = message;
    this.body = undefined;
    return err({ message, records });
  }
}

function describeByte(c: number): string {
  return c >= 0x20 && c < 0x7f ? `character '${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}
