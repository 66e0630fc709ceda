/**
 * A client of the executor host's socket: what the agent does, for tests, benchmarks and tools.
 * (The agent has its own, since it may not import this package.)
 */
import { createConnection } from 'node:net';
import { err, ok, type Result, type internal } from '@agora/protocol';
import { LineChannel } from './line-channel.ts';

export interface ExecutorHostClientOptions {
  /** Called for every message from the host. */
  onMessage?: (m: internal.ExecutorHostMessage) => void;
  /** Keep every message in `messages` for `waitFor` (default true). */
  keep?: boolean;
}

export interface ExecutorHostClient {
  readonly messages: internal.ExecutorHostMessage[];
  send(m: internal.ExecutorHostMessage): boolean;
  /** The first message (already received or future) matching `pred`. */
  waitFor(pred: (m: internal.ExecutorHostMessage) => boolean, timeoutMs?: number): Promise<internal.ExecutorHostMessage>;
  close(): void;
  /** Resolves when the connection is gone, with the reason if the client closed it for cause. */
  readonly closed: Promise<string | undefined>;
}

export function connectExecutorHost(path: string, opts: ExecutorHostClientOptions = {}): Promise<Result<ExecutorHostClient, string>> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('error', (e) => resolve(err(`cannot connect to the executor host at ${path}: ${e.message}`)));
    socket.once('connect', () => {
      const messages: internal.ExecutorHostMessage[] = [];
      let waiters: { pred: (m: internal.ExecutorHostMessage) => boolean; resolve: (m: internal.ExecutorHostMessage) => void }[] = [];
      let resolveClosed!: (reason: string | undefined) => void;
      const closed = new Promise<string | undefined>((r) => (resolveClosed = r));
      const channel = new LineChannel(socket, {
        onMessage: (m) => {
          if (opts.keep !== false) messages.push(m);
          opts.onMessage?.(m);
          const ready = waiters.filter((w) => w.pred(m));
          waiters = waiters.filter((w) => !ready.includes(w));
          for (const w of ready) w.resolve(m);
        },
        onClose: (reason) => resolveClosed(reason),
      });
      resolve(
        ok({
          messages,
          send: (m) => channel.send(m),
          waitFor: (pred, timeoutMs = 5_000) => {
            const seen = messages.find(pred);
            if (seen) return Promise.resolve(seen);
            return new Promise((res, rej) => {
              const timer = setTimeout(() => {
                waiters = waiters.filter((w) => w !== waiter);
                rej(new Error(`no matching executor-host message within ${timeoutMs} ms`));
              }, timeoutMs);
              const waiter = {
                pred,
                resolve: (m: internal.ExecutorHostMessage) => {
                  clearTimeout(timer);
                  res(m);
                },
              };
              waiters.push(waiter);
            });
          },
          close: () => channel.close(),
          closed,
        }),
      );
    });
  });
}
