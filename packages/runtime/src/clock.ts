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

/**
 * A manual clock: time moves only when `advance()` is called, and due timers fire in order of
 * their due time (then creation order), each seeing `now()` equal to its due time.
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const p: Pending = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.pending.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }

  /** Moves time forward by `ms`, firing every timer that falls due (including ones they create). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.pending.splice(this.pending.indexOf(next), 1);
      this.time = next.at;
      next.fn();
    }
    this.time = target;
  }

  /** Number of live timers (for assertions that nothing leaks). */
  get timers(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  private nextDue(limit: number): Pending | undefined {
    let best: Pending | undefined;
    this.pending = this.pending.filter((p) => !p.cancelled);
    for (const p of this.pending) {
      if (p.at > limit) continue;
      if (!best || p.at < best.at || (p.at === best.at && p.seq < best.seq)) best = p;
    }
    return best;
  }
}
