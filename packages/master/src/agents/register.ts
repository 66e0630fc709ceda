/**
 * Agent registration and re-registration (Mesos `Master::registerSlave`, `reregisterSlave`,
 * `reconcileKnownSlave`).
 *
 *  - REGISTER_AGENT: a new agent gets `<masterId>-S<n>`. An agent registering from the address of
 *    an agent we still know restarted without its state: the old one is removed (its tasks are
 *    lost with REASON_AGENT_RESTARTED) before the new one is admitted.
 *  - REREGISTER_AGENT from a known agent (it reconnected): its view replaces ours where they
 *    differ — tasks we hold but it does not report are asked about (RECONCILE_TASKS, answered by
 *    the agent's reliable updates), kills it missed are re-sent, executors it no longer runs are
 *    dropped, frameworks that were removed meanwhile are shut down.
 *  - REREGISTER_AGENT from an unreachable agent: re-admitted with its tasks, each reported to its
 *    framework with REASON_AGENT_REREGISTERED (since Mesos 1.5 nothing is killed).
 *  - REREGISTER_AGENT from an agent this master does not know (a master failover): admitted with
 *    its tasks; frameworks known only from agents are created as `recovered`.
 *  - A gone agent is told to shut down.
 */
import { isTerminalState, type AgentCapability, type AgentInfo, type FrameworkInfo, type Resource, type Task, type internal } from '@agora/protocol';
import { Resources, withCheckpointed } from '@agora/resources';
import type { AgentSpec } from '../allocation/port.ts';
import type { Master } from '../master.ts';
import { AgentRecord, type AgentChannel } from '../registry/agent.ts';
import type { FrameworkRecord } from '../registry/framework.ts';
import { taskView, type TaskRecord } from '../registry/task.ts';
import { agentToV1 } from '../operator/views.ts';
import { frameworkSpec } from '../scheduler/subscribe.ts';
import { removeAgent, startPinging } from './health.ts';

export type Admission = { ok: true; agent: AgentRecord } | { ok: false; message: string };

export function parseTotal(info: AgentInfo, checkpointed: readonly Resource[]): { ok: true; value: Resources } | { ok: false; message: string } {
  const base = Resources.fromProto(info.resources ?? []);
  if (!base.ok) return { ok: false, message: `Invalid agent resources: ${base.error}` };
  const extra = Resources.fromProto(checkpointed ?? []);
  if (!extra.ok) return { ok: false, message: `Invalid checkpointed resources: ${extra.error}` };
  const total = withCheckpointed(base.value, extra.value);
  return total.ok ? { ok: true, value: total.value } : { ok: false, message: `Invalid checkpointed resources: ${total.error}` };
}

function agentSpec(a: AgentRecord): AgentSpec {
  const spec: AgentSpec = {
    hostname: a.hostname,
    total: a.total,
    capabilities: a.capabilities,
    attributes: a.info.attributes ?? [],
  };
  if (a.info.domain) spec.domain = a.info.domain;
  if (a.unavailability) spec.unavailability = a.unavailability;
  return spec;
}

function reply(m: Master, agent: AgentRecord, type: 'AGENT_REGISTERED' | 'AGENT_REREGISTERED'): internal.MasterMessage {
  const body = {
    agent_id: { value: agent.id },
    master_info: m.info,
    total_ping_timeout_seconds: (m.config.agentPingTimeoutMs * m.config.maxAgentPingTimeouts) / 1000,
  };
  return type === 'AGENT_REGISTERED' ? { type, agent_registered: body } : { type, agent_reregistered: body };
}

function welcome(m: Master, agent: AgentRecord, type: 'AGENT_REGISTERED' | 'AGENT_REREGISTERED'): void {
  m.sendToAgent(agent, reply(m, agent, type));
  startPinging(m, agent);
}

/**
 * A registration repeated on the channel it was admitted on: our reply was lost (or is still on
 * its way) and the agent retries. Answer again — Mesos's master re-sends (Slave)Reregistered for
 * every re-registration — or the agent would wait forever while we take it for registered. An
 * agent that already has the reply ignores the duplicate.
 */
export function acknowledgeAgain(m: Master, agent: AgentRecord, type: 'REGISTER_AGENT' | 'REREGISTER_AGENT'): void {
  m.sendToAgent(agent, reply(m, agent, type === 'REGISTER_AGENT' ? 'AGENT_REGISTERED' : 'AGENT_REREGISTERED'));
}

function peerHost(channel: AgentChannel): string | undefined {
  const i = channel.peer.lastIndexOf(':');
  const host = i > 0 ? channel.peer.slice(0, i) : undefined;
  return host?.replace(/^::ffff:/, '');
}

/** The agent's IP as the master records it: what it announces, else the peer address of its channel. */
export function agentIp(channel: AgentChannel, announced: string | undefined, hostname: string): string {
  return announced ?? peerHost(channel) ?? hostname;
}

/**
 * Agents on a machine that is DOWN for maintenance may not register or re-register until
 * STOP_MAINTENANCE (Mesos refuses them and tells them to shut down).
 */
export function downMachineRefusal(m: Master, hostname: string, ip: string): Admission | undefined {
  if (!m.maintenance.isDown(hostname, ip)) return undefined;
  return { ok: false, message: `Refusing registration: machine {hostname: '${hostname}', ip: '${ip}'} is DOWN for maintenance (until STOP_MAINTENANCE / machine/up)` };
}

/** `id`: chosen by the caller when the admission was written to the registry first. */
export function registerAgent(m: Master, channel: AgentChannel, msg: internal.RegisterAgent, id?: string): Admission {
  const info = msg.agent_info;
  if (info.hostname.trim() === '') return { ok: false, message: "Agent's hostname is empty" };
  const total = parseTotal(info, msg.checkpointed_resources ?? []);
  if (!total.ok) return total;
  const ip = agentIp(channel, msg.ip, info.hostname);
  const refused = downMachineRefusal(m, info.hostname, ip);
  if (refused) return refused;
  for (const existing of [...m.agents.values()]) {
    if (existing.hostname === info.hostname && existing.port === info.port) {
      removeAgent(m, existing, 'REASON_AGENT_RESTARTED', `Agent ${existing.id} at ${info.hostname}:${info.port} restarted and registered anew`);
    }
  }
  id ??= m.nextAgentId();
  const agent = new AgentRecord(id, info, capabilitiesOf(msg.capabilities), msg.version, total.value, m.nowSeconds());
  agent.ip = ip;
  agent.unavailability = m.maintenance.unavailabilityOf(agent.hostname, ip);
  agent.channel = channel;
  m.agents.set(id, agent);
  m.allocator.addAgent(id, agentSpec(agent), new Map());
  m.counters.slaveRegistrations++;
  welcome(m, agent, 'AGENT_REGISTERED');
  m.log.info({ agent: id, hostname: info.hostname, port: info.port, resources: total.value.toString() }, 'agent registered');
  m.events.publish({ type: 'AGENT_ADDED', agent_added: { agent: agentToV1(m, agent) } });
  m.requestAllocation([id]);
  return { ok: true, agent };
}

const capabilitiesOf = (c: readonly AgentCapability[] | undefined): AgentCapability[] => [...(c ?? [])];

export function reregisterAgent(m: Master, channel: AgentChannel, msg: internal.ReregisterAgent): Admission {
  const id = msg.agent_info.id!.value;
  if (m.goneAgents.has(id)) return { ok: false, message: `Agent ${id} has been marked gone` };
  const total = parseTotal(msg.agent_info, msg.checkpointed_resources ?? []);
  if (!total.ok) return total;
  const ip = agentIp(channel, msg.ip, msg.agent_info.hostname);
  const refused = downMachineRefusal(m, msg.agent_info.hostname, ip);
  if (refused) return refused;
  const known = m.agents.get(id);
  if (known) return reconnectKnown(m, known, channel, msg, total.value);

  const wasUnreachable = m.unreachableAgents.has(id);
  m.unreachableAgents.delete(id);
  const recovered = m.recoveredAgents.get(id);
  m.recoveredAgents.delete(id);
  const agent = new AgentRecord(id, msg.agent_info, capabilitiesOf(msg.capabilities), msg.version, total.value, m.nowSeconds());
  if (recovered?.deactivated) agent.deactivated = true;
  agent.ip = ip;
  agent.unavailability = m.maintenance.unavailabilityOf(agent.hostname, ip);
  agent.reregisteredTime = m.nowSeconds();
  agent.channel = channel;
  m.agents.set(id, agent);

  const frameworkInfos = new Map<string, FrameworkInfo>();
  for (const f of msg.frameworks ?? []) if (f.id) frameworkInfos.set(f.id.value, f);
  const used = new Map<string, Resources>();
  const parsed: ResourceMemo = new Map();
  const message = wasUnreachable ? 'Unreachable agent re-reregistered' : 'Unknown agent reregistered';
  for (const reported of msg.tasks ?? []) {
    const fid = reported.framework_id.value;
    if (m.isCompletedFramework(fid)) continue;
    const fw = m.frameworks.get(fid) ?? recoverFramework(m, fid, frameworkInfos.get(fid));
    if (!fw) continue;
    const rec = adoptTask(m, fw, agent, reported, used, parsed);
    if (rec && wasUnreachable) {
      const status = m.masterStatus(fw, reported.task_id.value, rec.task.state, 'REASON_AGENT_REREGISTERED', message, { agentId: id });
      m.sendUpdate(fw, status);
    }
  }
  for (const e of msg.executors ?? []) {
    const fw = m.frameworks.get(e.framework_id.value);
    if (!fw || !e.executor_info.command) continue;
    const res = Resources.fromProto(e.executor_info.resources ?? []);
    fw.addExecutor(id, e.executor_info);
    if (res.ok && !res.value.isEmpty()) {
      let perFw = agent.executorResources.get(fw.id);
      if (!perFw) agent.executorResources.set(fw.id, (perFw = new Map()));
      perFw.set(e.executor_info.executor_id.value, { info: e.executor_info, resources: res.value });
      used.set(fw.id, (used.get(fw.id) ?? Resources.EMPTY).plus(res.value));
    }
  }
  m.allocator.addAgent(id, agentSpec(agent), used);
  if (agent.deactivated) m.allocator.deactivateAgent(id);
  m.counters.slaveReregistrations++;
  welcome(m, agent, 'AGENT_REREGISTERED');
  shutDownCompletedFrameworks(m, agent, msg);
  // After a failover every agent comes back within seconds: one line per agent only at debug
  // level, and one line when the last agent the registry named is back.
  m.log.debug({ agent: id, hostname: agent.hostname, tasks: msg.tasks?.length ?? 0, wasUnreachable }, 'agent re-registered');
  if (recovered && m.recoveredAgents.size === 0) {
    m.log.info({ agents: m.agents.size, ms: m.clock.now() - m.electedTime }, 'every agent the registry named has re-registered');
  }
  if (m.events.count > 0) m.events.publish({ type: 'AGENT_ADDED', agent_added: { agent: agentToV1(m, agent) } });
  m.requestAllocation([id]);
  return { ok: true, agent };
}

function reconnectKnown(m: Master, agent: AgentRecord, channel: AgentChannel, msg: internal.ReregisterAgent, total: Resources): Admission {
  if (agent.channel && agent.channel !== channel && agent.channel.isOpen) agent.channel.close('superseded by a newer connection');
  agent.channel = channel;
  agent.disconnectedAt = undefined;
  agent.info = { ...msg.agent_info, id: { value: agent.id } };
  agent.capabilities = capabilitiesOf(msg.capabilities);
  agent.version = msg.version;
  agent.reregisteredTime = m.nowSeconds();
  if (msg.ip) agent.ip = msg.ip;
  if (!agent.total.equals(total)) {
    agent.total = total;
    m.allocator.updateAgentTotal(agent.id, total);
  }
  const reported = new Map<string, Task>();
  for (const t of msg.tasks ?? []) reported.set(`${t.framework_id.value}/${t.task_id.value}`, t);

  // Tasks the agent reports that we do not have (e.g. launched just before a disconnect).
  const frameworkInfos = new Map<string, FrameworkInfo>();
  for (const f of msg.frameworks ?? []) if (f.id) frameworkInfos.set(f.id.value, f);
  const adopted = new Map<string, Resources>();
  const parsed: ResourceMemo = new Map();
  for (const t of reported.values()) {
    const fw = m.frameworks.get(t.framework_id.value);
    if (fw && !fw.tasks.has(t.task_id.value)) adoptTask(m, fw, agent, t, adopted, parsed);
  }
  if (adopted.size > 0) {
    // The allocator must learn these resources are in use: rebuild its view of this agent.
    m.rescindOffersOf(agent.offers, 'agent reported unknown tasks');
    m.allocator.resyncAgent(agent.id, agentSpec(agent), usageOn(agent));
  }
  // Tasks we have that the agent does not report: ask it; its answer comes as a reliable update.
  const missing = new Map<string, string[]>();
  for (const t of agent.allTasks()) {
    if (isTerminalState(t.task.state)) continue;
    const key = `${t.task.framework_id.value}/${t.task.task_id.value}`;
    if (reported.has(key)) continue;
    const list = missing.get(t.task.framework_id.value) ?? [];
    list.push(t.task.task_id.value);
    missing.set(t.task.framework_id.value, list);
  }
  // Executors it no longer runs.
  const runningExecutors = new Set((msg.executors ?? []).map((e) => `${e.framework_id.value}/${e.executor_info.executor_id.value}`));
  for (const [fid, execs] of agent.executorResources) {
    for (const [eid, charged] of [...execs]) {
      if (runningExecutors.has(`${fid}/${eid}`)) continue;
      execs.delete(eid);
      m.frameworks.get(fid)?.removeExecutor(agent.id, eid);
      if (m.frameworks.has(fid)) m.allocator.recoverResources(fid, agent.id, charged.resources, undefined, m.clock.now());
    }
  }
  m.counters.slaveReregistrations++;
  welcome(m, agent, 'AGENT_REREGISTERED');
  shutDownCompletedFrameworks(m, agent, msg);
  for (const [fid, taskIds] of missing) {
    const info = m.frameworks.get(fid)?.info;
    m.sendToAgent(agent, { type: 'RECONCILE_TASKS', reconcile_tasks: { framework_id: { value: fid }, task_ids: taskIds.map((value) => ({ value })), ...(info ? { framework: info } : {}) } });
  }
  for (const k of agent.pendingKills.values()) {
    m.sendToAgent(agent, {
      type: 'KILL_TASK',
      kill_task: { framework_id: { value: k.frameworkId }, task_id: { value: k.taskId }, ...(k.killPolicy ? { kill_policy: k.killPolicy } : {}) },
    });
  }
  agent.pendingKills.clear();
  if (!agent.deactivated) m.allocator.activateAgent(agent.id);
  m.log.info({ agent: agent.id, missing: [...missing.values()].flat().length }, 'known agent re-registered');
  m.requestAllocation([agent.id]);
  return { ok: true, agent };
}

/** After the AGENT_REREGISTERED reply: an agent ignores master messages until it knows it is registered. */
function shutDownCompletedFrameworks(m: Master, agent: AgentRecord, msg: internal.ReregisterAgent): void {
  const fids = new Set<string>([...(msg.tasks ?? []).map((t) => t.framework_id.value), ...(msg.executors ?? []).map((e) => e.framework_id.value)]);
  for (const fid of fids) {
    if (m.isCompletedFramework(fid)) m.sendToAgent(agent, { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: fid } } });
  }
}

/** A framework known only from an agent's report (after a master failover): not connected until it re-subscribes. */
function recoverFramework(m: Master, id: string, info: FrameworkInfo | undefined): FrameworkRecord | undefined {
  if (!info) return undefined;
  const fw = m.addFramework(info, id, true);
  m.allocator.addFramework(id, frameworkSpec(fw), new Map());
  m.allocator.deactivateFramework(id);
  m.log.info({ framework: id, name: info.name }, 'recovered framework from an agent');
  return fw;
}

/**
 * Adds (or restores) a task reported by an agent. Unreachable copies are replaced by the agent's
 * view. `used` accumulates the allocations the allocator must be told about.
 */
/** What each framework uses on the agent according to the master's records (tasks and executors). */
function usageOn(agent: AgentRecord): Map<string, Resources> {
  const used = new Map<string, Resources>();
  const add = (fid: string, r: Resources) => used.set(fid, (used.get(fid) ?? Resources.EMPTY).plus(r));
  for (const t of agent.allTasks()) if (!t.released) add(t.task.framework_id.value, t.resources);
  for (const [fid, execs] of agent.executorResources) for (const e of execs.values()) add(fid, e.resources);
  return used;
}

function adoptTask(m: Master, fw: FrameworkRecord, agent: AgentRecord, reported: Task, used: Map<string, Resources>, parsed: ResourceMemo): TaskRecord | undefined {
  const tid = reported.task_id.value;
  const role = [...fw.roles][0] ?? '*';
  let res = taskResources(reported.resources ?? [], parsed);
  if (!res.ok) {
    m.log.warn({ agent: agent.id, task: tid, error: res.error }, 'ignoring a reported task with invalid resources');
    return undefined;
  }
  if (res.value.allocationRole() === undefined && !res.value.isEmpty()) res = { ok: true, value: res.value.allocate(role) };
  const previous = fw.unreachableTasks.get(tid);
  fw.unreachableTasks.delete(tid);
  // The record keeps everything the agent reported but the resources (held in `rec.resources`),
  // with the IDs it repeats pointing at shared objects (a master holds 100,000 of these).
  const { resources: _kept, ...fields } = reported;
  const task: Task = { ...fields, framework_id: fw.ref, agent_id: agent.ref };
  if (task.statuses) shareStatusIds(task);
  else if (previous?.task.statuses) task.statuses = previous.task.statuses;
  const rec: TaskRecord = { task, resources: res.value, role: res.value.allocationRole() ?? role, released: isTerminalState(task.state) };
  fw.tasks.set(tid, rec);
  agent.addTask(rec);
  if (!rec.released) used.set(fw.id, (used.get(fw.id) ?? Resources.EMPTY).plus(rec.resources));
  if (m.events.count > 0) m.events.publish({ type: 'TASK_ADDED', task_added: { task: taskView(rec) } });
  return rec;
}

/** Points the IDs a reported task's statuses repeat at the task's own (it owns its decoded statuses). */
function shareStatusIds(task: Task): void {
  for (const st of task.statuses!) {
    if (st.task_id.value === task.task_id.value) st.task_id = task.task_id;
    if (st.agent_id?.value === task.agent_id.value) st.agent_id = task.agent_id;
    const eid = st.executor_id?.value;
    if (eid === undefined) continue;
    // A command task's executor ID is its task ID.
    if (task.executor_id?.value === eid) st.executor_id = task.executor_id;
    else if (task.task_id.value === eid) st.executor_id = task.task_id;
  }
}

/**
 * The resources of one agent's reported tasks, parsed once per distinct content: an agent's tasks
 * are mostly alike (10 tasks of one framework), and `Resources` values are immutable, so alike
 * tasks share one value (the allocator's cached quantities included).
 */
type ResourceMemo = Map<string, Resources>;

function taskResources(list: readonly Resource[], memo: ResourceMemo): { ok: true; value: Resources } | { ok: false; error: string } {
  const key = plainScalarKey(list);
  const known = key === undefined ? undefined : memo.get(key);
  if (known) return { ok: true, value: known };
  const r = Resources.fromProto(list);
  if (r.ok && key !== undefined) memo.set(key, r.value);
  return r;
}

/** A key for plain scalar resources (what nearly every task holds); undefined for anything else, which is parsed every time. */
function plainScalarKey(list: readonly Resource[]): string | undefined {
  let key = '';
  for (const r of list) {
    if (r.type !== 'SCALAR' || r.scalar === undefined || r.provider_id || r.ranges || r.set || r.role !== undefined) return undefined;
    if (r.reservation || r.reservations || r.disk || r.revocable || r.shared) return undefined;
    key += `${r.name}\u0000${r.scalar.value}\u0000${r.allocation_info ? `=${r.allocation_info.role ?? ''}` : '-'}\u0001`;
  }
  return key;
}
