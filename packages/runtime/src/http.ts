/**
 * HTTP plumbing shared by every daemon: a fastify instance configured for Mesos-style APIs, and
 * writers for long-lived streams (RecordIO for the v1 APIs, Server-Sent Events for Marathon).
 *
 * Bodies are handed to handlers as raw strings whatever the Content-Type, because the v1 APIs
 * decide themselves (415 for an unsupported type, 400 for a missing one, `{}` for an empty body).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

export interface HttpServerOptions {
  /** Largest request body accepted (bytes); larger bodies get 413. */
  bodyLimit?: number;
}

export function createHttpServer(opts: HttpServerOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 16 * 1024 * 1024,
    // Streams (subscriptions, event feeds) stay open for hours.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 65_000,
    // On shutdown every connection goes, idle keep-alive ones included: a daemon asked to stop
    // must not wait for its clients to hang up.
    forceCloseConnections: true,
    // Marathon IDs arrive %2F-encoded and with many segments; keep the router permissive.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 1024 },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  return app;
}

/** The request's media type without parameters, lower-cased ('' when absent). */
export function mediaType(req: IncomingMessage | { headers: IncomingMessage['headers'] }): string {
  const ct = req.headers['content-type'];
  return typeof ct === 'string' ? ct.split(';')[0]!.trim().toLowerCase() : '';
}

/** Whether an Accept header admits JSON: missing, `*\/*`, `application/*` or `application/json`. */
export function acceptsJson(accept: string | string[] | undefined): boolean {
  if (accept === undefined) return true;
  const list = (Array.isArray(accept) ? accept.join(',') : accept).split(',').map((s) => s.split(';')[0]!.trim().toLowerCase());
  return list.some((t) => t === '' || t === '*/*' || t === 'application/*' || t === 'application/json');
}

/** A long-lived stream of serialised events (a RecordIO response in production, memory in tests). */
export interface EventStream {
  send(json: string): boolean;
  end(): void;
  readonly closed: boolean;
}

export interface StreamOptions {
  /** A subscriber that falls this far behind is disconnected rather than allowed to grow memory. */
  maxBufferedBytes?: number;
  onClose?: () => void;
  /** Told when the stream is dropped because the client fell `maxBufferedBytes` behind. */
  onTooSlow?: (bufferedBytes: number) => void;
}

/**
 * Base for long-lived response streams: takes the raw response over from fastify. Units written in
 * one event-loop turn are flushed together with the socket corked: each is still its own HTTP
 * chunk (some clients parse chunk by chunk), but a burst of events costs one system call.
 */
abstract class ResponseStream {
  protected readonly res: ServerResponse;
  private done = false;
  private readonly maxBuffered: number;
  private readonly onClose: (() => void) | undefined;
  private readonly onTooSlow: ((bufferedBytes: number) => void) | undefined;
  private pending: string[] = [];
  private flushScheduled = false;

  protected constructor(reply: FastifyReply, headers: Record<string, string>, opts: StreamOptions) {
    reply.hijack();
    this.res = reply.raw;
    this.maxBuffered = opts.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.onClose = opts.onClose;
    this.onTooSlow = opts.onTooSlow;
    this.res.writeHead(200, { 'cache-control': 'no-cache', ...headers });
    this.res.flushHeaders();
    this.res.socket?.setNoDelay(true);
    const closed = () => this.finish();
    this.res.on('close', closed);
    this.res.on('error', closed);
  }

  get closed(): boolean {
    return this.done;
  }

  /** Queues one unit (one HTTP chunk). Returns false when the stream is closed or was dropped as too slow. */
  protected writeChunk(chunk: string): boolean {
    if (this.done) return false;
    this.pending.push(chunk);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.done || this.pending.length === 0) return;
    if (this.res.writableLength > this.maxBuffered) {
      this.onTooSlow?.(this.res.writableLength);
      this.pending = [];
      this.res.destroy();
      this.finish();
      return;
    }
    const batch = this.pending;
    this.pending = [];
    const sock = this.res.socket;
    sock?.cork();
    for (const c of batch) this.res.write(c);
    sock?.uncork();
  }

  /** Ends the response normally (after what is queued). */
  end(): void {
    if (this.done) return;
    this.flush();
    this.res.end();
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.pending = [];
    this.onClose?.();
  }
}

/**
 * A RecordIO stream (`<length>\n<json>`), exactly one record per HTTP chunk: some clients parse
 * chunk by chunk, and Mesos itself writes this way.
 */
export class RecordIOWriter extends ResponseStream implements EventStream {
  constructor(reply: FastifyReply, headers: Record<string, string> = {}, opts: StreamOptions = {}) {
    super(reply, { 'content-type': 'application/json', ...headers }, opts);
  }

  /** Sends one record; `json` is the already-serialised record. */
  send(json: string): boolean {
    return this.writeChunk(`${Buffer.byteLength(json)}\n${json}`);
  }
}

/** Server-Sent Events with named events (`event: deployment_success`) and keep-alive comments. */
export class SseWriter extends ResponseStream {
  constructor(reply: FastifyReply, opts: StreamOptions = {}) {
    super(reply, { 'content-type': 'text/event-stream', connection: 'keep-alive' }, opts);
  }

  send(event: string, data: string): boolean {
    return this.writeChunk(`event: ${event}\ndata: ${data.replace(/\n/g, '\ndata: ')}\n\n`);
  }

  keepAlive(): boolean {
    return this.writeChunk(':\n\n');
  }
}

export type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
