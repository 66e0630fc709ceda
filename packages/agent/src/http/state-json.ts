/**
 * The legacy `/state` (`/slave(1)/state`) document with Mesos's field names (src/slave/http.cpp
 * writers, src/common/http.cpp `json()`): resources as flat maps, IDs as bare strings, the agent
 * ID under `slave_id`, times in seconds.
 */
import { frameworkRoles, hasCapability, type Resource, type Task, type TaskInfo } from '@agora/protocol';
import { Resources, withCheckpointed } from '@agora/resources';
import { attributesToLegacyJSON } from '../attributes.ts';
import type { AgentCore } from '../core/agent-core.ts';
import { queuedTaskInfos, type ExecutorRecord, type FrameworkRecord } from '../core/model.ts';
import { versionInfo } from '../version.ts';

export function legacyResources(list: readonly Resource[] | undefined): Record<string, number | string> {
  const r = Resources.fromProto(list ?? []);
  return (r.ok ? r.value : Resources.EMPTY).toLegacyJSON();
}

function sumResources(lists: Array<readonly Resource[] | undefined>): Resources {
  let acc = Resources.EMPTY;
  for (const l of lists) {
    const r = Resources.fromProto(l ?? []);
    if (r.ok) acc = acc.plus(r.value);
  }
  return acc;
}

export function taskJson(t: Task): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.task_id.value,
    name: t.name,
    framework_id: t.framework_id.value,
    executor_id: t.executor_id?.value ?? '',
    slave_id: t.agent_id.value,
    state: t.state,
    resources: legacyResources(t.resources),
    statuses: (t.statuses ?? []).map((s) => ({
      state: s.state,
      timestamp: s.timestamp ?? 0,
      ...(s.labels ? { labels: s.labels.labels ?? [] } : {}),
      ...(s.container_status ? { container_status: s.container_status } : {}),
      ...(s.healthy !== undefined ? { healthy: s.healthy } : {}),
    })),
  };
  if (t.user !== undefined) out.user = t.user;
  if (t.labels !== undefined) out.labels = t.labels.labels ?? [];
  if (t.discovery !== undefined) out.discovery = t.discovery;
  if (t.container !== undefined) out.container = t.container;
  if (t.health_check !== undefined) out.health_check = t.health_check;
  if (t.limits !== undefined) out.limits = t.limits;
  return out;
}

/** A queued task as Mesos's `json(TaskInfo)` (plus framework_id and state, for convenience). */
function queuedTaskJson(t: TaskInfo, ex: ExecutorRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.task_id.value,
    name: t.name,
    framework_id: ex.frameworkId,
    slave_id: t.agent_id.value,
    state: 'TASK_STAGING',
    resources: legacyResources(t.resources),
  };
  if (t.command !== undefined) out.command = t.command;
  if (t.executor !== undefined) out.executor_id = t.executor.executor_id.value;
  if (t.discovery !== undefined) out.discovery = t.discovery;
  return out;
}

export function executorJson(ex: ExecutorRecord, fw: FrameworkRecord): Record<string, unknown> {
  const queued = queuedTaskInfos(ex);
  const allocated = sumResources([ex.info.resources, ...[...ex.launched.values()].map((t) => t.resources), ...queued.map((t) => t.resources)]);
  const out: Record<string, unknown> = {
    id: ex.id,
    name: ex.info.name ?? '',
    source: ex.info.source ?? '',
    container: ex.containerId,
    directory: ex.directory,
    resources: allocated.toLegacyJSON(),
    role: frameworkRoles(fw.info)[0] ?? '*',
    tasks: [...ex.launched.values()].map(taskJson),
    queued_tasks: queued.map((t) => queuedTaskJson(t, ex)),
    completed_tasks: [...ex.completed, ...ex.terminated.values()].map(taskJson),
  };
  if (ex.info.type !== undefined) out.type = ex.info.type;
  if (ex.info.labels !== undefined) out.labels = ex.info.labels.labels ?? [];
  return out;
}

export function frameworkJson(fw: FrameworkRecord): Record<string, unknown> {
  const info = fw.info;
  const out: Record<string, unknown> = {
    id: fw.id,
    name: info.name,
    user: info.user,
    failover_timeout: info.failover_timeout,
    checkpoint: info.checkpoint,
    hostname: info.hostname ?? '',
    executors: [...fw.executors.values()].map((e) => executorJson(e, fw)),
    completed_executors: fw.completedExecutors.map((e) => executorJson(e, fw)),
  };
  if (hasCapability(info, 'MULTI_ROLE')) out.roles = frameworkRoles(info);
  else out.role = info.role ?? '*';
  if (info.principal !== undefined) out.principal = info.principal;
  if (info.capabilities !== undefined) out.capabilities = info.capabilities.map((c) => c.type ?? 'UNKNOWN');
  return out;
}

export function stateJson(core: AgentCore, flags: Record<string, string>): Record<string, unknown> {
  // As Mesos's agent: the checkpointed reservations and volumes are part of its resources.
  const checkpointed = Resources.fromProto(core.checkpointedResources);
  const carved = checkpointed.ok ? withCheckpointed(core.config.resources, checkpointed.value) : checkpointed;
  const total = carved.ok ? carved.value : core.config.resources;
  const reserved: Record<string, unknown> = {};
  for (const [role, r] of total.reservations()) reserved[role] = r.toLegacyJSON();
  const v = versionInfo();
  return {
    version: v.version,
    build_date: v.build_date,
    build_time: v.build_time,
    build_user: v.build_user,
    git_tag: v.git_tag,
    start_time: core.startTime / 1000,
    id: core.agentId ?? '',
    pid: `slave(1)@${core.config.endpoint}`,
    hostname: core.config.hostname,
    capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT'],
    resources: total.toLegacyJSON(),
    attributes: attributesToLegacyJSON(core.config.attributes),
    ...(core.masterInfo ? { master_hostname: core.masterInfo.hostname ?? core.masterInfo.address?.hostname ?? '' } : {}),
    flags,
    reserved_resources: reserved,
    unreserved_resources: total.unreserved().toLegacyJSON(),
    reserved_resources_full: Object.fromEntries([...total.reservations()].map(([role, r]) => [role, r.toProto('ENDPOINT')])),
    unreserved_resources_full: total.unreserved().toProto('ENDPOINT'),
    reserved_resources_allocated: {},
    unreserved_resources_allocated: {},
    resource_providers: [],
    frameworks: [...core.frameworks.values()].map(frameworkJson),
    completed_frameworks: core.completedFrameworks.map(frameworkJson),
  };
}
