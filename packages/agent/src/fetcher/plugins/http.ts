/**
 * `http://` and `https://` with Node's fetch (undici): redirects followed (at most 20), only a
 * 200 counts as success (as Mesos's libcurl download), the body is taken as sent (no
 * `Accept-Encoding`, so a `.tar.gz` is not decoded on the way), a `Content-Length` over the limit
 * is refused before reading, and the transfer stops at the limit or when it stalls.
 */
import { err, ok } from '@agora/protocol';
import type { FetcherPlugin } from '../plugin.ts';
import { describeError, tooLarge, TransferWatch, writeStreamToFile } from '../write-stream.ts';
import { AGORA_VERSION } from '../../version.ts';

export const httpPlugin: FetcherPlugin = {
  name: 'http',
  schemes: ['http', 'https'],
  async fetch(uri, dest, ctx) {
    ctx.log(`Downloading resource from '${uri.value}' to '${dest.replace(/^.*\//, '')}'`);
    const controller = new AbortController();
    // The stall clock runs from the start: a server that accepts and never answers stalls too.
    const watch = new TransferWatch(ctx, (why) => controller.abort(new Error(why)));
    let res: Response;
    try {
      res = await fetch(uri.value, {
        redirect: 'follow',
        signal: controller.signal,
        headers: { 'accept-encoding': 'identity', 'user-agent': `agora-fetcher/${AGORA_VERSION}` },
      });
    } catch (e) {
      if (watch.reason === undefined) watch.halt(describeError(e));
      return err(watch.reason!);
    }
    if (res.status !== 200) {
      watch.halt(`received HTTP return code ${res.status}${res.statusText ? ` (${res.statusText})` : ''}`);
      await res.body?.cancel().catch(() => undefined);
      return err(watch.reason!);
    }
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(length) && length > ctx.maxBytes) {
      watch.halt(`${tooLarge(ctx.maxBytes)}: the server announced ${length} bytes`);
      await res.body?.cancel().catch(() => undefined);
      return err(watch.reason!);
    }
    if (res.redirected) ctx.log(`Redirected to '${res.url}'`);
    const body = res.body ?? (async function* () {})();
    const r = await writeStreamToFile(dest, body as AsyncIterable<Uint8Array>, ctx, (why) => controller.abort(new Error(why)), watch);
    return r.ok ? ok(r.value) : r;
  },
};
