/**
 * One connection to the executor host's Unix socket: newline-delimited JSON of
 * `internal.ExecutorHostMessage` in both directions (ADR 0003). Lines that do not decode are
 * logged and skipped; a line longer than `maxLineBytes` means the peer is broken, and the
 * connection is closed.
 */
import { createConnection, type Socket } from 'node:net';
import { decode, formatDecodeError, internal, parseJson } from '@agora/protocol';
import type { Logger } from '@agora/runtime';

type HostMessage = internal.ExecutorHostMessage;

export class HostConnection {
  private buffer = '';
  private closedFlag = false;
  private readonly closeFns: Array<(reason: string) => void> = [];

  private constructor(
    private readonly socket: Socket,
    private readonly onMessage: (m: HostMessage) => void,
    private readonly logger: Logger,
    private readonly maxLineBytes: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.received(chunk));
    socket.on('close', () => this.markClosed('the executor host closed the connection'));
    socket.on('error', (e) => this.markClosed(`socket error: ${e.message}`));
  }

  /** Connects; resolves with the connection or the error code (ENOENT, ECONNREFUSED…). */
  static connect(path: string, onMessage: (m: HostMessage) => void, logger: Logger, maxLineBytes = 4 * 1024 * 1024): Promise<HostConnection | { error: string; code?: string }> {
    return new Promise((resolve) => {
      const socket = createConnection(path);
      const fail = (e: NodeJS.ErrnoException) => {
        socket.destroy();
        resolve({ error: e.message, code: e.code });
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        resolve(new HostConnection(socket, onMessage, logger, maxLineBytes));
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  onClose(fn: (reason: string) => void): void {
    if (this.closedFlag) fn('closed');
    else this.closeFns.push(fn);
  }

  send(m: HostMessage): boolean {
    if (this.closedFlag) return false;
    this.socket.write(JSON.stringify(m) + '\n');
    return true;
  }

  close(): void {
    this.socket.end();
    this.markClosed('closed by the agent');
  }

  private received(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim() !== '') this.line(line);
      if (this.closedFlag) return;
    }
    if (this.buffer.length > this.maxLineBytes) {
      this.logger.error('the executor host sent an over-long line; closing the connection');
      this.socket.destroy();
      this.markClosed('over-long line from the executor host');
    }
  }

  private line(text: string): void {
    const parsed = parseJson(text);
    const m = parsed.ok ? decode(internal.ExecutorHostMessage, parsed.value) : parsed;
    if (!m.ok) {
      this.logger.warn({ error: formatDecodeError(m.error) }, 'ignoring a malformed line from the executor host');
      return;
    }
    this.onMessage(m.value);
  }

  private markClosed(reason: string): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    const fns = this.closeFns.splice(0);
    for (const fn of fns) fn(reason);
  }
}
