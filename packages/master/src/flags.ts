/**
 * The master's flags, declared once (Mesos's names and defaults; dashes or underscores).
 */
import { err, formatDurationMs, ok, parseDurationMs, type Result } from '@agora/protocol';
import type { FlagTable, Options } from '@agora/runtime';

const duration = (text: string): Result<number, string> => {
  const r = parseDurationMs(text);
  return r.ok ? (r.value < 0 ? err('must not be negative') : ok(r.value)) : err(r.error);
};
const positiveDuration = (text: string): Result<number, string> => {
  const r = duration(text);
  return r.ok && r.value <= 0 ? err('must be positive') : r;
};

export const MASTER_FLAGS = {
  port: { type: 'int', default: 5050, min: 0, max: 65535, help: 'Port to listen on (0 picks a free port)' },
  ip: { type: 'string', default: '127.0.0.1', help: 'IP address to listen on and advertise' },
  hostname: { type: 'string', help: 'Hostname to advertise (default: the IP address)' },
  'work-dir': { type: 'string', env: 'AGORA_MASTER_WORK_DIR', help: 'Directory for the master’s durable state and logs' },
  cluster: { type: 'string', help: 'Human-readable cluster name shown in state and the UI' },
  'allocation-interval': { type: 'custom', default: 1000, placeholder: 'DURATION', parse: positiveDuration, help: 'Time between batch allocations (e.g. 1secs)' },
  'offer-timeout': { type: 'custom', placeholder: 'DURATION', parse: positiveDuration, help: 'Rescind offers not used within this time (default: never)' },
  'agent-ping-timeout': { type: 'custom', default: 15_000, placeholder: 'DURATION', parse: positiveDuration, help: 'Time to wait for an agent to answer a ping' },
  'max-agent-ping-timeouts': { type: 'int', default: 5, min: 1, help: 'Missed pings after which an agent is marked unreachable' },
  'heartbeat-interval': { type: 'custom', default: 5_000, placeholder: 'DURATION', parse: positiveDuration, help: 'Interval of HEARTBEAT events on scheduler and operator streams' },
  'min-allocatable-resources': { type: 'string', default: 'cpus:0.01|mem:32', help: 'An offer must hold at least one of these alternatives' },
  'role-sorter': { type: 'string', default: 'drf', choices: ['drf', 'random'], help: 'How roles are ordered in allocation' },
  'framework-sorter': { type: 'string', default: 'drf', choices: ['drf', 'random'], help: 'How frameworks are ordered within a role' },
  'filter-gpu-resources': { type: 'bool', default: true, help: 'Offer GPU agents only to frameworks with the GPU_RESOURCES capability' },
  'fair-sharing-excluded-resource-names': { type: 'list', default: [] as string[], help: 'Resources ignored when computing DRF shares' },
  roles: { type: 'list', default: [] as string[], help: 'Whitelist of roles frameworks may use (default: any valid role)' },
  'max-completed-frameworks': { type: 'int', default: 50, min: 0, help: 'Completed frameworks kept in memory' },
  'max-completed-tasks-per-framework': { type: 'int', default: 1000, min: 0, help: 'Completed tasks kept per framework' },
  'max-unreachable-tasks-per-framework': { type: 'int', default: 1000, min: 0, help: 'Unreachable tasks kept per framework' },
  'max-event-stream-buffer': { type: 'int', default: 256, min: 1, placeholder: 'MiB', help: 'A framework or operator stream that falls this many MiB behind is disconnected (it re-subscribes)' },
  'max-operator-event-stream-subscribers': { type: 'int', default: 1000, min: 1, help: 'Operator SUBSCRIBE streams kept open' },
  zk: { type: 'string', placeholder: 'URL', help: "ZooKeeper URL for leader election and the registry, as zk://[user:pass@]host1:port1,host2:port2/path (default: a standalone master that always leads)" },
  quorum: { type: 'int', min: 1, help: 'Size of a majority of the masters (required with --zk, as Mesos requires it for the replicated registry)' },
  registry: { type: 'string', choices: ['in_memory', 'replicated_log'], help: "Where the registry lives: 'replicated_log' = the durable state store (ZooKeeper with --zk, else a file store in --work-dir), 'in_memory' = nowhere (tests). Default: replicated_log when --zk or --work-dir is given, else in_memory" },
  'zk-session-timeout': { type: 'custom', default: 10_000, placeholder: 'DURATION', parse: positiveDuration, help: 'ZooKeeper session timeout; a leader whose session expires (or goes silent this long) steps down and exits' },
  'agent-reregister-timeout': { type: 'custom', default: 600_000, placeholder: 'DURATION', parse: positiveDuration, help: 'After a failover, time agents have to re-register before they are marked unreachable (Mesos: 10mins)' },
  'recovery-agent-removal-limit': { type: 'string', default: '100%', help: 'After a failover, the largest share of recovered agents that may be marked unreachable at the re-register timeout; above it the master exits instead (e.g. 50%)' },
  'agent-removal-rate-limit': { type: 'string', placeholder: 'RATE', help: 'Largest rate at which agents failing health checks are marked unreachable, as <number of agents>/<duration> (e.g. 1/20mins, 100/1secs); the rest wait their turn and are spared if they answer meanwhile (default: no limit)' },
  'registry-max-agent-age': { type: 'custom', default: 14 * 24 * 3600_000, placeholder: 'DURATION', parse: positiveDuration, help: 'Registry GC: unreachable and gone agents are forgotten this long after they were marked (Mesos: 2weeks)' },
  'registry-max-agent-count': { type: 'int', default: 100 * 1024, min: 0, help: 'Registry GC: at most this many unreachable agents (and this many gone agents) are remembered; the oldest go first' },
  'registry-gc-interval': { type: 'custom', default: 15 * 60_000, placeholder: 'DURATION', parse: positiveDuration, help: 'How often the leader garbage-collects the registry (Mesos: 15mins)' },
  'log-level': { type: 'string', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'Log verbosity' },
} as const satisfies FlagTable;

export type MasterOptions = Options<typeof MASTER_FLAGS>;

/** Flags as Mesos reports them (`/master/flags`, GET_FLAGS): underscore names, string values. */
export function flagsForDisplay(o: MasterOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name] of Object.entries(MASTER_FLAGS)) {
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof MasterOptions;
    const v = o[key];
    if (v === undefined) continue;
    const spec = MASTER_FLAGS[name as keyof typeof MASTER_FLAGS] as { placeholder?: string };
    if (name === 'zk' && typeof v === 'string') {
      out.zk = v.replace(/^(zk:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
      continue;
    }
    out[name.replace(/-/g, '_')] = Array.isArray(v) ? v.join(',') : spec.placeholder === 'DURATION' ? formatDurationMs(v as number) : String(v);
  }
  return out;
}
