/**
 * `--agent-removal-rate-limit` (Mesos `--agent_removal_rate_limit`, e.g. `1/20mins`): agents that
 * fail their health checks are marked unreachable at most at this rate, so a network partition
 * that cuts off half the cluster does not take all of its tasks at once. Without it every agent is
 * marked at once.
 *
 * As in Mesos's `SlaveObserver`: an agent that misses `--max-agent-ping-timeouts` pings is
 * *scheduled* (`master/slave_unreachable_scheduled`) and waits for a permit while the master keeps
 * pinging it. When its turn comes, it is marked unreachable (`master/slave_unreachable_completed`
 * once the registry has it) — unless it answered a ping or re-registered meanwhile, in which case
 * the transition is *canceled* (`master/slave_unreachable_canceled`) and the permit goes to the
 * next agent in line.
 *
 * The same queue paces recovered agents that did not re-register after a failover (ha/recovery.ts),
 * as Mesos's `recoveredSlavesTimeout` uses the same limiter; one that re-registers before its turn
 * is canceled too. (Mesos spends the permit of such an agent, which its MESOS-8386 calls a bug;
 * here it passes on.)
 *
 * `RemovalRate` is the pure part (permits spaced evenly, as libprocess's `RateLimiter`: `n/d` grants
 * one permit every d/n, the first at once); `AgentRemovals` queues agents on the master's clock.
 */
import { err, ok, parseDurationMs, type Result } from '@agora/protocol';
import type { Timer } from '@agora/runtime';
import type { Master } from '../master.ts';

export interface RemovalRateLimit {
  readonly permits: number;
  readonly durationMs: number;
}

/** `1/20mins`, `100/1secs` → {permits, durationMs}. Errors say what is wrong, without the flag's name. */
export function parseRemovalRateLimit(text: string): Result<RemovalRateLimit, string> {
  const parts = text.trim().split('/');
  const shape = `expected <number of agents>/<duration> (e.g. 1/20mins), got '${text}'`;
  if (parts.length !== 2) return err(shape);
  const [n, d] = parts as [string, string];
  if (!/^\d+$/.test(n.trim())) return err(shape);
  const permits = Number(n.trim());
  if (!Number.isSafeInteger(permits) || permits <= 0) return err(`the number of agents must be a positive integer, got '${n.trim()}'`);
  const duration = parseDurationMs(d.trim());
  if (!duration.ok) return err(`${shape}: ${duration.error}`);
  if (duration.value <= 0) return err(`the duration must be positive, got '${d.trim()}'`);
  return ok({ permits, durationMs: duration.value });
}

/** Evenly spaced permits: pure, time passed in. */
export class RemovalRate {
  private readonly intervalMs: number;
  private last: number | undefined;

  constructor(limit: RemovalRateLimit) {
    this.intervalMs = limit.durationMs / limit.permits;
  }

  /** When the next permit can be granted (≥ `now`); nothing is taken. */
  earliest(now: number): number {
    return this.last === undefined ? now : Math.max(now, this.last + this.intervalMs);
  }

  /** Takes the next permit: returns when it is granted (≥ `now`). Later calls get later permits. */
  take(now: number): number {
    const at = this.earliest(now);
    this.last = at;
    return at;
  }
}

/**
 * What to do with a waiting agent when its turn comes: mark it (takes the permit), cancel (it
 * answered: `master/slave_unreachable_canceled`), or drop it (it left, or came back, another way).
 */
export type Turn = 'mark' | 'cancel' | 'drop';

interface Waiting {
  readonly id: string;
  readonly hostname: string;
  readonly turn: () => Turn;
  readonly mark: () => void;
}

/**
 * The master's queue of agents waiting for a permit to be marked unreachable, in the order they
 * failed. At each permit the queue is popped until an agent that still deserves it is found; the
 * ones passed over (they answered: canceled; or left another way) take no permit, as discarded
 * acquisitions take none from libprocess's `RateLimiter`.
 */
export class AgentRemovals {
  private readonly rate: RemovalRate | undefined;
  private readonly queue: Waiting[] = [];
  private readonly queued = new Set<string>();
  private timer: Timer | undefined;

  constructor(limit: RemovalRateLimit | undefined) {
    this.rate = limit ? new RemovalRate(limit) : undefined;
  }

  /** Whether the agent is waiting for its permit. */
  isScheduled(agentId: string): boolean {
    return this.queued.has(agentId);
  }

  /**
   * Schedules agent `id` to be marked unreachable (it missed enough pings, or did not re-register
   * after a failover). When its turn comes `turn` decides, and `mark` runs if it says so. Without
   * a limit, `mark` runs now. An agent already waiting is not queued twice.
   */
  schedule(m: Master, id: string, hostname: string, turn: () => Turn, mark: () => void): void {
    if (this.queued.has(id)) return;
    m.counters.slaveUnreachableScheduled++;
    if (!this.rate) {
      mark();
      return;
    }
    this.queue.push({ id, hostname, turn, mark });
    this.queued.add(id);
    m.log.warn({ agent: id, hostname, waiting: this.queue.length }, 'scheduled to mark the agent unreachable (--agent-removal-rate-limit)');
    this.arm(m);
  }

  private arm(m: Master): void {
    if (this.timer || this.queue.length === 0 || !this.rate) return;
    const now = m.clock.now();
    this.timer = m.clock.setTimer(this.rate.earliest(now) - now, () => {
      this.timer = undefined;
      if (!m.isStopped) this.grant(m);
    });
  }

  private grant(m: Master): void {
    for (let w = this.queue.shift(); w; w = this.queue.shift()) {
      this.queued.delete(w.id);
      const turn = w.turn();
      if (turn === 'drop') continue;
      if (turn === 'cancel') {
        m.counters.slaveUnreachableCanceled++;
        m.log.info({ agent: w.id, hostname: w.hostname }, 'canceled marking the agent unreachable: it answered or came back meanwhile');
        continue;
      }
      this.rate!.take(m.clock.now());
      w.mark();
      break;
    }
    this.arm(m);
  }

  /** Forgets every waiting agent (the master stops). */
  clear(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.queue.length = 0;
    this.queued.clear();
  }
}
