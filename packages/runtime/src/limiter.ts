/**
 * At most `max` async operations in flight; the rest wait in FIFO order. Used wherever one
 * process could otherwise open thousands of connections at once: a framework acknowledging
 * thousands of updates (the master sees a steady stream on reused keep-alive connections instead
 * of a connection storm), thousands of emulated agents connecting to a master.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }
}
