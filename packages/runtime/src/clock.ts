/**
 * Time as a dependency. Daemons take a `Clock` so every timeout (offer timeout, ping timeout,
 * failover_timeout, status-update retries) can run under a `FakeClock` in deterministic tests,
 * the way Mesos's tests pause and advance the libprocess clock.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms`; the returned timer can be cancelled. */
  setTimer(ms: number, fn: () => void): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const h = setTimeout(fn, Math.max(0, ms));
    h.unref?.();
    return { cancel: () => clearTimeout(h) };
  },
};

/** Repeats `fn` every `ms` on `clock` until cancelled. */
export function every(clock: Clock, ms: number, fn: () => void): Timer {
  let current: Timer | undefined;
  let cancelled = false;
  const tick = () => {
    if (cancelled) return;
    current = clock.setTimer(ms, tick);
    fn();
  };
  current = clock.setTimer(ms, tick);
  return {
    cancel() {
      cancelled = true;
      current?.cancel();
    },
  };
}

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

const earlier = (a: Pending, b: Pending) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * A manual clock: time moves only when `advance()` is called, and due timers fire in order of
 * their due time (then creation order), each seeing `now()` equal to its due time. Timers live in
 * a binary heap, so a test that queues hundreds of thousands of messages stays fast.
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private heap: Pending[] = [];
  private live = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const p: Pending = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.push(p);
    this.live++;
    return {
      cancel: () => {
        if (p.cancelled) return;
        p.cancelled = true;
        this.live--;
      },
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due (including ones they create). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const next = this.heap[0];
      if (!next || next.at > target) break;
      this.pop();
      if (next.cancelled) continue;
      next.cancelled = true;
      this.live--;
      this.time = next.at;
      next.fn();
    }
    this.time = target;
  }

  /** Number of live timers (for assertions that nothing leaks). */
  get timers(): number {
    return this.live;
  }

  private push(p: Pending): void {
    const h = this.heap;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && earlier(h[l]!, h[m]!)) m = l;
      if (r < h.length && earlier(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
