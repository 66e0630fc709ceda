/**
 * Allocation vs usage per agent (pure): what the master has handed out on an agent (its active
 * tasks' and custom executors' resources) next to what the agent's containers actually use
 * (its `/monitor/statistics`, ADR 0004). CPU use is a rate: the change of the containers' CPU
 * seconds between two samples over the wall time between them.
 */
export interface MonitorEntry {
  executor_id: string;
  framework_id: string;
  statistics: {
    timestamp: number;
    cpus_user_time_secs?: number;
    cpus_system_time_secs?: number;
    cpus_limit?: number;
    mem_rss_bytes?: number;
    mem_total_bytes?: number;
    mem_limit_bytes?: number;
    disk_used_bytes?: number;
  };
}

export interface UsageSample {
  /** Seconds since the epoch (the newest container timestamp). */
  at: number;
  cpuSeconds: number;
}

export interface AgentUsage {
  agent_id: string;
  hostname: string;
  allocated: { cpus: number; mem_bytes: number };
  limits: { cpus: number; mem_bytes: number };
  used: { cpus: number | undefined; mem_bytes: number; disk_bytes: number };
  containers: number;
  /** Seconds since the epoch when the agent was sampled. */
  sampled_at: number;
}

export function sample(entries: readonly MonitorEntry[], now: number): UsageSample {
  let cpuSeconds = 0;
  let at = 0;
  for (const e of entries) {
    cpuSeconds += (e.statistics.cpus_user_time_secs ?? 0) + (e.statistics.cpus_system_time_secs ?? 0);
    at = Math.max(at, e.statistics.timestamp);
  }
  return { at: at || now, cpuSeconds };
}

export function aggregate(
  agent: { id: string; hostname: string; allocatedCpus: number; allocatedMemMb: number },
  entries: readonly MonitorEntry[],
  previous: UsageSample | undefined,
  now: number,
): { usage: AgentUsage; sample: UsageSample } {
  const s = sample(entries, now);
  let limitCpus = 0;
  let limitMem = 0;
  let mem = 0;
  let disk = 0;
  for (const e of entries) {
    limitCpus += e.statistics.cpus_limit ?? 0;
    limitMem += e.statistics.mem_limit_bytes ?? 0;
    mem += e.statistics.mem_rss_bytes ?? e.statistics.mem_total_bytes ?? 0;
    disk += e.statistics.disk_used_bytes ?? 0;
  }
  // A rate needs two samples; containers that ended between them make the difference negative: no rate then.
  const dt = previous ? s.at - previous.at : 0;
  const dcpu = previous ? s.cpuSeconds - previous.cpuSeconds : 0;
  const cpus = dt > 0 && dcpu >= 0 ? dcpu / dt : undefined;
  return {
    usage: {
      agent_id: agent.id,
      hostname: agent.hostname,
      allocated: { cpus: agent.allocatedCpus, mem_bytes: agent.allocatedMemMb * 1024 * 1024 },
      limits: { cpus: limitCpus, mem_bytes: limitMem },
      used: { cpus, mem_bytes: mem, disk_bytes: disk },
      containers: entries.length,
      sampled_at: now,
    },
    sample: s,
  };
}
