/**
 * The production `Channel` transport (ADR 0002): one WebSocket, each frame a JSON array holding
 * every message sent during one event-loop turn.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { err, ok, type Decoder, type Result } from '@agora/protocol';
import type { FastifyInstance } from 'fastify';
import { BaseChannel } from './channel.ts';

export interface WebSocketChannelOptions {
  /** A peer this far behind is disconnected rather than allowed to grow our memory. */
  maxBufferedBytes?: number;
}

export class WebSocketChannel<In, Out> extends BaseChannel<In, Out> {
  private queue: Out[] = [];
  private flushScheduled = false;
  private readonly maxBuffered: number;

  constructor(
    private readonly ws: WebSocket,
    decoder: Decoder<In>,
    peer: string,
    opts: WebSocketChannelOptions = {},
  ) {
    super(decoder, peer);
    this.maxBuffered = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
    ws.on('message', (data: RawData, isBinary: boolean) => this.onFrame(data, isBinary));
    ws.on('close', (code: number, reason: Buffer) => this.markClosed(`websocket closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`));
    ws.on('error', (e: Error) => this.markClosed(`websocket error: ${e.message}`));
  }

  send(msg: Out): void {
    if (!this.isOpen) return;
    this.queue.push(msg);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0 || !this.isOpen || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.maxBuffered) {
      this.close('peer too slow: send buffer limit exceeded');
      return;
    }
    const batch = this.queue;
    this.queue = [];
    this.ws.send(JSON.stringify(batch));
  }

  protected shutdown(reason: string): void {
    this.flush();
    // Close codes must fit in 123 bytes of reason text.
    this.ws.close(1000, reason.slice(0, 120));
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.close('protocol violation: binary frame');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      this.close('protocol violation: malformed JSON frame');
      return;
    }
    if (!Array.isArray(parsed)) {
      this.close('protocol violation: a frame must be a JSON array of messages');
      return;
    }
    for (const m of parsed) if (!this.deliver(m)) return;
  }
}

/** Client side: connects and resolves once open (or with the connection error). */
export function connectChannel<In, Out>(
  url: string,
  decoder: Decoder<In>,
  opts: WebSocketChannelOptions & { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<Result<WebSocketChannel<In, Out>, string>> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { handshakeTimeout: opts.timeoutMs ?? 10_000, headers: opts.headers, maxPayload: 256 * 1024 * 1024 });
    const fail = (e: Error) => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      resolve(err(e.message));
    };
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error(`unexpected HTTP ${res.statusCode}`)));
    ws.once('open', () => {
      ws.off('error', fail);
      resolve(ok(new WebSocketChannel<In, Out>(ws, decoder, url, opts)));
    });
  });
}

export interface AcceptOptions extends WebSocketChannelOptions {
  /** Largest frame accepted from a peer (bytes). */
  maxPayload?: number;
  /** Decides whether to accept the upgrade (e.g. only while leading); returns an HTTP status to refuse. */
  admit?: (req: IncomingMessage) => number | undefined;
}

/**
 * Server side: serves WebSocket channels at `path` on the fastify instance's HTTP server. Upgrade
 * requests for any other path are refused with 404.
 */
export function acceptChannels<In, Out>(
  app: FastifyInstance,
  path: string,
  decoder: Decoder<In>,
  onChannel: (channel: WebSocketChannel<In, Out>, req: IncomingMessage) => void,
  opts: AcceptOptions = {},
): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? 64 * 1024 * 1024 });
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = (req.url ?? '').split('?')[0];
    const refuse = (status: number) => {
      socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Service Unavailable'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url !== path) return refuse(404);
    const status = opts.admit?.(req);
    if (status !== undefined) return refuse(status);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
      onChannel(new WebSocketChannel<In, Out>(ws, decoder, peer, opts), req);
    });
  });
  app.addHook('onClose', (_app, done) => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => done());
  });
}
