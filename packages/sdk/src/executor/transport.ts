/**
 * HTTP to the agent's `/api/v1/executor`: JSON bodies, a streaming 200 response for SUBSCRIBE,
 * 202 for every other call. Two implementations of one small interface:
 *
 *  - `nodeHttpTransport` (the default): node:http with a keep-alive agent. Chunks of the event
 *    stream are handed over as they arrive (no web streams), and a closed stream costs no error
 *    objects, which matters in an executor host running hundreds of executors a second. It also
 *    has no body timeout: Node's built-in fetch (undici) cuts a response body after 300 s without
 *    data, while the executor stream is legitimately silent for 30 minutes between heartbeats.
 *  - `fetchTransport(fetch)`: any `fetch` (tests, or another HTTP stack).
 *
 * Stream contract: the driver calls `start(handlers)` once it is ready for events (data is held
 * back until then); `end` is called at most once, and neither handler is called after `close()`.
 */
import http from 'node:http';
import https from 'node:https';
import { encodeJson, err, ok, type Result, type executor } from '@agora/protocol';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface SendFailure {
  /** The HTTP status, when the agent answered at all. */
  readonly status?: number;
  readonly message: string;
}

export interface StreamHandlers {
  data(chunk: Uint8Array): void;
  /** The stream is over: `reason` says why when it did not end cleanly. */
  end(reason: string | undefined): void;
}

export interface EventStream {
  start(handlers: StreamHandlers): void;
  close(): void;
}

export interface PendingSubscription {
  readonly result: Promise<Result<EventStream, SendFailure>>;
  /** Abandons the request (the result then never matters). */
  cancel(): void;
}

export interface ExecutorTransport {
  /** A non-SUBSCRIBE call; ok only on 202 Accepted. */
  post(call: executor.Call): Promise<Result<void, SendFailure>>;
  subscribe(call: executor.Call): PendingSubscription;
}

const MAX_ERROR_BODY = 1024;
const describe = (e: unknown): string => {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${e.message}: ${cause.message}` : e.message;
};

function headersFor(token: string | undefined): Record<string, string> {
  const h: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (token !== undefined) h.Authorization = `Bearer ${token}`;
  return h;
}

// ───────────────────────────── node:http ─────────────────────────────

const httpAgent = new http.Agent({ keepAlive: true, maxFreeSockets: 256 });
const httpsAgent = new https.Agent({ keepAlive: true, maxFreeSockets: 256 });

/** Reads an error body (bounded), then resolves. */
function errorBody(res: http.IncomingMessage, status: number, resolve: (r: { ok: false; error: SendFailure }) => void): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => {
    if (text.length < MAX_ERROR_BODY) text += c;
  });
  res.on('error', () => undefined);
  res.once('close', () => resolve(err({ status, message: text.slice(0, MAX_ERROR_BODY) })));
}

/** `socketPath`: talk HTTP over this Unix socket (MESOS_DOMAIN_SOCKET) instead of TCP to `url`'s host. */
export function nodeHttpTransport(url: string, token: string | undefined, socketPath?: string): ExecutorTransport {
  const u = new URL(url);
  const secure = u.protocol === 'https:' && socketPath === undefined;
  const request = secure ? https.request : http.request;
  const base: http.RequestOptions =
    socketPath !== undefined
      ? { socketPath, path: u.pathname, method: 'POST', agent: httpAgent }
      : { protocol: u.protocol, hostname: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, path: u.pathname, method: 'POST', agent: secure ? httpsAgent : httpAgent };
  const headers = headersFor(token);
  const send = (call: executor.Call, onResponse: (res: http.IncomingMessage) => void, onError: (e: Error) => void): http.ClientRequest => {
    const body = encodeJson(call);
    const req = request({ ...base, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, onResponse);
    req.on('error', onError);
    req.end(body);
    return req;
  };

  return {
    post: (call) =>
      new Promise((resolve) => {
        send(
          call,
          (res) => {
            const status = res.statusCode ?? 0;
            if (status !== 202) return errorBody(res, status, resolve);
            res.on('error', () => undefined);
            // Resolve once the (empty) body is read, so the socket is back in the pool for the next call.
            res.once('end', () => resolve(ok(undefined)));
            res.once('close', () => resolve(ok(undefined)));
            res.resume();
          },
          (e) => resolve(err({ message: describe(e) })),
        );
      }),

    subscribe: (call) => {
      let req: http.ClientRequest | undefined;
      let cancelled = false;
      const result = new Promise<Result<EventStream, SendFailure>>((resolve) => {
        req = send(
          call,
          (res) => {
            const status = res.statusCode ?? 0;
            if (status !== 200) return errorBody(res, status, resolve);
            res.on('error', () => undefined); // the 'close' below reports it
            let handlers: StreamHandlers | undefined;
            let over = false;
            const finish = (reason: string | undefined) => {
              if (over) return;
              over = true;
              handlers?.end(reason);
            };
            resolve(
              ok({
                start(h) {
                  handlers = h;
                  res.on('data', (chunk: Buffer) => {
                    if (!over) h.data(chunk);
                  });
                  res.once('end', () => finish(undefined));
                  res.once('close', () => finish(res.complete ? undefined : 'the connection to the agent was closed'));
                },
                close() {
                  over = true;
                  res.destroy();
                },
              }),
            );
          },
          (e) => {
            if (!cancelled) resolve(err({ message: describe(e) }));
          },
        );
      });
      return {
        result,
        cancel: () => {
          cancelled = true;
          req?.destroy();
        },
      };
    },
  };
}

// ───────────────────────────── fetch ─────────────────────────────

async function bodyText(res: Response): Promise<string> {
  try {
    return (await res.text()).slice(0, MAX_ERROR_BODY);
  } catch {
    return '';
  }
}

export function fetchTransport(url: string, fetchFn: FetchLike, token: string | undefined): ExecutorTransport {
  const headers = headersFor(token);
  return {
    async post(call) {
      let res: Response;
      try {
        res = await fetchFn(url, { method: 'POST', headers, body: encodeJson(call) });
      } catch (e) {
        return err({ message: describe(e) });
      }
      if (res.status === 202) {
        await bodyText(res);
        return ok(undefined);
      }
      return err({ status: res.status, message: await bodyText(res) });
    },

    subscribe(call) {
      const abort = new AbortController();
      const result = (async (): Promise<Result<EventStream, SendFailure>> => {
        let res: Response;
        try {
          res = await fetchFn(url, { method: 'POST', headers, body: encodeJson(call), signal: abort.signal });
        } catch (e) {
          return err({ message: describe(e) });
        }
        if (res.status !== 200 || res.body === null) return err({ status: res.status, message: await bodyText(res) });
        const reader = res.body.getReader();
        let over = false;
        return ok({
          start(h) {
            void (async () => {
              let reason: string | undefined;
              try {
                for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
                  if (over) return;
                  h.data(chunk.value);
                }
              } catch (e) {
                reason = `the event stream failed: ${describe(e)}`;
              }
              if (over) return;
              over = true;
              h.end(reason);
            })();
          },
          close() {
            over = true;
            void reader.cancel().catch(() => undefined);
            abort.abort();
          },
        });
      })();
      return { result, cancel: () => abort.abort() };
    },
  };
}
