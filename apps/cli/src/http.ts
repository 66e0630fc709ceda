/**
 * GET/POST helpers for the read commands: JSON in, `Result` out. Redirects are followed (a
 * standby master answers its state endpoints with a protocol-relative 307 to the leader).
 */
import { err, ok, type Result } from '@agora/protocol';
import { describeFetchError } from '@agora/sdk';

export interface HttpError {
  /** undefined: no answer at all (refused, DNS, timeout). */
  readonly status?: number;
  readonly message: string;
}

export interface GetOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

function signalFor(opts: GetOptions): AbortSignal {
  const t = AbortSignal.timeout(opts.timeoutMs ?? 15_000);
  return opts.signal ? AbortSignal.any([t, opts.signal]) : t;
}

export async function getText(fetchFn: typeof fetch, url: string, opts: GetOptions = {}): Promise<Result<{ status: number; text: string }, HttpError>> {
  try {
    const res = await fetchFn(url, { headers: { Accept: 'application/json' }, signal: signalFor(opts) });
    return ok({ status: res.status, text: await res.text() });
  } catch (e) {
    const why = describeFetchError(e);
    const hint = /ECONNREFUSED/.test(why) ? ' (is it running? `agora local` starts a cluster; --master or $AGORA_MASTER point elsewhere)' : '';
    return err({ message: `cannot reach ${new URL(url).origin}: ${why}${hint}` });
  }
}

export async function getJson(fetchFn: typeof fetch, url: string, opts: GetOptions = {}): Promise<Result<unknown, HttpError>> {
  const r = await getText(fetchFn, url, opts);
  if (!r.ok) return r;
  const { status, text } = r.value;
  if (status !== 200) {
    const path = new URL(url).pathname;
    return err({ status, message: `${path} answered ${status}${text.trim() ? `: ${text.trim().slice(0, 300)}` : ''}` });
  }
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return err({ status, message: `${new URL(url).pathname} did not answer JSON` });
  }
}
