/** An in-memory `CliIO` for tests: captured output, a scripted fetch, a manual interrupt. */
import { sleep, type CliIO } from './io.ts';

export interface TestIO {
  io: CliIO;
  out(): string;
  err(): string;
  interrupt(): void;
}

export function testIO(opts: { fetch?: typeof fetch; env?: Record<string, string>; tty?: boolean } = {}): TestIO {
  let out = '';
  let errText = '';
  const controller = new AbortController();
  return {
    io: {
      stdout: { write: (s) => void (out += s), isTTY: opts.tty ?? false },
      stderr: { write: (s) => void (errText += s), isTTY: false },
      env: opts.env ?? {},
      fetch: opts.fetch ?? globalThis.fetch,
      sleep,
      interrupt: controller.signal,
    },
    out: () => out,
    err: () => errText,
    interrupt: () => controller.abort(),
  };
}

/** A fetch that answers GETs from a path → JSON table (404 otherwise). */
export function jsonFetch(routes: Record<string, unknown>): typeof fetch {
  return async (input) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (!(url.pathname in routes)) return new Response('not found', { status: 404 });
    return new Response(JSON.stringify(routes[url.pathname]), { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
}
