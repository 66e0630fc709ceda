/**
 * The TaskInfo for one instance: the app's command (shell `cmd` or `args` argv), Marathon's
 * environment (`PORT0…`, `PORTS`, `HOST`, `MARATHON_APP_*`, `MESOS_TASK_ID`), fetch URIs, the
 * image (Mesos containerizer, with the app's host volumes; the SDK's `imageContainer`), labels, kill grace period, and the app's first health check as a
 * Mesos `HealthCheck`, so the agent's executor runs it (HTTP/TCP/COMMAND alike; Marathon-level
 * HTTP/TCP checks are executed the same way, as Marathon 1.x recommends).
 */
import { secondsToDurationInfo, type HealthCheck as MesosHealthCheck, type Offer, type Resource, type TaskInfo } from '@agora/protocol';
import { imageContainer } from '@agora/sdk';
import { hostnameOf } from '../model/path-id.ts';
import type { AppDefinition, HealthCheck } from '../model/types.ts';

const envName = (s: string) => s.toUpperCase().replace(/[^A-Z0-9_]/g, '_');

/** Marathon's injected variables (the app's own `env` wins on a clash). */
export function marathonEnv(app: AppDefinition, taskId: string, host: string, hostPorts: readonly number[]): Record<string, string> {
  const env: Record<string, string> = {};
  hostPorts.forEach((p, i) => {
    env[`PORT${i}`] = String(p);
    const name = app.portDefinitions[i]?.name ?? app.container?.portMappings?.[i]?.name;
    if (name) env[`PORT_${envName(name)}`] = String(p);
  });
  if (hostPorts.length > 0) {
    env.PORT = String(hostPorts[0]);
    env.PORTS = hostPorts.join(',');
  }
  app.portDefinitions.forEach((d, i) => {
    if (d.port !== 0 && !app.requirePorts) env[`PORT_${d.port}`] = String(hostPorts[i] ?? d.port);
  });
  env.HOST = host;
  env.MARATHON_APP_ID = app.id;
  env.MARATHON_APP_VERSION = app.version;
  env.MARATHON_APP_RESOURCE_CPUS = String(app.cpus);
  env.MARATHON_APP_RESOURCE_MEM = String(app.mem);
  env.MARATHON_APP_RESOURCE_DISK = String(app.disk);
  env.MARATHON_APP_RESOURCE_GPUS = String(app.gpus);
  const labels = Object.keys(app.labels).filter((k) => /^[A-Za-z0-9_-]+$/.test(k));
  env.MARATHON_APP_LABELS = labels.map(envName).join(' ');
  for (const k of labels) env[`MARATHON_APP_LABEL_${envName(k)}`] = app.labels[k]!;
  env.MESOS_TASK_ID = taskId;
  for (const [k, v] of Object.entries(app.env)) if (typeof v === 'string') env[k] = v;
  return env;
}

/** Marathon-level checks have no start delay and 0 failures means never kill. */
export function mesosHealthCheck(h: HealthCheck, hostPorts: readonly number[]): MesosHealthCheck | undefined {
  const marathonLevel = h.protocol === 'HTTP' || h.protocol === 'HTTPS' || h.protocol === 'TCP';
  const common = {
    delay_seconds: marathonLevel ? 0 : h.delaySeconds,
    interval_seconds: h.intervalSeconds,
    timeout_seconds: h.timeoutSeconds,
    consecutive_failures: marathonLevel && h.maxConsecutiveFailures === 0 ? 2147483647 : Math.max(1, h.maxConsecutiveFailures),
    grace_period_seconds: h.gracePeriodSeconds,
  };
  if (h.protocol === 'COMMAND') return { ...common, type: 'COMMAND', command: { shell: true, value: h.command?.value ?? 'true', uris: [], arguments: [] } };
  const port = h.port ?? hostPorts[h.portIndex ?? 0];
  if (port === undefined) return undefined;
  if (h.protocol === 'TCP' || h.protocol === 'MESOS_TCP') return { ...common, type: 'TCP', tcp: { protocol: 'IPv4', port } };
  const scheme = h.protocol === 'HTTPS' || h.protocol === 'MESOS_HTTPS' ? 'https' : 'http';
  return { ...common, type: 'HTTP', http: { protocol: 'IPv4', scheme, port, ...(h.path !== undefined ? { path: h.path } : {}), statuses: [] } };
}

export function buildTaskInfo(app: AppDefinition, taskId: string, offer: Offer, resources: Resource[], hostPorts: readonly number[]): TaskInfo {
  const env = marathonEnv(app, taskId, offer.hostname, hostPorts);
  const argv = app.args;
  const task: TaskInfo = {
    name: hostnameOf(app.id),
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources,
    command: {
      shell: argv === undefined,
      ...(argv === undefined ? (app.cmd !== undefined ? { value: app.cmd } : {}) : { value: argv[0]!, arguments: [...argv] }),
      environment: { variables: Object.entries(env).map(([name, value]) => ({ name, type: 'VALUE' as const, value })) },
      uris: app.fetch.map((f) => ({ value: f.uri, extract: f.extract, executable: f.executable, cache: f.cache, ...(f.destPath ? { output_file: f.destPath } : {}) })),
      arguments: argv === undefined ? [] : [...argv],
      ...(app.user !== undefined ? { user: app.user } : {}),
    },
    labels: { labels: Object.entries(app.labels).map(([key, value]) => ({ key, value })) },
    discovery: {
      visibility: 'FRAMEWORK',
      name: hostnameOf(app.id),
      ports: { ports: hostPorts.map((number, i) => ({ number, protocol: app.portDefinitions[i]?.protocol ?? 'tcp', ...(app.portDefinitions[i]?.name ? { name: app.portDefinitions[i]!.name } : {}) })) },
    },
  };
  const image = app.container?.docker?.image;
  if (image !== undefined) {
    // Host volumes only: a volume without hostPath is a persistent volume, which is not supported.
    const hostVolumes = (app.container?.volumes ?? []).filter((v) => v.hostPath !== '' && v.containerPath !== '');
    task.container = imageContainer({ image, forcePull: app.container?.docker?.forcePullImage === true, volumes: hostVolumes });
  }
  const hc = app.healthChecks[0] && mesosHealthCheck(app.healthChecks[0], hostPorts);
  if (hc) task.health_check = hc;
  if (app.taskKillGracePeriodSeconds !== undefined) task.kill_policy = { grace_period: secondsToDurationInfo(app.taskKillGracePeriodSeconds) };
  return task;
}
