/**
 * Everything a command touches outside itself, injectable so tests can run `main()` in-process:
 * output streams (and whether they are terminals), the environment, `fetch`, the clock for
 * polling, and an abort signal standing in for Ctrl-C.
 */
export interface Output {
  write(text: string): void;
  /** A terminal: colours and live progress are allowed. */
  readonly isTTY: boolean;
}

export interface CliIO {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch: typeof fetch;
  /** Resolves after `ms` (or early, when `signal` aborts). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Aborted on SIGINT/SIGTERM for commands that run until interrupted (`logs -f`, `execute`). */
  readonly interrupt: AbortSignal;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const streamOutput = (s: NodeJS.WriteStream): Output => ({
  write: (text) => void s.write(text),
  get isTTY() {
    return s.isTTY === true;
  },
});

/**
 * The real process. The interrupt signal is armed lazily by `watchSignals()` so that short
 * commands never install handlers (and `agora master`, which has its own, is not affected).
 */
export function processIO(): CliIO & { watchSignals(): () => void } {
  const controller = new AbortController();
  return {
    stdout: streamOutput(process.stdout),
    stderr: streamOutput(process.stderr),
    env: process.env,
    fetch: globalThis.fetch,
    sleep,
    interrupt: controller.signal,
    watchSignals() {
      let count = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        // A second Ctrl-C means "now": do not wait for the graceful path.
        if (++count > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
        controller.abort(sig);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      return () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
    },
  };
}
