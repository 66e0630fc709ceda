/**
 * HTTP probe: `GET <url>` the way Mesos's checks run `curl -s -S -L -k -g`: redirects are
 * followed (at most 50, curl's limit, to http/https URLs only), TLS certificates are not verified
 * for https, the body is read to its end and discarded, and the answer is the final response's
 * status code.
 *
 * One connection per request, never pooled (`agent: false`, `Connection: close`), so nothing is
 * kept open between checks; on abort the request and its socket are destroyed at once.
 *
 * Outcomes: `ok({type: HTTP, http: {status_code}})` for any response; `err` when no response
 * could be had (refused, reset, a malformed URL or Location, too many redirects, aborted).
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { err, ok, type Result } from '@agora/protocol';
import { ABORTED, describeError, type Probe, type ProbeOutcome } from '../probe.ts';

export const MAX_REDIRECTS = 50;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function httpProbe(url: string): Probe {
  return (signal) => get(url, signal);
}

async function get(start: string, signal: AbortSignal): Promise<ProbeOutcome> {
  let url = start;
  for (let redirects = 0; ; redirects++) {
    const answer = await once(url, signal);
    if (!answer.ok) return answer;
    const { status, location } = answer.value;
    if (!REDIRECTS.has(status) || location === undefined) return ok({ type: 'HTTP', http: { status_code: status } });
    if (redirects >= MAX_REDIRECTS) return err(`Maximum (${MAX_REDIRECTS}) redirects followed`);
    const next = resolveLocation(url, location);
    if (!next.ok) return next;
    url = next.value;
  }
}

function resolveLocation(base: string, location: string): Result<string, string> {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch {
    return err(`Invalid redirect location '${location}'`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return err(`Refusing to follow a redirect to '${next.protocol}'`);
  return ok(next.href);
}

interface Answer {
  readonly status: number;
  readonly location: string | undefined;
}

function once(url: string, signal: AbortSignal): Promise<Result<Answer, string>> {
  if (signal.aborted) return Promise.resolve(err(ABORTED));
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(err(`Invalid URL '${url}'`));
  }
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let req: ClientRequest | undefined;
    let done = false;
    const finish = (r: Result<Answer, string>): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      // The response is complete or lost either way: release the socket now.
      req?.destroy();
      resolve(r);
    };
    const onAbort = (): void => finish(err(ABORTED));
    try {
      req = request(target, {
        method: 'GET',
        agent: false,
        headers: { accept: '*/*', connection: 'close', 'user-agent': 'agora-check' },
        rejectUnauthorized: false,
      });
    } catch (e) {
      finish(err(`Invalid request to '${url}': ${describeError(e)}`));
      return;
    }
    const sent = req;
    sent.on('error', (e) => finish(err(`GET ${url} failed: ${describeError(e)}`)));
    sent.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      res.on('error', (e) => finish(err(`GET ${url} failed while reading the response: ${describeError(e)}`)));
      res.on('end', () => finish(ok({ status, location })));
      res.on('close', () => {
        if (!res.complete) finish(err(`GET ${url}: the connection closed before the response was complete`));
      });
      res.resume();
    });
    signal.addEventListener('abort', onAbort, { once: true });
    sent.end();
  });
}
