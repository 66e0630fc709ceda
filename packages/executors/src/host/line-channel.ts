/**
 * Newline-delimited JSON over a stream socket: each line is one `internal.ExecutorHostMessage`,
 * decoded and validated like any untrusted input. Used by the host (and by its clients).
 *
 * Contracts: a line that is not valid JSON, not a valid message, or longer than `maxLineBytes`
 * closes the connection (the peer is broken or hostile; nothing is guessed). A peer that stops
 * reading while more than `maxBufferedBytes` are queued for it is disconnected rather than
 * allowed to grow the host's memory.
 */
import type { Socket } from 'node:net';
import { decodeJson, encodeJson, formatDecodeError, internal } from '@agora/protocol';

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface LineChannelOptions {
  maxLineBytes?: number;
  maxBufferedBytes?: number;
  onMessage: (message: internal.ExecutorHostMessage) => void;
  /** Once, when the connection is gone; `reason` is set when this side closed it for cause. */
  onClose: (reason: string | undefined) => void;
}

export class LineChannel {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private closed = false;
  private readonly maxLine: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly socket: Socket,
    private readonly opts: LineChannelOptions,
  ) {
    this.maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined); // 'close' follows and reports it
    socket.on('close', () => this.finish(undefined));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(message: internal.ExecutorHostMessage): boolean {
    if (this.closed) return false;
    if (this.socket.writableLength > this.maxBuffered) {
      this.close(`the peer is not reading (${this.socket.writableLength} bytes queued)`);
      return false;
    }
    this.socket.write(encodeJson(message) + '\n');
    return true;
  }

  /** Closes the connection; `reason` is reported to onClose. */
  close(reason?: string): void {
    if (this.closed) return;
    this.finish(reason);
    this.socket.destroy();
  }

  /** Flushes what was written, then closes. */
  end(): void {
    if (this.closed) return;
    this.finish(undefined);
    this.socket.end();
  }

  private finish(reason: string | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.opts.onClose(reason);
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1 && !this.closed; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      const line = this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.pending = [];
      this.pendingBytes = 0;
      if (line.length > this.maxLine) return this.close(`a line exceeds ${this.maxLine} bytes`);
      this.line(line.toString('utf8'));
    }
    if (this.closed || start >= chunk.length) return;
    const rest = chunk.subarray(start);
    this.pendingBytes += rest.length;
    if (this.pendingBytes > this.maxLine) return this.close(`a line exceeds ${this.maxLine} bytes`);
    this.pending.push(rest);
  }

  private line(text: string): void {
    if (text.trim() === '') return; // blank lines are harmless keep-alives
    const decoded = decodeJson(internal.ExecutorHostMessage, text);
    if (!decoded.ok) {
      this.close(`malformed message: ${formatDecodeError(decoded.error)}`);
      return;
    }
    this.opts.onMessage(decoded.value);
  }
}
