/**
 * The driver's default `fetch`: a small adapter over node:http with a keep-alive agent.
 *
 * Why not the global fetch: Node's built-in fetch (undici) aborts a response body after 300 s
 * without data (its default `bodyTimeout`), and the executor's event stream is legitimately
 * silent for up to 30 minutes between agent heartbeats. node:http has no such timer, and its
 * keep-alive agent gives the many small UPDATE/HEARTBEAT POSTs of a busy executor host pooled,
 * reused sockets all the same.
 *
 * Only what the executor transport uses is implemented: method, headers, a string body and an
 * abort signal; the response's status and body stream.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike } from './transport.ts';

const httpAgent = new http.Agent({ keepAlive: true, maxFreeSockets: 64 });
const httpsAgent = new https.Agent({ keepAlive: true, maxFreeSockets: 64 });

/** Statuses that may not carry a body in a web `Response`. */
const NULL_BODY = new Set([204, 205, 304]);

export const keepAliveFetch: FetchLike = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input);
    const secure = url.protocol === 'https:';
    const body = typeof init.body === 'string' ? init.body : '';
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    headers['Content-Length'] = String(Buffer.byteLength(body));
    const options: http.RequestOptions = { method: init.method ?? 'GET', headers, agent: secure ? httpsAgent : httpAgent };
    if (init.signal) options.signal = init.signal;
    const req = (secure ? https : http).request(url, options, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 599) {
        res.destroy();
        reject(new Error(`unexpected HTTP status ${status}`));
        return;
      }
      const empty = NULL_BODY.has(status) || res.headers['content-length'] === '0';
      if (empty) res.resume();
      const stream = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      resolve(new Response(stream, { status, statusText: res.statusMessage ?? '' }));
    });
    req.once('error', reject);
    req.end(body);
  });
