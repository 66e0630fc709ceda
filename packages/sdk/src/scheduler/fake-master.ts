/**
 * A scripted master for testing schedulers without a cluster: a real HTTP server (port 0 by
 * default) that speaks the v1 scheduler API the way Mesos does — SUBSCRIBE answered with a
 * RecordIO stream and `Mesos-Stream-Id`, SUBSCRIBED then HEARTBEAT first, other calls checked
 * for the stream ID (400), subscription (403) and validity (400), then answered 202 (200 for
 * UPDATE_FRAMEWORK). A re-SUBSCRIBE fails the old stream over ("Framework failed over"), and a
 * torn-down framework gets "Framework has been removed".
 *
 * Tests drive it: push events with `subscription.send(...)`, script answers with
 * `enqueueReply(...)`, make it a non-leader with `redirectTo(...)`, wait for calls with
 * `nextCall(type)`, and add extra endpoints (`/master/state`, `/files/read`) with `route(...)`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeJson, encodeJson, encodeRecord, formatDecodeError, scheduler, validateSchedulerCall, type Offer, type TaskStatus,
} from '@agora/protocol';

export interface FakeMasterOptions {
  /** Sent in SUBSCRIBED (default 15). */
  heartbeatIntervalSeconds?: number;
  /** Framework IDs are `<masterId>-0000`, `-0001`… (default a random UUID). */
  masterId?: string;
  /** Answer SUBSCRIBE with SUBSCRIBED + HEARTBEAT (default true); false leaves the stream silent. */
  autoSubscribe?: boolean;
}

export interface RecordedCall {
  readonly call: scheduler.Call;
  readonly streamId: string | undefined;
  /** What the fake answered (200 for an accepted SUBSCRIBE). */
  readonly status: number;
}

export interface FakeReply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export class FakeSchedulerSubscription {
  closed = false;

  constructor(
    readonly frameworkId: string,
    readonly streamId: string,
    readonly call: scheduler.Call,
    private readonly res: ServerResponse,
  ) {
    res.on('close', () => {
      this.closed = true;
    });
  }

  /** One event, as one RecordIO record in one chunk. */
  send(event: scheduler.Event): void {
    this.writeRaw(encodeRecord(encodeJson(event)));
  }

  /** Bytes as they are, for malformed-stream tests. */
  writeRaw(data: string | Uint8Array): void {
    if (!this.closed) this.res.write(data);
  }

  heartbeat(): void {
    this.send({ type: 'HEARTBEAT' });
  }

  offers(offers: Offer[]): void {
    this.send({ type: 'OFFERS', offers: { offers } });
  }

  update(status: TaskStatus): void {
    this.send({ type: 'UPDATE', update: { status } });
  }

  error(message: string): void {
    this.send({ type: 'ERROR', error: { message } });
    this.end();
  }

  /** Closes the stream (the driver sees a disconnection). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.res.end();
  }
}

interface Waiter<T> {
  match: (x: T) => boolean;
  resolve: (x: T) => void;
}

export class FakeMaster {
  readonly calls: RecordedCall[] = [];
  readonly subscriptions: FakeSchedulerSubscription[] = [];
  /** Called after a call other than SUBSCRIBE was accepted (e.g. answer a LAUNCH with updates). */
  onCall: ((call: scheduler.Call, master: FakeMaster) => void) | undefined;

  private readonly server: Server;
  private readonly opts: Required<FakeMasterOptions>;
  private readonly replies: (FakeReply | ((call: scheduler.Call | undefined) => FakeReply | undefined))[] = [];
  private readonly routes = new Map<string, RouteHandler>();
  private readonly removed = new Set<string>();
  private leader: string | undefined;
  private nextFrameworkNumber = 0;
  private readonly cursors = new Map<string, number>();
  private readonly callWaiters: Waiter<RecordedCall>[] = [];
  private readonly subWaiters: Waiter<FakeSchedulerSubscription>[] = [];
  private subCursor = 0;
  private baseUrl = '';

  private constructor(opts: FakeMasterOptions) {
    this.opts = {
      heartbeatIntervalSeconds: opts.heartbeatIntervalSeconds ?? 15,
      masterId: opts.masterId ?? randomUUID(),
      autoSubscribe: opts.autoSubscribe ?? true,
    };
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(opts: FakeMasterOptions = {}, port = 0): Promise<FakeMaster> {
    const m = new FakeMaster(opts);
    await new Promise<void>((resolve, reject) => {
      m.server.once('error', reject);
      m.server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = m.server.address() as AddressInfo;
    m.baseUrl = `http://127.0.0.1:${addr.port}`;
    return m;
  }

  get url(): string {
    return this.baseUrl;
  }

  get hostPort(): string {
    return this.baseUrl.slice('http://'.length);
  }

  /** The newest open subscription. */
  get current(): FakeSchedulerSubscription | undefined {
    for (let i = this.subscriptions.length - 1; i >= 0; i--) if (!this.subscriptions[i]!.closed) return this.subscriptions[i];
    return undefined;
  }

  /** Answers for the next scheduler-API requests, in order; a function may decline (undefined). */
  enqueueReply(reply: FakeReply | ((call: scheduler.Call | undefined) => FakeReply | undefined)): void {
    this.replies.push(reply);
  }

  /** Behave as a non-leading master: 307 to `leaderUrl` (undefined: lead again). */
  redirectTo(leaderUrl: string | undefined): void {
    this.leader = leaderUrl;
  }

  /** Serves `GET|POST <path>` (exact path, query ignored). */
  route(method: string, path: string, handler: RouteHandler): void {
    this.routes.set(`${method.toUpperCase()} ${path}`, handler);
  }

  /** The next call of `type` not returned before (waits for it if needed). */
  nextCall(type: scheduler.CallType, timeoutMs = 5000): Promise<RecordedCall> {
    const from = this.cursors.get(type) ?? 0;
    const take = (index: number, rc: RecordedCall) => {
      this.cursors.set(type, index + 1);
      return rc;
    };
    const found = this.calls.findIndex((c, i) => i >= from && c.call.type === type);
    if (found >= 0) return Promise.resolve(take(found, this.calls[found]!));
    return this.wait(this.callWaiters, (c) => c.call.type === type && this.calls.indexOf(c) >= from, timeoutMs, `a ${type} call`).then((c) =>
      take(this.calls.indexOf(c), c),
    );
  }

  /** The next subscription not returned before. */
  nextSubscription(timeoutMs = 5000): Promise<FakeSchedulerSubscription> {
    const i = this.subCursor;
    if (i < this.subscriptions.length) {
      this.subCursor++;
      return Promise.resolve(this.subscriptions[i]!);
    }
    return this.wait(this.subWaiters, () => this.subscriptions.length > i, timeoutMs, 'a subscription').then(() => {
      this.subCursor = i + 1;
      return this.subscriptions[i]!;
    });
  }

  async close(): Promise<void> {
    for (const s of this.subscriptions) s.end();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private wait<T>(list: Waiter<T>[], match: (x: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        list.splice(list.indexOf(w), 1);
        reject(new Error(`fake master: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const w: Waiter<T> = {
        match,
        resolve: (x) => {
          clearTimeout(timer);
          resolve(x);
        },
      };
      list.push(w);
    });
  }

  private notify<T>(list: Waiter<T>[], x: T): void {
    for (const w of [...list]) {
      if (w.match(x)) {
        list.splice(list.indexOf(w), 1);
        w.resolve(x);
      }
    }
  }

  private record(rc: RecordedCall): void {
    this.calls.push(rc);
    this.notify(this.callWaiters, rc);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const route = this.routes.get(`${req.method} ${url.pathname}`);
    if (route) return route(req, res, url);
    if (url.pathname === '/master/redirect') {
      const target = this.leader ?? this.baseUrl;
      res.writeHead(307, { Location: `//${new URL(target).host}` }).end();
      return;
    }
    if (url.pathname === '/master/health') {
      res.writeHead(200).end();
      return;
    }
    if (url.pathname !== '/api/v1/scheduler') {
      res.writeHead(404).end();
      return;
    }
    const body = await readBody(req);
    if (this.leader !== undefined) {
      res.writeHead(307, { Location: `//${new URL(this.leader).host}/api/v1/scheduler` }).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    const decoded = decodeJson(scheduler.Call, body);
    const call = decoded.ok ? decoded.value : undefined;
    const scripted = this.scriptedReply(call);
    const streamHeader = header(req, 'mesos-stream-id');
    if (scripted) {
      if (call) this.record({ call, streamId: streamHeader, status: scripted.status });
      res.writeHead(scripted.status, { 'Content-Type': 'text/plain', ...scripted.headers }).end(scripted.body ?? '');
      return;
    }
    if (!decoded.ok) return plain(res, 400, `Failed to parse body into Call: ${formatDecodeError(decoded.error)}`);
    const problem = validateSchedulerCall(decoded.value);
    if (problem !== undefined) return plain(res, 400, `Failed to validate scheduler::Call: ${problem}`);
    const c = decoded.value;
    if (c.type === 'SUBSCRIBE') return this.subscribe(c, streamHeader, res);

    const fid = c.framework_id?.value ?? '';
    const sub = this.subscriptions.find((s) => !s.closed && s.frameworkId === fid);
    let status: number;
    if (sub === undefined) status = 403;
    else if (streamHeader !== sub.streamId) status = 400;
    else status = c.type === 'UPDATE_FRAMEWORK' ? 200 : 202;
    this.record({ call: c, streamId: streamHeader, status });
    if (status === 403) return plain(res, 403, 'Framework is not subscribed');
    if (status === 400) {
      return plain(res, 400, `The stream ID '${streamHeader ?? ''}' included in this request didn't match the stream ID currently associated with framework ID ${fid}`);
    }
    res.writeHead(status).end();
    if (c.type === 'TEARDOWN') {
      this.removed.add(fid);
      sub!.end();
    }
    this.onCall?.(c, this);
  }

  private scriptedReply(call: scheduler.Call | undefined): FakeReply | undefined {
    while (this.replies.length > 0) {
      const next = this.replies[0]!;
      const reply = typeof next === 'function' ? next(call) : next;
      if (reply === undefined) return undefined;
      this.replies.shift();
      return reply;
    }
    return undefined;
  }

  private subscribe(call: scheduler.Call, streamHeader: string | undefined, res: ServerResponse): void {
    if (streamHeader !== undefined) {
      this.record({ call, streamId: streamHeader, status: 400 });
      return plain(res, 400, 'Subscribe calls should not include the \'Mesos-Stream-Id\' header');
    }
    const given = call.framework_id?.value;
    const frameworkId = given ?? `${this.opts.masterId}-${String(this.nextFrameworkNumber++).padStart(4, '0')}`;
    const streamId = randomUUID();
    res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': streamId });
    const sub = new FakeSchedulerSubscription(frameworkId, streamId, call, res);
    this.record({ call, streamId: undefined, status: 200 });
    if (given !== undefined && this.removed.has(given)) {
      sub.error('Framework has been removed');
      return;
    }
    for (const old of this.subscriptions) if (!old.closed && old.frameworkId === frameworkId) old.error('Framework failed over');
    this.subscriptions.push(sub);
    if (this.opts.autoSubscribe) {
      sub.send({
        type: 'SUBSCRIBED',
        subscribed: {
          framework_id: { value: frameworkId },
          heartbeat_interval_seconds: this.opts.heartbeatIntervalSeconds,
          master_info: { id: this.opts.masterId, ip: 16777343, port: Number(new URL(this.baseUrl).port), hostname: '127.0.0.1', version: '1.11.0' },
        },
      });
      sub.heartbeat();
    }
    this.notify(this.subWaiters, sub);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
