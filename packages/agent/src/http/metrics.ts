/**
 * The agent's metrics with Mesos's names (`slave/...`, `gc/...`), computed from the core's state
 * when read: one registry feeds `/metrics/snapshot`, GET_METRICS and Prometheus `/metrics`.
 */
import { isTerminalState, type Resource } from '@agora/protocol';
import { Resources } from '@agora/resources';
import { MetricsRegistry } from '@agora/runtime';
import type { AgentCore } from '../core/agent-core.ts';
import type { DiskWatcher, GarbageCollector } from '../core/gc.ts';
import type { Fetcher } from '../fetcher/fetcher.ts';
import { queuedTaskInfos } from '../core/model.ts';

export interface MetricSources {
  core: AgentCore;
  registered: () => boolean;
  gc?: GarbageCollector;
  diskWatcher?: DiskWatcher;
  fetcher?: Pick<Fetcher, 'counters' | 'cacheStats'>;
}

/** Resources in use: every live executor's own plus its queued and running tasks'. */
export function usedResources(core: AgentCore): Resources {
  let used = Resources.EMPTY;
  const add = (list: readonly Resource[] | undefined) => {
    if (!list || list.length === 0) return;
    const r = Resources.fromProto(list);
    if (r.ok) used = used.plus(r.value);
  };
  for (const fw of core.frameworks.values()) {
    for (const ex of fw.executors.values()) {
      if (ex.state === 'TERMINATED') continue;
      add(ex.info.resources);
      for (const t of ex.launched.values()) if (!isTerminalState(t.state)) add(t.resources);
      for (const t of queuedTaskInfos(ex)) add(t.resources);
    }
  }
  return used.unallocate();
}

export function agentMetrics(s: MetricSources): MetricsRegistry {
  const m = new MetricsRegistry();
  const { core } = s;
  m.gaugeFamily(() => {
    const out: Record<string, number> = {};
    out['slave/registered'] = s.registered() ? 1 : 0;
    out['slave/uptime_secs'] = (core.now - core.startTime) / 1000;
    const executors = { REGISTERING: 0, RUNNING: 0, TERMINATING: 0, TERMINATED: 0 };
    const tasks = { TASK_STAGING: 0, TASK_STARTING: 0, TASK_RUNNING: 0, TASK_KILLING: 0 } as Record<string, number>;
    for (const fw of core.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        executors[ex.state]++;
        tasks.TASK_STAGING! += queuedTaskInfos(ex).length;
        for (const t of ex.launched.values()) if (t.state in tasks) tasks[t.state]!++;
      }
    }
    out['slave/executors_registering'] = executors.REGISTERING;
    out['slave/executors_running'] = executors.RUNNING;
    out['slave/executors_terminating'] = executors.TERMINATING;
    out['slave/executors_terminated'] = core.counters.executorsTerminated;
    out['slave/tasks_staging'] = tasks.TASK_STAGING!;
    out['slave/tasks_starting'] = tasks.TASK_STARTING!;
    out['slave/tasks_running'] = tasks.TASK_RUNNING!;
    out['slave/tasks_killing'] = tasks.TASK_KILLING!;
    const c = core.counters;
    out['slave/tasks_finished'] = c.tasksFinished;
    out['slave/tasks_failed'] = c.tasksFailed;
    out['slave/tasks_killed'] = c.tasksKilled;
    out['slave/tasks_lost'] = c.tasksLost;
    out['slave/tasks_gone'] = c.tasksGone;
    out['slave/tasks_dropped'] = c.tasksDropped;
    out['slave/tasks_error'] = c.tasksError;
    out['slave/valid_status_updates'] = c.validStatusUpdates;
    out['slave/invalid_status_updates'] = c.invalidStatusUpdates;
    out['slave/valid_framework_messages'] = c.validFrameworkMessages;
    out['slave/invalid_framework_messages'] = c.invalidFrameworkMessages;
    out['slave/container_launch_errors'] = c.containerLaunchErrors;
    out['slave/frameworks_active'] = core.frameworks.size;
    out['slave/recovery_errors'] = 0;
    const total = core.config.resources;
    const used = usedResources(core);
    for (const name of ['cpus', 'mem', 'disk', 'gpus']) {
      const t = total.scalar(name);
      const u = used.scalar(name);
      out[`slave/${name}_total`] = t;
      out[`slave/${name}_used`] = u;
      out[`slave/${name}_percent`] = t > 0 ? u / t : 0;
    }
    if (s.diskWatcher) out['slave/executor_directory_max_allowed_age_secs'] = s.diskWatcher.maxAgeMs / 1000;
    if (s.gc) {
      out['gc/path_removals_succeeded'] = s.gc.succeeded;
      out['gc/path_removals_failed'] = s.gc.failed;
      out['gc/path_removals_pending'] = s.gc.pending;
    }
    if (s.fetcher) {
      const cache = s.fetcher.cacheStats();
      out['containerizer/fetcher/task_fetches_succeeded'] = s.fetcher.counters.succeeded;
      out['containerizer/fetcher/task_fetches_failed'] = s.fetcher.counters.failed;
      out['containerizer/fetcher/cache_size_total_bytes'] = cache.capacity;
      out['containerizer/fetcher/cache_size_used_bytes'] = cache.bytes;
    }
    return out;
  });
  return m;
}
