/**
 * The legacy JSON endpoints tools still read (`/master/state`, `/master/state-summary`,
 * `/master/frameworks`, `/master/slaves`, `/master/tasks`): Mesos's field names (`slave_id`,
 * flat resource maps, times as seconds), built on demand from the registry.
 */
import { formatRanges, Resources } from '@agora/resources';
import type { Attribute, Task } from '@agora/protocol';
import type { Master, RecoveredAgent } from '../master.ts';
import type { AgentRecord } from '../registry/agent.ts';
import type { FrameworkRecord } from '../registry/framework.ts';
import type { TaskRecord } from '../registry/task.ts';
import { agentAllocated, frameworkAllocated, frameworkOffered } from './views.ts';
import { VERSION } from '../version.ts';

type Json = Record<string, unknown>;

export function attributesMap(attrs: readonly Attribute[] | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const a of attrs ?? []) {
    if (a.type === 'SCALAR' && a.scalar) out[a.name] = a.scalar.value;
    else if (a.type === 'RANGES' && a.ranges) out[a.name] = formatRanges((a.ranges.range ?? []).flatMap((r) => [r.begin, r.end]));
    else if (a.type === 'SET' && a.set) out[a.name] = `{${(a.set.item ?? []).join(', ')}}`;
    else if (a.type === 'TEXT' && a.text) out[a.name] = a.text.value;
  }
  return out;
}

function reservedByRole(r: Resources): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [role, res] of r.reservations()) out[role] = res.toLegacyJSON();
  return out;
}

export function taskJson(t: TaskRecord | { task: Task; role?: string; resources?: Resources }): Json {
  const task = t.task;
  const out: Json = {
    id: task.task_id.value,
    name: task.name,
    framework_id: task.framework_id.value,
    executor_id: task.executor_id?.value ?? '',
    slave_id: task.agent_id.value,
    state: task.state,
    resources: 'resources' in t && t.resources ? t.resources.toLegacyJSON() : {},
    statuses: (task.statuses ?? []).map((s) => {
      const st: Json = { state: s.state, timestamp: s.timestamp ?? 0 };
      if (s.labels) st.labels = s.labels.labels ?? [];
      if (s.container_status) st.container_status = s.container_status;
      if (s.healthy !== undefined) st.healthy = s.healthy;
      return st;
    }),
  };
  if ('role' in t && t.role) out.role = t.role;
  if (task.user) out.user = task.user;
  if (task.labels?.labels) out.labels = task.labels.labels;
  if (task.discovery) out.discovery = task.discovery;
  if (task.container) out.container = task.container;
  if (task.health_check) out.health_check = task.health_check;
  if (task.kill_policy) out.kill_policy = task.kill_policy;
  if (task.limits) out.limits = task.limits;
  return out;
}

export function agentJson(m: Master, a: AgentRecord, full = false): Json {
  const used = agentAllocated(a);
  const offered = m.offeredOn(a);
  const out: Json = {
    id: a.id,
    pid: a.pid,
    hostname: a.hostname,
    port: a.port,
    registered_time: a.registeredTime,
    resources: a.total.toLegacyJSON(),
    used_resources: used.toLegacyJSON(),
    offered_resources: offered.toLegacyJSON(),
    reserved_resources: reservedByRole(a.total),
    unreserved_resources: a.total.unreserved().toLegacyJSON(),
    attributes: attributesMap(a.info.attributes),
    active: a.connected && !a.deactivated,
    deactivated: a.deactivated,
    version: a.version,
    capabilities: a.capabilities.map((c) => c.type).filter(Boolean),
  };
  if (a.reregisteredTime !== undefined) out.reregistered_time = a.reregisteredTime;
  if (a.info.domain) out.domain = a.info.domain;
  if (full) {
    out.reserved_resources_full = Object.fromEntries([...a.total.reservations()].map(([role, r]) => [role, r.toProto('ENDPOINT')]));
    out.unreserved_resources_full = a.total.unreserved().toProto('ENDPOINT');
    out.used_resources_full = used.toProto('ENDPOINT');
    out.offered_resources_full = offered.toProto('ENDPOINT');
  }
  return out;
}

export function frameworkJson(m: Master, fw: FrameworkRecord, completed = false, summary = false): Json {
  const used = completed ? undefined : frameworkAllocated(m, fw);
  const offered = completed ? undefined : frameworkOffered(m, fw);
  const out: Json = {
    id: fw.id,
    name: fw.info.name,
    user: fw.info.user,
    hostname: fw.info.hostname ?? '',
    webui_url: fw.info.webui_url ?? '',
    capabilities: (fw.info.capabilities ?? []).map((c) => c.type).filter(Boolean),
    active: !completed && fw.active,
    connected: !completed && fw.connected,
    recovered: fw.recovered,
    failover_timeout: fw.info.failover_timeout,
    checkpoint: fw.info.checkpoint,
    registered_time: fw.registeredTime,
    unregistered_time: fw.unregisteredTime ?? 0,
    used_resources: (used?.toLegacyJSON() ?? emptyLegacy()) as unknown,
    offered_resources: (offered?.toLegacyJSON() ?? emptyLegacy()) as unknown,
    resources: (used && offered ? used.plus(offered).toLegacyJSON() : emptyLegacy()) as unknown,
  };
  if (fw.reregisteredTime !== undefined && fw.reregisteredTime !== fw.registeredTime) out.reregistered_time = fw.reregisteredTime;
  if (fw.info.principal) out.principal = fw.info.principal;
  if (fw.info.labels?.labels) out.labels = fw.info.labels.labels;
  if (fw.multiRole) out.roles = [...fw.roles];
  else out.role = fw.info.role ?? '*';
  if (summary) return out;
  out.tasks = [...fw.tasks.values()].map(taskJson);
  out.unreachable_tasks = [...fw.unreachableTasks.values()].map(taskJson);
  out.completed_tasks = fw.completedTasks.values().map(taskJson);
  out.offers = [...fw.offers]
    .map((id) => m.offers.get(id))
    .filter((o) => o !== undefined)
    .map((o) => ({
      id: o.offer.id.value,
      framework_id: fw.id,
      slave_id: o.agentId,
      allocation_info: { role: o.role },
      resources: o.resources.toLegacyJSON(),
    }));
  out.executors = [...fw.executors].flatMap(([agentId, execs]) =>
    [...execs.values()].map((e) => ({
      executor_id: e.executor_id.value,
      name: e.name ?? '',
      framework_id: fw.id,
      slave_id: agentId,
      command: e.command ? { shell: e.command.shell, value: e.command.value ?? '', argv: e.command.arguments ?? [], uris: e.command.uris ?? [] } : undefined,
      resources: m.agents.get(agentId)?.executorResources.get(fw.id)?.get(e.executor_id.value)?.resources.toLegacyJSON() ?? emptyLegacy(),
      type: e.type ?? 'CUSTOM',
      ...(e.labels?.labels ? { labels: e.labels.labels } : {}),
    })),
  );
  return out;
}

const emptyLegacy = () => ({ cpus: 0, gpus: 0, mem: 0, disk: 0 });

export function masterIdentity(m: Master): Json {
  const info = m.info;
  return {
    version: VERSION.mesos,
    agora_version: VERSION.agora,
    build_date: VERSION.buildDate,
    build_time: VERSION.buildTime,
    build_user: VERSION.buildUser,
    start_time: m.startTime / 1000,
    elected_time: m.electedTime / 1000,
    id: info.id,
    pid: info.pid,
    hostname: info.hostname,
    capabilities: (info.capabilities ?? []).map((c) => c.type),
    leader: info.pid,
    leader_info: { id: info.id, pid: info.pid, port: info.port, hostname: info.hostname, ip: info.ip, address: info.address },
  };
}

/** A recovered agent as Mesos lists it in `recovered_slaves`: its AgentInfo in the legacy shape. */
export function recoveredAgentJson(info: RecoveredAgent['info']): Json {
  const res = Resources.fromProto(info.resources ?? []);
  return {
    id: info.id?.value,
    hostname: info.hostname,
    port: info.port,
    resources: res.ok ? res.value.toLegacyJSON() : {},
    attributes: attributesMap(info.attributes),
  };
}

export function stateJson(m: Master, flags: Record<string, string>): Json {
  const agents = [...m.agents.values()];
  const out: Json = {
    ...masterIdentity(m),
    activated_slaves: agents.filter((a) => a.connected && !a.deactivated).length,
    deactivated_slaves: agents.filter((a) => !a.connected || a.deactivated).length,
    unreachable_slaves: m.unreachableAgents.size,
    flags,
    slaves: agents.map((a) => agentJson(m, a)),
    recovered_slaves: [...m.recoveredAgents.values()].map((a) => recoveredAgentJson(a.info)),
    frameworks: [...m.frameworks.values()].map((f) => frameworkJson(m, f)),
    completed_frameworks: m.completedFrameworks.values().map((f) => frameworkJson(m, f, true)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
  if (m.config.cluster) out.cluster = m.config.cluster;
  return out;
}

const COUNTED_STATES = [
  'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_KILLED', 'TASK_FAILED', 'TASK_LOST', 'TASK_ERROR', 'TASK_UNREACHABLE',
] as const;

function counts(tasks: Iterable<TaskRecord>): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(COUNTED_STATES.map((s) => [s, 0]));
  for (const t of tasks) if (t.task.state in out) out[t.task.state]!++;
  return out;
}

export function stateSummaryJson(m: Master): Json {
  const out: Json = {
    hostname: m.info.hostname,
    slaves: [...m.agents.values()].map((a) => ({
      ...agentJson(m, a),
      ...counts([...a.allTasks()]),
      framework_ids: [...a.tasks.keys()],
    })),
    frameworks: [...m.frameworks.values()].map((f) => ({
      ...frameworkJson(m, f, false, true),
      ...counts([...f.tasks.values(), ...f.completedTasks.values(), ...f.unreachableTasks.values()]),
      slave_ids: [...new Set([...f.tasks.values()].map((t) => t.task.agent_id.value))],
    })),
  };
  if (m.config.cluster) out.cluster = m.config.cluster;
  return out;
}

/** `/master/tasks`: all tasks, paginated (limit default 100, order asc|desc by task ID). */
export function tasksJson(m: Master, q: { limit: number; offset: number; order: 'asc' | 'desc'; frameworkId?: string; taskId?: string }): Json {
  const all: Json[] = [];
  for (const fw of m.frameworks.values()) {
    if (q.frameworkId && fw.id !== q.frameworkId) continue;
    for (const t of [...fw.tasks.values(), ...fw.unreachableTasks.values(), ...fw.completedTasks.values()]) {
      if (q.taskId && t.task.task_id.value !== q.taskId) continue;
      all.push(taskJson(t));
    }
  }
  all.sort((a, b) => String(a.id).localeCompare(String(b.id)) * (q.order === 'asc' ? 1 : -1));
  return { tasks: all.slice(q.offset, q.offset + q.limit) };
}
