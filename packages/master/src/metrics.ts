/**
 * The master's metrics under Mesos's names (`/metrics/snapshot`, GET_METRICS, Prometheus
 * `/metrics`). Gauges are computed from the registry when read, so nothing is counted twice;
 * only events (registrations, removals, status updates) are counters.
 */
import { isTerminalState } from '@agora/protocol';
import { Resources } from '@agora/resources';
import type { MetricsRegistry } from '@agora/runtime';
import type { Master } from './master.ts';
import { agentAllocated } from './operator/views.ts';

const ACTIVE_STATES = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE'] as const;
const TERMINAL_STATES = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR'] as const;

/** Metric path component: Mesos URL-encodes framework names inside metric keys. */
const part = (s: string) => encodeURIComponent(s);

export function registerMasterMetrics(reg: MetricsRegistry, m: Master): void {
  reg.gauge('master/elected', () => (m.leading && !m.isStopped ? 1 : 0), 'Whether this master is the elected leader');
  reg.gauge('master/uptime_secs', () => (m.clock.now() - m.startTime) / 1000, 'Seconds since the master started');
  reg.gauge('system/mem_rss_bytes', () => process.memoryUsage.rss(), "The master process's resident memory");
  reg.gauge('system/heap_used_bytes', () => process.memoryUsage().heapUsed, 'JavaScript heap in use by the master process');
  reg.gauge('system/heap_total_bytes', () => process.memoryUsage().heapTotal, 'JavaScript heap reserved by the master process');
  reg.gauge('system/external_bytes', () => process.memoryUsage().external, 'Memory held outside the JavaScript heap (buffers)');
  reg.gauge('master/outstanding_offers', () => m.offers.size, 'Offers not yet accepted, declined or rescinded');
  reg.gaugeFamily(() => {
    const agents = [...m.agents.values()];
    const fws = [...m.frameworks.values()];
    const out: Record<string, number> = {
      'master/slaves_active': agents.filter((a) => a.active).length,
      'master/slaves_inactive': agents.filter((a) => !a.active).length,
      'master/slaves_connected': agents.filter((a) => a.connected).length,
      'master/slaves_disconnected': agents.filter((a) => !a.connected).length,
      'master/slaves_unreachable': m.unreachableAgents.size,
      'master/frameworks_active': fws.filter((f) => f.active).length,
      'master/frameworks_inactive': fws.filter((f) => !f.active).length,
      'master/frameworks_connected': fws.filter((f) => f.connected).length,
      'master/frameworks_disconnected': fws.filter((f) => !f.connected).length,
      'master/slave_registrations': m.counters.slaveRegistrations,
      'master/slave_reregistrations': m.counters.slaveReregistrations,
      'master/slave_removals': m.counters.slaveRemovals,
      'master/slave_unreachable_scheduled': m.counters.slaveUnreachableScheduled,
      'master/slave_unreachable_completed': m.counters.slaveUnreachableCompleted,
      'master/slave_unreachable_canceled': m.counters.slaveUnreachableCanceled,
      'master/valid_status_updates': m.counters.validStatusUpdates,
      'master/invalid_status_updates': m.counters.invalidStatusUpdates,
      'master/valid_status_update_acknowledgements': m.counters.validStatusUpdateAcknowledgements,
      'master/invalid_status_update_acknowledgements': m.counters.invalidStatusUpdateAcknowledgements,
      'master/dropped_messages': m.counters.droppedMessages,
      'master/messages_register_slave': m.counters.messagesRegisterSlave,
      'master/messages_reregister_slave': m.counters.messagesReregisterSlave,
      'master/event_queue_messages': 0,
      'master/event_queue_dispatches': 0,
      'master/event_queue_http_requests': 0,
      'allocator/mesos/allocation_runs': m.allocationRuns,
    };
    // Active tasks by their current state; terminal states count every task that reached them.
    for (const s of ACTIVE_STATES) out[`master/tasks_${s.slice(5).toLowerCase()}`] = 0;
    for (const fw of fws) {
      for (const t of fw.tasks.values()) {
        if (isTerminalState(t.task.state)) continue;
        const k = `master/tasks_${t.task.state.slice(5).toLowerCase()}`;
        out[k] = (out[k] ?? 0) + 1;
      }
      out['master/tasks_unreachable']! += fw.unreachableTasks.size;
    }
    for (const s of TERMINAL_STATES) out[`master/tasks_${s.slice(5).toLowerCase()}`] = m.counters.tasksByTerminalState.get(s) ?? 0;

    let total = Resources.EMPTY;
    let used = Resources.EMPTY;
    for (const a of agents) {
      total = total.plus(a.total);
      used = used.plus(agentAllocated(a));
    }
    for (const name of ['cpus', 'mem', 'disk', 'gpus']) {
      const t = total.scalar(name);
      const u = used.scalar(name);
      out[`master/${name}_total`] = t;
      out[`master/${name}_used`] = u;
      out[`master/${name}_percent`] = t > 0 ? u / t : 0;
    }
    for (const [role, share] of m.allocator.roleShares()) out[`allocator/mesos/roles/${role}/shares/dominant`] = share;

    for (const fw of fws) {
      const base = `master/frameworks/${part(fw.info.name)}/${fw.id}`;
      out[`${base}/subscribed`] = fw.connected ? 1 : 0;
      for (const [type, n] of fw.calls) out[`${base}/calls/${type.toLowerCase()}`] = n;
      for (const [type, n] of fw.events) out[`${base}/events/${type.toLowerCase()}`] = n;
      out[`${base}/offers/sent`] = fw.offersSent;
      out[`${base}/offers/accepted`] = fw.offersAccepted;
      out[`${base}/offers/declined`] = fw.offersDeclined;
      out[`${base}/offers/rescinded`] = fw.offersRescinded;
      for (const t of fw.tasks.values()) {
        const k = `${base}/tasks/active/${t.task.state.toLowerCase()}`;
        out[k] = (out[k] ?? 0) + 1;
      }
      for (const r of fw.suppressedRoles) out[`${base}/roles/${r}/suppressed`] = 1;
    }
    return out;
  });
}
