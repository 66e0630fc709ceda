/**
 * The agent's flags, declared once (Mesos names; dashes or underscores). Durations are kept as
 * the text the operator wrote (`5secs`) so that GET_FLAGS and `/flags` show them as Mesos does;
 * `compileConfig` (config.ts) turns them into validated, typed values or an error naming the flag.
 */
import type { FlagTable } from '@agora/runtime';

export const AGENT_FLAGS = {
  master: {
    type: 'string',
    help: "The master to register with: 'host:port', 'http://host:port' or 'master@host:port'",
    env: 'AGORA_MASTER',
    placeholder: 'HOST:PORT',
  },
  port: { type: 'int', default: 5051, min: 0, max: 65535, help: 'Port to listen on (0 picks a free port)' },
  ip: { type: 'string', default: '127.0.0.1', help: 'IP address to listen on' },
  'advertise-ip': { type: 'string', help: 'IP address advertised to the master and executors (default: --ip, or a local address when --ip is 0.0.0.0)' },
  hostname: { type: 'string', help: 'Hostname advertised to the master (default: the advertised IP when it is a loopback address, else the OS hostname)' },
  'work-dir': { type: 'string', env: 'AGORA_AGENT_WORK_DIR', help: 'Directory for sandboxes (default: <tmp>/agora/agent-<port>)', placeholder: 'DIR' },
  'runtime-dir': { type: 'string', help: "Directory for runtime state: the executor host's socket and log (default: <work-dir>/run)", placeholder: 'DIR' },
  resources: { type: 'string', help: "Total resources, Mesos text ('cpus:4;mem:8192;ports:[31000-32000]') or JSON; each name given replaces the detected value" },
  attributes: { type: 'string', help: "Attributes of this agent, e.g. 'rack:r1;os:debian;zone:2'" },
  'default-role': { type: 'string', default: '*', help: 'Role that statically reserves resources given without a role (and the detected ones)' },
  'launcher-dir': { type: 'string', help: "Directory holding the executors' entry points (default: packages/executors/bin)", placeholder: 'DIR' },
  'command-executor': { type: 'string', default: 'host', choices: ['host', 'process'], help: 'Run command executors inside the shared executor host, or one process each (ADR 0003)' },
  'default-executor': { type: 'string', default: 'host', choices: ['host', 'process'], help: 'Run default executors (task groups) inside the shared executor host, or one process each' },
  'executor-registration-timeout': { type: 'string', default: '1mins', help: 'How long an executor may take to subscribe before it is destroyed' },
  'executor-shutdown-grace-period': { type: 'string', default: '5secs', help: 'Default time an executor gets to shut down before its container is destroyed' },
  'executor-reregistration-timeout': { type: 'string', default: '2secs', help: 'How long recovered executors get to re-subscribe after a restart (at most 15secs); passed to checkpointing executors as MESOS_SUBSCRIPTION_BACKOFF_MAX' },
  'recovery-timeout': { type: 'string', default: '15mins', help: 'Passed to checkpointing executors as MESOS_RECOVERY_TIMEOUT' },
  recover: { type: 'string', default: 'reconnect', choices: ['reconnect', 'cleanup'], help: "After a restart: 'reconnect' re-attaches to the checkpointing frameworks' executors; 'cleanup' kills them and registers anew" },
  strict: { type: 'bool', default: true, help: 'A corrupt checkpoint stops the agent from starting; with false, what is readable is recovered and the rest skipped' },
  'executor-heartbeat-interval': { type: 'string', default: '30mins', help: 'Interval of HEARTBEAT events on executor subscriptions' },
  'gc-delay': { type: 'string', default: '1weeks', help: 'How long after an executor ends its sandbox is removed' },
  'gc-disk-headroom': { type: 'number', default: 0.1, min: 0, max: 1, help: 'Fraction of disk kept free: sandboxes are removed sooner as usage passes 1 - headroom' },
  'disk-watch-interval': { type: 'string', default: '1mins', help: 'How often disk usage is checked for garbage collection' },
  'registration-backoff-factor': { type: 'string', default: '1secs', help: 'Registration retries wait a random time in [0, factor * 2^n], at most 1mins' },
  'status-update-retry-min': { type: 'string', default: '10secs', help: 'First retry interval of an unacknowledged status update (doubles each retry)' },
  'status-update-retry-max': { type: 'string', default: '10mins', help: 'Largest retry interval of an unacknowledged status update' },
  'max-completed-executors-per-framework': { type: 'int', default: 150, min: 0, help: 'Completed executors kept per framework for /state' },
  'fetcher-cache-size': { type: 'string', default: '2GB', help: "Bytes of downloads the fetcher cache keeps for URIs with cache: true ('2GB', '512MB'; 0 disables it)" },
  'fetcher-cache-dir': { type: 'string', help: 'Directory of the fetcher cache (default: <work-dir>/fetch)', placeholder: 'DIR' },
  'fetcher-stall-timeout': { type: 'string', default: '1mins', help: 'A URI download that receives no data for this long fails' },
  'fetcher-max-size': { type: 'string', default: '4GB', help: 'Largest download per URI, and the most an archive may extract to' },
  'fetcher-plugins': { type: 'list', default: [] as string[], help: "Modules adding fetcher plug-ins for more URI schemes (comma-separated paths or package names; see the agent's README)" },
  isolation: { type: 'string', default: 'posix/cpu,posix/mem', help: "Isolators, comma-separated: posix/cpu, posix/mem, cgroups/cpu, cgroups/mem, cgroups/pids, namespaces/pid, filesystem/linux, disk/du, network/ports (ADR 0004)" },
  'cgroups-hierarchy': { type: 'string', default: '/sys/fs/cgroup', help: 'Where the cgroup hierarchy is mounted (a cgroup2 mount: v2; else v1 controllers below it)', placeholder: 'DIR' },
  'cgroups-root': { type: 'string', default: 'agora', help: "The agent's cgroup below each hierarchy; containers are its children (one agent per root)" },
  'cgroups-enable-cfs': { type: 'bool', default: false, help: 'cgroups/cpu: hard CPU limits with CFS quota (cpus × 100ms per 100ms), not only shares' },
  'cgroups-limit-swap': { type: 'bool', default: false, help: 'cgroups/mem: limit memory plus swap, not only memory' },
  'cgroups-max-pids': { type: 'int', default: 0, min: 0, help: 'cgroups/pids: most processes and threads a container may have (0: no limit, counting only)' },
  'container-disk-watch-interval': { type: 'string', default: '15secs', help: 'disk/du: how often sandboxes are measured' },
  'enforce-container-disk-quota': { type: 'bool', default: false, help: 'disk/du: destroy a container whose sandbox exceeds its disk resource' },
  'container-ports-watch-interval': { type: 'string', default: '30secs', help: 'network/ports: how often listening ports are checked' },
  'enforce-container-ports': { type: 'bool', default: false, help: 'network/ports: destroy a container listening on ports it was not given' },
  'check-agent-port-range-only': { type: 'bool', default: false, help: "network/ports: only ports inside the agent's ports resource count" },
  'switch-user': { type: 'bool', default: true, help: "Run executors as the task's or framework's user (when the agent runs as root)" },
  'log-level': { type: 'string', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'Log level' },
} as const satisfies FlagTable;

export type AgentFlags = typeof AGENT_FLAGS;
