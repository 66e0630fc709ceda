/**
 * The master's state as the v1 operator API shows it (GET_STATE, GET_AGENTS, GET_FRAMEWORKS,
 * GET_TASKS, GET_EXECUTORS, and the operator event stream). Built on demand from the registry;
 * nothing here is stored twice. Resources are in the ENDPOINT format, as Mesos's operator API.
 */
import { msToTimeInfo, type master, type Task } from '@agora/protocol';
import { Resources } from '@agora/resources';
import type { Master } from '../master.ts';
import type { AgentRecord } from '../registry/agent.ts';
import type { FrameworkRecord } from '../registry/framework.ts';
import { taskView } from '../registry/task.ts';

const time = (seconds: number | undefined) => (seconds === undefined ? undefined : msToTimeInfo(seconds * 1000));

/** Resources a framework holds: its live tasks plus its custom executors. */
export function frameworkAllocated(m: Master, fw: FrameworkRecord): Resources {
  let r = Resources.EMPTY;
  for (const t of fw.tasks.values()) if (!t.released) r = r.plus(t.resources);
  for (const agentId of fw.executors.keys()) {
    const charged = m.agents.get(agentId)?.executorResources.get(fw.id);
    if (charged) for (const e of charged.values()) r = r.plus(e.resources);
  }
  return r;
}

export function frameworkOffered(m: Master, fw: FrameworkRecord): Resources {
  let r = Resources.EMPTY;
  for (const id of fw.offers) {
    const o = m.offers.get(id);
    if (o) r = r.plus(o.resources);
  }
  return r;
}

/** Resources in use on an agent: live tasks plus executors. */
export function agentAllocated(agent: AgentRecord): Resources {
  let r = Resources.EMPTY;
  for (const t of agent.allTasks()) if (!t.released) r = r.plus(t.resources);
  for (const execs of agent.executorResources.values()) for (const e of execs.values()) r = r.plus(e.resources);
  return r;
}

export function frameworkToV1(m: Master, fw: FrameworkRecord, completed = false): master.Framework {
  const out: master.Framework = {
    framework_info: fw.info,
    active: !completed && fw.active,
    connected: !completed && fw.connected,
    recovered: fw.recovered,
  };
  const reg = time(fw.registeredTime);
  if (reg) out.registered_time = reg;
  const rereg = time(fw.reregisteredTime);
  if (rereg) out.reregistered_time = rereg;
  const unreg = time(fw.unregisteredTime);
  if (unreg) out.unregistered_time = unreg;
  if (!completed) {
    const offers = [...fw.offers].map((id) => m.offers.get(id)?.offer).filter((o) => o !== undefined);
    if (offers.length) out.offers = offers;
    const inverse = [...m.maintenance.inverseOffers.values()].filter((io) => io.frameworkId === fw.id).map((io) => io.offer);
    if (inverse.length) out.inverse_offers = inverse;
    const alloc = frameworkAllocated(m, fw).toProto('ENDPOINT');
    if (alloc.length) out.allocated_resources = alloc;
    const offered = frameworkOffered(m, fw).toProto('ENDPOINT');
    if (offered.length) out.offered_resources = offered;
  }
  return out;
}

export function agentToV1(m: Master, a: AgentRecord): master.Agent {
  const out: master.Agent = {
    agent_info: a.info,
    active: a.connected,
    deactivated: a.deactivated,
    version: a.version,
    pid: a.pid,
    registered_time: msToTimeInfo(a.registeredTime * 1000),
  };
  if (a.reregisteredTime !== undefined) out.reregistered_time = msToTimeInfo(a.reregisteredTime * 1000);
  const total = a.total.toProto('ENDPOINT');
  if (total.length) out.total_resources = total;
  const alloc = agentAllocated(a).toProto('ENDPOINT');
  if (alloc.length) out.allocated_resources = alloc;
  const offered = m.offeredOn(a).toProto('ENDPOINT');
  if (offered.length) out.offered_resources = offered;
  if (a.capabilities.length) out.capabilities = a.capabilities;
  return out;
}

export function getAgents(m: Master): master.GetAgents {
  const agents = [...m.agents.values()].map((a) => agentToV1(m, a));
  const recovered = [...m.recoveredAgents.values()].map((a) => a.info);
  return { ...(agents.length ? { agents } : {}), ...(recovered.length ? { recovered_agents: recovered } : {}) };
}

export function getFrameworks(m: Master): master.GetFrameworks {
  const out: master.GetFrameworks = {};
  const fws = [...m.frameworks.values()].map((f) => frameworkToV1(m, f));
  if (fws.length) out.frameworks = fws;
  const done = m.completedFrameworks.values().map((f) => frameworkToV1(m, f, true));
  if (done.length) out.completed_frameworks = done;
  return out;
}

export function getTasks(m: Master): master.GetTasks {
  const tasks: Task[] = [];
  const unreachable: Task[] = [];
  const completed: Task[] = [];
  for (const fw of m.frameworks.values()) {
    for (const t of fw.tasks.values()) tasks.push(taskView(t));
    for (const t of fw.unreachableTasks.values()) unreachable.push(taskView(t));
    for (const t of fw.completedTasks.values()) completed.push(taskView(t));
  }
  for (const fw of m.completedFrameworks.values()) for (const t of fw.completedTasks.values()) completed.push(taskView(t));
  const out: master.GetTasks = {};
  if (tasks.length) out.tasks = tasks;
  if (unreachable.length) out.unreachable_tasks = unreachable;
  if (completed.length) out.completed_tasks = completed;
  return out;
}

export function getExecutors(m: Master): master.GetExecutors {
  const executors: master.Executor[] = [];
  for (const fw of m.frameworks.values()) {
    for (const [agentId, execs] of fw.executors) {
      for (const info of execs.values()) executors.push({ executor_info: info, agent_id: { value: agentId } });
    }
  }
  return executors.length ? { executors } : {};
}

export function getState(m: Master): master.GetState {
  return { get_tasks: getTasks(m), get_executors: getExecutors(m), get_frameworks: getFrameworks(m), get_agents: getAgents(m) };
}
