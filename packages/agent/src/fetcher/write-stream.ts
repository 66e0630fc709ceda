/**
 * Copies a byte stream into a new file, the way every plug-in must: at most `maxBytes`, giving up
 * when no data has come for `stallTimeoutMs` (Mesos's `--fetcher_stall_timeout`: a transfer that
 * is not moving), and when the fetch is cancelled. Plug-ins written elsewhere use it too
 * (exported from the fetcher's index).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { err, formatDurationMs, ok, type Result } from '@agora/protocol';
import { formatBytes } from './bytes.ts';
import { fsMessage } from './dir.ts';
import type { PluginContext } from './plugin.ts';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

export const tooLarge = (maxBytes: number): string => `it is larger than the limit of ${formatBytes(maxBytes)} (--fetcher-max-size)`;
export const stalled = (ms: number): string => `the transfer stalled: no data for ${formatDurationMs(ms)} (--fetcher-stall-timeout)`;
export const CANCELLED = 'the fetch was cancelled';

/**
 * Watches a transfer: `halt(why)` is called once — on a stall, on cancellation, or by the caller
 * (a limit) — and `stop` (which must make the source end or throw) runs then.
 */
export class TransferWatch {
  private lastData: number;
  private timer: { cancel(): void } | undefined;
  private readonly onAbort = () => this.halt(CANCELLED);
  reason: string | undefined;

  constructor(
    private readonly ctx: Pick<PluginContext, 'clock' | 'stallTimeoutMs' | 'signal'>,
    private readonly stop: (why: string) => void,
  ) {
    this.lastData = ctx.clock.now();
    this.arm(ctx.stallTimeoutMs);
    if (ctx.signal.aborted) this.halt(CANCELLED);
    else ctx.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Data arrived. */
  touch(): void {
    this.lastData = this.ctx.clock.now();
  }

  halt(why: string): void {
    if (this.reason !== undefined) return;
    this.reason = why;
    this.done();
    this.stop(why);
  }

  done(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.ctx.signal.removeEventListener('abort', this.onAbort);
  }

  // One timer per stall period, not one per chunk: when it fires it checks how long it has been.
  private arm(ms: number): void {
    this.timer = this.ctx.clock.setTimer(ms, () => {
      if (this.reason !== undefined) return;
      const idle = this.ctx.clock.now() - this.lastData;
      if (idle >= this.ctx.stallTimeoutMs) this.halt(stalled(this.ctx.stallTimeoutMs));
      else this.arm(this.ctx.stallTimeoutMs - idle);
    });
  }
}

/**
 * Writes `source` to `dest` (created here; it must not exist). `stop` must end the source (abort
 * the request, kill the process). Resolves with the byte count or why the copy failed; on a
 * failure `dest` may hold a partial file (its private directory is removed by the fetcher).
 */
export async function writeStreamToFile(
  dest: string,
  source: AsyncIterable<Uint8Array>,
  ctx: Pick<PluginContext, 'clock' | 'stallTimeoutMs' | 'signal' | 'maxBytes'>,
  stop: (why: string) => void,
  watch: TransferWatch = new TransferWatch(ctx, stop),
): Promise<Result<{ bytes: number }, string>> {
  let bytes = 0;
  // Start reading before anything is awaited: Node drains (and drops) a child process's stdout at
  // its exit unless someone is already reading it, so a fast command would seem to write nothing.
  const it = source[Symbol.asyncIterator]();
  const first = it.next();
  first.catch(() => undefined);
  let out;
  try {
    out = await open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  } catch (e) {
    watch.halt(`cannot create the download file: ${fsMessage(e)}`);
    await it.return?.().catch(() => undefined);
    return err(watch.reason!);
  }
  try {
    for (let r = await first; !r.done; r = await it.next()) {
      if (watch.reason !== undefined) break;
      const chunk = r.value;
      watch.touch();
      bytes += chunk.byteLength;
      if (bytes > ctx.maxBytes) {
        watch.halt(tooLarge(ctx.maxBytes));
        break;
      }
      await out.write(chunk);
    }
  } catch (e) {
    if (watch.reason === undefined) watch.halt(describeError(e));
  } finally {
    watch.done();
    await it.return?.().catch(() => undefined);
    await out.close().catch(() => undefined);
  }
  return watch.reason !== undefined ? err(watch.reason) : ok({ bytes });
}

/** A thrown value as one line (fetch's `TypeError: fetch failed` carries the real cause). */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as Error & { cause?: unknown }).cause;
  const inner = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : undefined;
  if ((e as NodeJS.ErrnoException).code !== undefined) return fsMessage(e);
  return inner !== undefined && inner !== e.message ? `${e.message}: ${inner}` : e.message;
}
