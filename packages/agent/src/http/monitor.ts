/**
 * Per-container usage, as Mesos's `/monitor/statistics` and GET_CONTAINERS report it: one entry
 * per live executor container with the isolators' ResourceStatistics (isolators/, ADR 0004).
 * Containers whose containerizer has no usage to give (emulated agents, tests) are left out.
 */
import type { ResourceStatistics } from '@agora/protocol';
import type { AgentCore } from '../core/agent-core.ts';

export interface ContainerUsage {
  frameworkId: string;
  executorId: string;
  executorName: string;
  source: string;
  containerId: string;
  pid: number | undefined;
  statistics: ResourceStatistics | undefined;
}

export async function containerUsages(core: AgentCore): Promise<ContainerUsage[]> {
  const usage = core.deps.containerizer.usage?.bind(core.deps.containerizer);
  const out: Array<Promise<ContainerUsage>> = [];
  for (const fw of core.frameworks.values()) {
    for (const ex of fw.executors.values()) {
      if (ex.state === 'TERMINATED') continue;
      const base = { frameworkId: fw.id, executorId: ex.id, executorName: ex.info.name ?? '', source: ex.info.source ?? '', containerId: ex.containerId, pid: ex.pid };
      out.push((usage ? usage(ex.containerId).catch(() => undefined) : Promise.resolve(undefined)).then((statistics) => ({ ...base, statistics })));
    }
  }
  return Promise.all(out);
}

/** The `/monitor/statistics` body. */
export async function monitorStatistics(core: AgentCore): Promise<unknown[]> {
  return (await containerUsages(core))
    .filter((u) => u.statistics !== undefined)
    .map((u) => ({ executor_id: u.executorId, executor_name: u.executorName, framework_id: u.frameworkId, source: u.source, statistics: u.statistics }));
}
