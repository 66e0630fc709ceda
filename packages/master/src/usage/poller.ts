/**
 * Keeps `aggregate` fed: on demand (at most every `minIntervalMs`), fetches each connected agent's
 * `/monitor/statistics` (2 s timeout each, all in parallel) and computes its allocation vs usage.
 * `/master/usage` serves the last result and starts a refresh when it is stale, so a request never
 * waits on agents. An agent that does not answer keeps its previous entry, marked by its old
 * `sampled_at`.
 */
import { isTerminalState } from '@agora/protocol';
import type { Master } from '../master.ts';
import { aggregate, type AgentUsage, type MonitorEntry, type UsageSample } from './aggregate.ts';

export class AgentUsagePoller {
  private readonly usage = new Map<string, AgentUsage>();
  private readonly samples = new Map<string, UsageSample>();
  private refreshing: Promise<void> | undefined;
  private last = 0;

  constructor(private readonly m: Master, private readonly minIntervalMs = 5000) {}

  /** The latest per-agent view; starts a refresh in the background when stale. */
  snapshot(): AgentUsage[] {
    if (Date.now() - this.last >= this.minIntervalMs) void this.refresh();
    return [...this.usage.values()];
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.poll().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async poll(): Promise<void> {
    this.last = Date.now();
    const agents = [...this.m.agents.values()].filter((a) => a.connected);
    for (const id of this.usage.keys()) if (!this.m.agents.get(id)?.connected) this.usage.delete(id);
    await Promise.all(agents.map(async (a) => {
      let entries: MonitorEntry[];
      try {
        const r = await fetch(`http://${a.ip}:${a.port}/monitor/statistics`, { signal: AbortSignal.timeout(2000) });
        if (!r.ok) return;
        entries = (await r.json()) as MonitorEntry[];
      } catch {
        return;
      }
      let cpus = 0;
      let mem = 0;
      for (const t of a.allTasks()) {
        if (isTerminalState(t.task.state)) continue;
        cpus += t.resources.scalar('cpus');
        mem += t.resources.scalar('mem');
      }
      for (const byExecutor of a.executorResources.values()) {
        for (const e of byExecutor.values()) {
          cpus += e.resources.scalar('cpus');
          mem += e.resources.scalar('mem');
        }
      }
      const r = aggregate({ id: a.id, hostname: a.hostname, allocatedCpus: cpus, allocatedMemMb: mem }, entries, this.samples.get(a.id), Date.now() / 1000);
      this.samples.set(a.id, r.sample);
      this.usage.set(a.id, r.usage);
    }));
  }
}

const pollers = new WeakMap<Master, AgentUsagePoller>();

/** One poller per master. */
export function usagePoller(m: Master): AgentUsagePoller {
  let p = pollers.get(m);
  if (!p) pollers.set(m, (p = new AgentUsagePoller(m)));
  return p;
}
