/**
 * One scheduler call as one POST: JSON body, `Mesos-Stream-Id` when known, 307s followed (Mesos
 * redirects with a protocol-relative `Location`), a timeout on the clock. The status and body
 * come back as a value whatever they are; deciding what is expected is the caller's business.
 */
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
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
}

export async function postCall(opts: HttpCallOptions, url: string, streamId: string | undefined, call: scheduler.Call): Promise<CallResult> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (streamId !== undefined) headers['Mesos-Stream-Id'] = streamId;
  const payload = encodeJson(call);
  for (let hop = 0; ; hop++) {
    const controller = new AbortController();
    const timer = opts.clock.setTimer(opts.timeoutMs, () => controller.abort());
    try {
      const res = await opts.fetch(url, { method: 'POST', headers, body: payload, redirect: 'manual', signal: controller.signal });
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
