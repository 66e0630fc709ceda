/**
 * At most `max` calls in flight; the rest wait in FIFO order. A framework that acknowledges
 * thousands of updates at once must not open thousands of connections to the master (fetch's
 * default pool is unbounded): with a bound, keep-alive connections are reused and the master
 * sees a steady stream of requests instead of a connection storm.
 */
export class CallLimiter {
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
