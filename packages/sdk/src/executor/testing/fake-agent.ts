/**
 * A scripted fake of the agent's executor API (`POST /api/v1/executor`) on a real HTTP server, for
 * testing executors (and benchmarking them) without an agent. It speaks the wire protocol for
 * real: calls are decoded and validated as the agent does (400 with Mesos's message otherwise),
 * SUBSCRIBE gets a 200 RecordIO stream that starts with SUBSCRIBED, other calls get 202.
 *
 * Scripting: `onSubscribe` runs after SUBSCRIBED is written (e.g. to send LAUNCH), `onCall` for every
 * accepted call, `refuseSubscribe` can answer a SUBSCRIBE with an error status, `autoAcknowledge`
 * answers every UPDATE with ACKNOWLEDGED, and `send`/`sendRaw`/`closeStream` act on the stream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import {
  decodeJson,
  encodeJson,
  encodeRecord,
  formatDecodeError,
  validateExecutorCall,
  executor as api,
  type AgentInfo,
  type ExecutorInfo,
  type FrameworkInfo,
} from '@agora/protocol';

export interface FakeSubscription {
  readonly executorId: string;
  readonly frameworkId: string;
  /** The SUBSCRIBE call that opened this stream. */
  readonly call: api.Call;
  /** Writes one event as one RecordIO record; false once the stream is closed. */
  send(event: api.Event): boolean;
  /** Writes raw bytes (malformed input for tests). */
  sendRaw(bytes: Uint8Array | string): boolean;
  /** Ends the stream (the executor sees End-Of-File). */
  close(): void;
  readonly closed: boolean;
}

export interface FakeAgentOptions {
  /** The FrameworkInfo sent in SUBSCRIBED (its `id` is filled from the call); default user: the current one. */
  frameworkInfo?: Omit<FrameworkInfo, 'id' | 'failover_timeout' | 'checkpoint'> & Partial<Pick<FrameworkInfo, 'failover_timeout' | 'checkpoint'>>;
  agentId?: string;
  /** Answer every UPDATE with ACKNOWLEDGED on the executor's stream. */
  autoAcknowledge?: boolean;
  /** Keep every accepted call in `calls` (default true; benchmarks turn it off). */
  recordCalls?: boolean;
  onSubscribe?: (sub: FakeSubscription) => void;
  onCall?: (call: api.Call, sub: FakeSubscription | undefined) => void;
  /** Also serve on this Unix socket (MESOS_DOMAIN_SOCKET); `environment()` then points executors at it. */
  unixSocket?: string;
  /** A status to answer a SUBSCRIBE with instead of a stream (e.g. 503), or undefined to accept it. */
  refuseSubscribe?: (call: api.Call) => number | undefined;
}

interface Waiter {
  readonly pred: (call: api.Call) => boolean;
  readonly resolve: (call: api.Call) => void;
}

const textDecoder = new TextDecoder();
let currentUserName: string | undefined;

export class FakeAgentExecutorApi {
  readonly calls: api.Call[] = [];
  /** Counts of accepted calls by type (kept even when `recordCalls` is off). */
  readonly counts: Record<string, number> = {};
  readonly options: FakeAgentOptions;
  private readonly streams = new Map<string, FakeSubscription>();
  private waiters: Waiter[] = [];

  private unixServer: http.Server | undefined;

  private constructor(
    private readonly server: http.Server,
    options: FakeAgentOptions,
  ) {
    this.options = options;
  }

  /** Listens on 127.0.0.1, port 0. */
  static async start(options: FakeAgentOptions = {}): Promise<FakeAgentExecutorApi> {
    const server = http.createServer();
    server.keepAliveTimeout = 65_000;
    const agent = new FakeAgentExecutorApi(server, options);
    server.on('request', (req, res) => agent.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    if (options.unixSocket !== undefined) {
      const unix = http.createServer((req, res) => agent.handle(req, res));
      unix.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve) => unix.listen(options.unixSocket, resolve));
      agent.unixServer = unix;
    }
    return agent;
  }

  /** `ip:port`, as in MESOS_AGENT_ENDPOINT. */
  get endpoint(): string {
    const a = this.server.address() as AddressInfo;
    return `${a.address}:${a.port}`;
  }

  /** The environment the agent would give this executor (overridable). */
  environment(executorId: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      MESOS_FRAMEWORK_ID: 'fake-framework-0000',
      MESOS_EXECUTOR_ID: executorId,
      MESOS_AGENT_ENDPOINT: this.endpoint,
      MESOS_CHECKPOINT: '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
      ...(this.options.unixSocket !== undefined ? { MESOS_DOMAIN_SOCKET: this.options.unixSocket } : {}),
      ...extra,
    };
  }

  /** The executor's current (open) stream. */
  subscription(executorId: string): FakeSubscription | undefined {
    const s = this.streams.get(executorId);
    return s && !s.closed ? s : undefined;
  }

  send(executorId: string, event: api.Event): boolean {
    return this.subscription(executorId)?.send(event) ?? false;
  }

  closeStream(executorId: string): void {
    this.subscription(executorId)?.close();
  }

  /** Resolves with the first call (already received or future) matching `pred`. */
  waitForCall(pred: (call: api.Call) => boolean, timeoutMs = 5_000): Promise<api.Call> {
    const seen = this.calls.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching executor call within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        pred,
        resolve: (call) => {
          clearTimeout(timer);
          resolve(call);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** The status updates received so far (for one task, if given), in arrival order. */
  updates(taskId?: string): api.Update[] {
    return this.calls
      .filter((c) => c.type === 'UPDATE' && (taskId === undefined || c.update!.status.task_id.value === taskId))
      .map((c) => c.update!);
  }

  /** Closes every stream and the server. */
  async close(): Promise<void> {
    for (const s of this.streams.values()) s.close();
    for (const server of this.unixServer ? [this.server, this.unixServer] : [this.server]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'POST' || req.url !== '/api/v1/executor') {
      res.writeHead(req.method !== 'POST' ? 405 : 404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const decoded = decodeJson(api.Call, textDecoder.decode(Buffer.concat(chunks)));
      if (!decoded.ok) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`Failed to parse the request body: ${formatDecodeError(decoded.error)}`);
        return;
      }
      const call = decoded.value;
      const problem = validateExecutorCall(call);
      if (problem !== undefined) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`Failed to validate executor::Call: ${problem}`);
        return;
      }
      if (call.type === 'SUBSCRIBE') {
        const refusal = this.options.refuseSubscribe?.(call);
        if (refusal !== undefined) {
          res.writeHead(refusal, { 'Content-Type': 'text/plain' }).end('refused by the fake agent');
          return;
        }
        this.record(call);
        this.subscribe(call, res);
        return;
      }
      res.writeHead(202, { 'Content-Length': '0' }).end();
      this.record(call);
      const sub = this.subscription(call.executor_id.value);
      if (call.type === 'UPDATE' && this.options.autoAcknowledge && sub) {
        const status = call.update!.status;
        sub.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid! } });
      }
      this.options.onCall?.(call, sub);
    });
  }

  private record(call: api.Call): void {
    const type = call.type ?? 'UNKNOWN';
    this.counts[type] = (this.counts[type] ?? 0) + 1;
    if (this.options.recordCalls === false) return;
    this.calls.push(call);
    const ready = this.waiters.filter((w) => w.pred(call));
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(call);
  }

  private subscribe(call: api.Call, res: http.ServerResponse): void {
    const executorId = call.executor_id.value;
    const frameworkId = call.framework_id.value;
    this.streams.get(executorId)?.close();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    let closed = false;
    const sub: FakeSubscription = {
      executorId,
      frameworkId,
      call,
      send: (event) => sub.sendRaw(encodeRecord(encodeJson(event))),
      sendRaw: (bytes) => {
        if (closed) return false;
        res.write(bytes);
        return true;
      },
      close: () => {
        if (closed) return;
        closed = true;
        res.end();
      },
      get closed() {
        return closed;
      },
    };
    res.on('close', () => {
      closed = true;
    });
    this.streams.set(executorId, sub);
    sub.send({ type: 'SUBSCRIBED', subscribed: this.subscribed(executorId, frameworkId) });
    this.options.onSubscribe?.(sub);
    if (this.options.onCall) this.options.onCall(call, sub);
  }

  private subscribed(executorId: string, frameworkId: string): api.Subscribed {
    // By default the framework's user is whoever runs the test, so tasks need no user switch.
    const fw = this.options.frameworkInfo ?? { user: (currentUserName ??= userInfo().username), name: 'fake framework' };
    const frameworkInfo: FrameworkInfo = { failover_timeout: 0, checkpoint: false, ...fw, id: { value: frameworkId } };
    const executorInfo: ExecutorInfo = {
      executor_id: { value: executorId },
      framework_id: { value: frameworkId },
      command: { shell: true, value: 'agora-command-executor' },
    };
    const agentInfo: AgentInfo = { hostname: 'localhost', port: Number(this.endpoint.split(':').pop()), id: { value: this.options.agentId ?? 'fake-agent-S0' } };
    return { executor_info: executorInfo, framework_info: frameworkInfo, agent_info: agentInfo, container_id: { value: `container-${executorId}` } };
  }
}
