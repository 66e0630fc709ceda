/**
 * `--agent-removal-rate-limit` (Mesos `--agent_removal_rate_limit`, e.g. `1/20mins`): agents that
 * fail their health checks are marked unreachable at most at this rate, so a network partition
 * that cuts off half the cluster does not take all of its tasks at once. Without it every agent is
 * marked at once.
 *
 * As in Mesos's `SlaveObserver`: an agent that misses `--max-agent-ping-timeouts` pings is
 * *scheduled* (`master/slave_unreachable_scheduled`) and waits for a permit while the master keeps
 * pinging it. When its permit comes, it is marked unreachable (`master/slave_unreachable_completed`
 * once the registry has it) — unless it answered a ping or re-registered meanwhile, in which case
 * the transition is *canceled* (`master/slave_unreachable_canceled`); the permit is spent either way.
 *
 * `RemovalRate` is the pure part (permits spaced evenly, as libprocess's `RateLimiter`: `n/d` grants
 * one permit every d/n, the first at once); `AgentRemovals` queues agents on the master's clock.
 */
import { err, ok, parseDurationMs, type Result } from '@agora/protocol';
import type { Timer } from '@agora/runtime';
import type { Master } from '../master.ts';
import type { AgentRecord } from '../registry/agent.ts';

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

  /** Takes the next permit: returns when it is granted (≥ `now`). Later calls get later permits. */
  take(now: number): number {
    const at = this.last === undefined ? now : Math.max(now, this.last + this.intervalMs);
    this.last = at;
    return at;
  }
}

/** The master's queue of agents waiting for a permit to be marked unreachable. */
export class AgentRemovals {
  private readonly rate: RemovalRate | undefined;
  private readonly waiting = new Map<string, { agent: AgentRecord; timer: Timer }>();

  constructor(limit: RemovalRateLimit | undefined) {
    this.rate = limit ? new RemovalRate(limit) : undefined;
  }

  get limited(): boolean {
    return this.rate !== undefined;
  }

  /** Whether the agent is waiting for its permit. */
  isScheduled(agentId: string): boolean {
    return this.waiting.has(agentId);
  }

  /**
   * Schedules `agent` (it has missed enough pings). `mark` runs when its permit comes and it still
   * deserves it (`stillFailing`); otherwise the transition is canceled. Without a limit, `mark` runs now.
   */
  schedule(m: Master, agent: AgentRecord, stillFailing: () => boolean, mark: () => void): void {
    if (this.waiting.has(agent.id)) return;
    m.counters.slaveUnreachableScheduled++;
    if (!this.rate) {
      mark();
      return;
    }
    const now = m.clock.now();
    const at = this.rate.take(now);
    m.log.warn({ agent: agent.id, hostname: agent.hostname, inMs: at - now }, 'agent failed its health check; scheduled to be marked unreachable (--agent-removal-rate-limit)');
    const timer = m.clock.setTimer(at - now, () => {
      this.waiting.delete(agent.id);
      if (m.isStopped || m.agents.get(agent.id) !== agent) return; // gone another way meanwhile
      if (!stillFailing()) {
        m.counters.slaveUnreachableCanceled++;
        m.log.info({ agent: agent.id, hostname: agent.hostname }, 'canceled marking the agent unreachable: it answered meanwhile');
        return;
      }
      mark();
    });
    this.waiting.set(agent.id, { agent, timer });
  }

  /** Forgets every waiting agent (the master stops). */
  clear(): void {
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
  }
}
