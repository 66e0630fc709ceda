/**
 * Garbage collection of sandboxes (Mesos's GarbageCollector and disk watch).
 *
 *  - An executor's run directory is scheduled for removal `--gc-delay` after the executor ends
 *    (its framework's directory when the framework is gone).
 *  - Every `--disk-watch-interval` the disk usage u of the work dir is checked; directories are
 *    then allowed to live only `gc_delay · max(0, 1 − gc_disk_headroom − u)`, so everything
 *    scheduled within `gc_delay − that age` is removed now ("sooner as the disk fills").
 *
 * One timer, for the earliest removal; the clock is injected.
 */
import type { Clock, Logger, Timer } from '@agora/runtime';

export type Remover = (path: string) => Promise<void>;

export class GarbageCollector {
  private readonly due = new Map<string, number>();
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private removing = 0;
  succeeded = 0;
  failed = 0;

  constructor(private readonly opts: { clock: Clock; remove: Remover; logger: Logger }) {}

  /** Removes `path` after `delayMs` (rescheduling it if it was already scheduled). */
  schedule(delayMs: number, path: string): void {
    this.due.set(path, this.opts.clock.now() + Math.max(0, delayMs));
    this.arm();
  }

  /** Cancels a scheduled removal (the path is in use again). */
  unschedule(path: string): boolean {
    return this.due.delete(path);
  }

  /** Removes now everything scheduled to go within the next `withinMs`. */
  prune(withinMs: number): void {
    const limit = this.opts.clock.now() + withinMs;
    for (const [path, at] of [...this.due]) if (at <= limit) this.removeNow(path);
    this.arm();
  }

  /** Paths waiting for removal. */
  get pending(): number {
    return this.due.size + this.removing;
  }

  scheduled(): Array<{ path: string; atMs: number }> {
    return [...this.due].map(([path, atMs]) => ({ path, atMs }));
  }

  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private arm(): void {
    let next = Infinity;
    for (const at of this.due.values()) if (at < next) next = at;
    if (next === this.timerAt) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = this.opts.clock.setTimer(next - this.opts.clock.now(), () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.prune(0);
    });
  }

  private removeNow(path: string): void {
    this.due.delete(path);
    this.removing++;
    this.opts.remove(path).then(
      () => {
        this.removing--;
        this.succeeded++;
        this.opts.logger.debug({ path }, 'garbage collected');
      },
      (e: unknown) => {
        this.removing--;
        this.failed++;
        this.opts.logger.warn({ path, error: e instanceof Error ? e.message : String(e) }, 'failed to garbage collect');
      },
    );
  }
}

export interface DiskWatchOptions {
  clock: Clock;
  gc: GarbageCollector;
  gcDelayMs: number;
  headroom: number;
  intervalMs: number;
  /** Fraction of the work dir's filesystem in use, or undefined when unknown. */
  usage: () => Promise<number | undefined>;
  logger: Logger;
}

/** How long directories may live at disk usage `u` (Mesos's `Slave::age`). */
export function maxAllowedAgeMs(gcDelayMs: number, headroom: number, usage: number): number {
  return gcDelayMs * Math.max(0, 1 - headroom - usage);
}

export class DiskWatcher {
  private timer: Timer | undefined;
  private stopped = false;
  /** The current limit on a sandbox's age, for `slave/executor_directory_max_allowed_age_secs`. */
  maxAgeMs: number;

  constructor(private readonly opts: DiskWatchOptions) {
    this.maxAgeMs = opts.gcDelayMs;
  }

  start(): void {
    this.stopped = false;
    this.timer = this.opts.clock.setTimer(this.opts.intervalMs, () => void this.tick());
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** One check: measure, then prune what is older than allowed. */
  async check(): Promise<void> {
    const u = await this.opts.usage();
    if (u === undefined) return;
    this.maxAgeMs = maxAllowedAgeMs(this.opts.gcDelayMs, this.opts.headroom, u);
    const within = this.opts.gcDelayMs - this.maxAgeMs;
    if (within > 0) {
      this.opts.logger.info({ usage: u, maxAgeSecs: this.maxAgeMs / 1000 }, 'disk usage is high; pruning sandboxes sooner');
      this.opts.gc.prune(within);
    }
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    await this.check().catch(() => undefined);
    if (!this.stopped) this.timer = this.opts.clock.setTimer(this.opts.intervalMs, () => void this.tick());
  }
}
