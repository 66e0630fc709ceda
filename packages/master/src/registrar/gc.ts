/**
 * Registry garbage collection (Mesos `Master::doRegistryGc`, flags `--registry_gc_interval`,
 * `--registry_max_agent_age`, `--registry_max_agent_count`). Entries of agents that never came
 * back would otherwise pile up for ever; every interval the leader prunes, separately from the
 * unreachable list and from the gone list:
 *
 *  1. while a list holds more than `maxCount` entries, its oldest (earliest marked) go first;
 *  2. then every entry marked more than `maxAge` ago.
 *
 * Each pruned entry is removed from the registry first (a fenced `PRUNE`, which leaves alone an
 * agent re-admitted or marked again meanwhile), and only then from the master's lists, as every
 * registry change is ordered. What a pruned agent had in memory goes with it: its unreachable
 * tasks leave their frameworks without a status update (as in Mesos), so reconciliation about
 * them answers TASK_UNKNOWN. An agent whose entry was pruned is unknown from then on: if it comes
 * back it re-registers as any unknown agent does (admitted, its tasks adopted as it reports them;
 * no REASON_AGENT_REREGISTERED updates, since the master no longer knows they were unreachable).
 * Mesos has no metrics for this; the master logs what it pruned.
 */
import { every, type Timer } from '@agora/runtime';
import type { Master } from '../master.ts';

export interface GcCandidate {
  readonly id: string;
  /** When the agent was marked unreachable or gone (ms since the epoch). */
  readonly at: number;
}

export interface GcLimits {
  readonly maxAgeMs: number;
  readonly maxCount: number;
}

/**
 * Which entries of one list (unreachable, or gone) to prune at `now`: pure. Order: by `at`, then
 * by ID, so the outcome does not depend on the order of `entries`. The returned IDs are oldest first.
 */
export function planPrune(entries: readonly GcCandidate[], now: number, limits: GcLimits): string[] {
  const sorted = [...entries].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: string[] = [];
  let remaining = sorted.length;
  for (const e of sorted) {
    if (remaining > limits.maxCount || now - e.at > limits.maxAgeMs) {
      out.push(e.id);
      remaining--;
    }
  }
  return out;
}

/**
 * Runs a GC every `--registry-gc-interval` on the master's clock until the returned timer is
 * cancelled. A pass whose writes are still in flight when the next one is due skips that one.
 */
export function startRegistryGc(m: Master): Timer {
  let running = false;
  return every(m.clock, m.config.registryGcIntervalMs, () => {
    if (running || m.isStopped) return;
    running = true;
    void collectRegistryGarbage(m).then(() => {
      running = false;
    });
  });
}

export interface GcOutcome {
  readonly unreachable: string[];
  readonly gone: string[];
}

/**
 * One GC pass: plans from the master's lists, writes every prune, and resolves with what was
 * actually pruned (an agent that came back while its prune was in flight is not). A failed write
 * aborts the master (`Master.persist`); the promise then never resolves, as the master is gone.
 */
export function collectRegistryGarbage(m: Master): Promise<GcOutcome> {
  if (!m.leading || !m.recovered) return Promise.resolve({ unreachable: [], gone: [] });
  const now = m.clock.now();
  const limits = { maxAgeMs: m.config.registryMaxAgentAgeMs, maxCount: m.config.registryMaxAgentCount };
  const unreachable = planPrune([...m.unreachableAgents].map(([id, a]) => ({ id, at: a.at })), now, limits);
  const gone = planPrune([...m.goneAgents].map(([id, at]) => ({ id, at })), now, limits);
  const pruned: GcOutcome = { unreachable: [], gone: [] };
  const writes: Array<Promise<void>> = [];
  const prune = (id: string, state: 'UNREACHABLE' | 'GONE', at: number, applied: () => boolean, into: string[]) => {
    writes.push(
      new Promise((resolve) => {
        m.persist({ type: 'PRUNE', agentId: id, state, at }, () => {
          if (applied()) into.push(id);
          resolve();
        });
      }),
    );
  };
  for (const id of unreachable) {
    const at = m.unreachableAgents.get(id)!.at;
    prune(id, 'UNREACHABLE', at, () => forgetUnreachable(m, id, at), pruned.unreachable);
  }
  for (const id of gone) {
    const at = m.goneAgents.get(id)!;
    prune(id, 'GONE', at, () => m.goneAgents.get(id) === at && m.goneAgents.delete(id), pruned.gone);
  }
  return Promise.all(writes).then(() => {
    const missed = unreachable.length + gone.length - pruned.unreachable.length - pruned.gone.length;
    if (pruned.unreachable.length + pruned.gone.length > 0 || missed > 0) {
      m.log.info({ unreachable: pruned.unreachable.length, gone: pruned.gone.length }, 'garbage collected agents from the registry');
    }
    if (missed > 0) m.log.warn({ missed }, 'some agents chosen for registry GC changed state meanwhile and were kept');
    return pruned;
  });
}

/** Drops an unreachable agent that is still the one the prune was for, and its unreachable tasks. */
function forgetUnreachable(m: Master, id: string, at: number): boolean {
  if (m.unreachableAgents.get(id)?.at !== at) return false;
  m.unreachableAgents.delete(id);
  for (const fw of m.frameworks.values()) {
    for (const [taskId, t] of fw.unreachableTasks) if (t.task.agent_id.value === id) fw.unreachableTasks.delete(taskId);
  }
  return true;
}
