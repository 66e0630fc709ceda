/**
 * Shared set-ups for the scenarios: a cluster with a checkpointing framework that runs one task
 * per agent, and small assertions on what a scheduler heard.
 */
import assert from 'node:assert/strict';
import type { FrameworkInfo } from '@agora/protocol';
import { Cluster, type ClusterOptions } from './cluster.ts';
import type { SchedulerClient } from './scheduler-client.ts';

export const PARTITION_AWARE: Partial<FrameworkInfo> = { capabilities: [{ type: 'PARTITION_AWARE' }] };

/** Runs `body` on a fresh cluster and always cleans up (work dirs, timers). */
export function withCluster(opts: ClusterOptions, body: (c: Cluster) => Promise<void>): () => Promise<void> {
  return async () => {
    const c = await Cluster.start(opts);
    try {
      await body(c);
    } finally {
      await c.close();
    }
  };
}

/**
 * Subscribes `name` and launches task `t<i>` on agent i (1-based) for every agent; waits until
 * all are RUNNING and acknowledged.
 */
export async function runOnEveryAgent(c: Cluster, name: string, info: Partial<FrameworkInfo>): Promise<SchedulerClient> {
  const s = c.scheduler(name, { checkpoint: true, failover_timeout: 7 * 24 * 3600, ...info });
  await c.until(() => s.frameworkId !== undefined && c.agents.every((a) => s.liveOffers().some((o) => o.agent_id.value === a.agentId)), 10_000, 'offers from every agent');
  c.agents.forEach((a, i) => s.launch([`t${i + 1}`], { agentId: a.agentId! }));
  await c.until(() => c.agents.every((_, i) => s.lastState(`t${i + 1}`) === 'TASK_RUNNING'), 10_000, 'tasks running');
  await c.settle();
  return s;
}

/** The containers (executor processes) running on every host, as `agent:container`. */
export function processes(c: Cluster): string[] {
  return c.agents.flatMap((a) => [...a.containers.keys()].map((id) => `${a.name}:${id}`)).sort();
}

export function assertNoneLost(s: SchedulerClient, why = 'no task was reported lost'): void {
  const bad = s.updates().filter((u) => ['TASK_LOST', 'TASK_UNREACHABLE', 'TASK_FAILED', 'TASK_KILLED', 'TASK_DROPPED', 'TASK_GONE'].includes(u.state));
  assert.deepEqual(bad.map((u) => `${u.task_id.value}:${u.state}:${u.reason ?? ''}`), [], why);
}
