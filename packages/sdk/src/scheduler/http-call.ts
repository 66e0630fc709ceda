/**
 * One scheduler call as one POST: JSON body, `Mesos-Stream-Id` when known, 307s followed (Mesos
 * redirects with a protocol-relative `Location`), a timeout on the clock. The status and body
 * come back as a value whatever they are; deciding what is expected is the caller's business.
 */
import http from 'node:http';
import https from 'node:https';
import { encodeJson, err, ok, type Result, type scheduler } from '@agora/protocol';
import type { Clock } from '@agora/runtime';
import { describeFetchError } from './detector.ts';

export interface CallReply {
  readonly status: number;
  readonly body: string;
}

export interface CallError {
  /** `not-subscribed`: no subscription to send on; `http`: an unexpected status; `network`: no answer. */
  readonly kind: 'not-subscribed' | 'http' | 'network' | 'invalid';
  readonly status?: number;
  readonly body?: string;
  readonly message: string;
}

export type CallResult = Result<CallReply, CallError>;

export interface HttpCallOptions {
  /** An injected fetch (tests); without one, calls use node:http with a keep-alive pool. */
  readonly fetch: typeof fetch | undefined;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
}

export async function postCall(opts: HttpCallOptions, url: string, streamId: string | undefined, call: scheduler.Call): Promise<CallResult> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (streamId !== undefined) headers['Mesos-Stream-Id'] = streamId;
  const payload = encodeJson(call);
  if (opts.fetch === undefined) return postWithNodeHttp(opts, url, headers, payload, call.type ?? 'UNKNOWN');
  for (let hop = 0; ; hop++) {
    const controller = new AbortController();
    const timer = opts.clock.setTimer(opts.timeoutMs, () => controller.abort());
    try {
      const res = await opts.fetch!(url, { method: 'POST', headers, body: payload, redirect: 'manual', signal: controller.signal });
      const text = await res.text();
      const location = res.headers.get('location');
      if (res.status === 307 && location !== null && hop < opts.maxRedirects) {
        url = new URL(location, url).href;
        continue;
      }
      return ok({ status: res.status, body: text.trim() });
    } catch (e) {
      const why = controller.signal.aborted ? `no answer within ${opts.timeoutMs / 1000}s` : describeFetchError(e);
      return err({ kind: 'network', message: `${call.type} to ${url} failed: ${why}` });
    } finally {
      timer.cancel();
    }
  }
}

// Calls are small POSTs, often thousands a second (one ACKNOWLEDGE per status update): node:http
// with a keep-alive pool costs a fraction of fetch's per-request overhead.
const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }) };
const MAX_BODY = 1024 * 1024;

async function postWithNodeHttp(opts: HttpCallOptions, url: string, headers: Record<string, string>, payload: string, type: string): Promise<CallResult> {
  for (let hop = 0; ; hop++) {
    const r = await new Promise<Result<{ status: number; body: string; location: string | undefined }, string>>((resolve) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        resolve(err(`invalid URL ${url}`));
        return;
      }
      const secure = u.protocol === 'https:';
      const request = secure ? https.request : http.request;
      let settled = false;
      const done = (v: Result<{ status: number; body: string; location: string | undefined }, string>) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        resolve(v);
      };
      const req = request(
        {
          protocol: u.protocol,
          hostname: u.hostname.replace(/^\[|\]$/g, ''),
          port: u.port,
          path: `${u.pathname}${u.search}`,
          method: 'POST',
          agent: secure ? agents['https:'] : agents['http:'],
          headers: { ...headers, 'Content-Length': String(Buffer.byteLength(payload)) },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            if (body.length < MAX_BODY) body += c;
          });
          res.on('error', (e) => done(err(e.message)));
          res.on('end', () => {
            const loc = res.headers.location;
            done(ok({ status: res.statusCode ?? 0, body: body.trim(), location: typeof loc === 'string' ? loc : undefined }));
          });
        },
      );
      const timer = opts.clock.setTimer(opts.timeoutMs, () => {
        req.destroy();
        done(err(`no answer within ${opts.timeoutMs / 1000}s`));
      });
      req.on('error', (e) => done(err(describeFetchError(e))));
      req.end(payload);
    });
    if (!r.ok) return err({ kind: 'network', message: `${type} to ${url} failed: ${r.error}` });
    const { status, body, location } = r.value;
    if (status === 307 && location !== undefined && hop < opts.maxRedirects) {
      url = new URL(location, url).href;
      continue;
    }
    return ok({ status, body });
  }
}
