/**
 * ACCEPT and DECLINE (Mesos `Master::accept`/`decline`). Offers are checked first (they must
 * exist, belong to the framework, share one agent and one role, and not repeat); if any is bad,
 * every task in the call gets TASK_LOST (TASK_DROPPED for PARTITION_AWARE frameworks) with
 * REASON_INVALID_OFFERS and the valid offers return to the pool unfiltered. Otherwise the
 * operations run in order against what is left of the offers, and the remainder is declined with
 * the call's filter (5 s by default).
 */
import {
  OFFER_OPERATION_FIELD, type ExecutorInfo, type Filters, type OfferOperation, type Task, type TaskInfo,
  type scheduler,
} from '@agora/protocol';
import { Resources } from '@agora/resources';
import type { Master, OfferRecord } from '../master.ts';
import type { AgentRecord } from '../registry/agent.ts';
import type { FrameworkRecord } from '../registry/framework.ts';
import type { TaskRecord } from '../registry/task.ts';
import { validateTask, type LaunchContext } from './launch-validation.ts';
import { applyResourceOperation } from './resource-operations.ts';

/** Mesos's default refusal when the call carries no filter. */
const DEFAULT_REFUSE_SECONDS = 5;

export function decline(m: Master, fw: FrameworkRecord, call: scheduler.Decline): void {
  const refuse = call.filters?.refuse_seconds ?? DEFAULT_REFUSE_SECONDS;
  for (const { value: id } of call.offer_ids ?? []) {
    const rec = m.offers.get(id);
    if (!rec || rec.frameworkId !== fw.id) continue;
    m.takeOffer(id);
    fw.offersDeclined++;
    m.allocator.recoverResources(fw.id, rec.agentId, rec.resources, refuse, m.clock.now());
  }
}

/** Why the offers of an ACCEPT cannot be used together, or undefined. */
function offersProblem(m: Master, fw: FrameworkRecord, ids: readonly string[]): string | undefined {
  if (ids.length === 0) return 'No offers specified';
  const seen = new Set<string>();
  let agentId: string | undefined;
  let role: string | undefined;
  for (const id of ids) {
    if (seen.has(id)) return `Duplicate offer ${id} in the same call`;
    seen.add(id);
    const rec = m.offers.get(id);
    if (!rec) return `Offer ${id} is no longer valid`;
    if (rec.frameworkId !== fw.id) return `Offer ${id} has invalid framework ${rec.frameworkId} while framework ${fw.id} is expected`;
    if (agentId !== undefined && rec.agentId !== agentId) return `Aggregated offers must belong to one single agent. Offer ${id} uses agent ${rec.agentId} and agent ${agentId}`;
    if (role !== undefined && rec.role !== role) return `Aggregated offers must be allocated to the same role. Offer ${id} uses role ${rec.role} and role ${role}`;
    agentId = rec.agentId;
    role = rec.role;
  }
  return undefined;
}

function tasksOf(ops: readonly OfferOperation[]): TaskInfo[] {
  const out: TaskInfo[] = [];
  for (const op of ops) {
    if (op.type === 'LAUNCH') out.push(...(op.launch?.task_infos ?? []));
    if (op.type === 'LAUNCH_GROUP') out.push(...(op.launch_group?.task_group.tasks ?? []));
  }
  return out;
}

export function accept(m: Master, fw: FrameworkRecord, call: scheduler.Accept): void {
  const ids = (call.offer_ids ?? []).map((o) => o.value);
  const ops = call.operations ?? [];
  const problem = offersProblem(m, fw, ids);
  if (problem) {
    for (const id of new Set(ids)) {
      const rec = m.offers.get(id);
      if (rec && rec.frameworkId === fw.id) {
        m.takeOffer(id);
        m.allocator.recoverResources(fw.id, rec.agentId, rec.resources, undefined, m.clock.now());
      }
    }
    for (const t of tasksOf(ops)) {
      m.sendUpdate(fw, m.masterStatus(fw, t.task_id.value, 'TASK_DROPPED', 'REASON_INVALID_OFFERS', problem, { agentId: t.agent_id.value }));
    }
    m.log.info({ framework: fw.id, problem }, 'ACCEPT with invalid offers');
    return;
  }

  const recs = ids.map((id) => m.takeOffer(id)!);
  fw.offersAccepted += recs.length;
  const first = recs[0]!;
  const agent = m.agents.get(first.agentId)!;
  let remaining = Resources.sum(recs.map((r: OfferRecord) => r.resources));
  const launchedIds = new Set<string>();

  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const type = op.type;
    if (type === undefined || type === 'UNKNOWN' || op[OFFER_OPERATION_FIELD[type]] === undefined) {
      // Mesos drops a malformed operation (and reports OPERATION_ERROR when it has an ID).
      m.log.info({ framework: fw.id, index: i, type }, 'dropping malformed offer operation');
      continue;
    }
    if (type === 'LAUNCH') {
      for (const task of op.launch!.task_infos ?? []) {
        if (op.id) {
          m.sendUpdate(fw, m.masterStatus(fw, task.task_id.value, 'TASK_ERROR', 'REASON_TASK_INVALID', "'Offer.Operation.id' is not supported for LAUNCH operations", { agentId: agent.id }));
          continue;
        }
        remaining = launchOne(m, fw, agent, first.role, task, remaining, launchedIds);
      }
    } else if (type === 'LAUNCH_GROUP') {
      remaining = launchGroup(m, fw, agent, first.role, op, remaining, launchedIds);
    } else {
      const r = applyResourceOperation(m, fw, agent, first.role, op, remaining);
      if (r.ok) remaining = r.value;
      else m.log.info({ framework: fw.id, type, error: r.error }, 'dropping invalid offer operation');
    }
  }

  if (!remaining.isEmpty()) {
    m.allocator.recoverResources(fw.id, agent.id, remaining, refuseSeconds(call.filters), m.clock.now());
  }
}

const refuseSeconds = (f: Filters | undefined) => f?.refuse_seconds ?? DEFAULT_REFUSE_SECONDS;

function launchContext(fw: FrameworkRecord, agent: AgentRecord, role: string, remaining: Resources, launched: Set<string>): LaunchContext {
  return {
    frameworkId: fw.id,
    agentId: agent.id,
    role,
    remaining,
    isDuplicateTaskId: (id) => launched.has(id) || fw.tasks.has(id) || fw.unreachableTasks.has(id),
    existingExecutor: (eid) => fw.executor(agent.id, eid),
  };
}

function launchOne(m: Master, fw: FrameworkRecord, agent: AgentRecord, role: string, task: TaskInfo, remaining: Resources, launched: Set<string>): Resources {
  const v = validateTask(task, launchContext(fw, agent, role, remaining, launched));
  if (!v.ok) {
    m.sendUpdate(fw, m.masterStatus(fw, task.task_id.value, 'TASK_ERROR', 'REASON_TASK_INVALID', v.error, { agentId: agent.id }));
    return remaining;
  }
  launched.add(task.task_id.value);
  let left = remaining.minus(v.value.resources);
  let executor: ExecutorInfo | undefined;
  if (task.executor) {
    executor = fw.executor(agent.id, task.executor.executor_id.value) ?? v.value.newExecutor?.info;
    if (v.value.newExecutor) {
      left = left.minus(v.value.newExecutor.resources);
      chargeExecutor(m, fw, agent, v.value.newExecutor.info, v.value.newExecutor.resources);
    }
  }
  const wireTask: TaskInfo = { ...task, resources: v.value.resources.toProto('POST_REFINEMENT') };
  if (executor) wireTask.executor = executor;
  recordTask(m, fw, agent, role, wireTask, v.value.resources);
  m.sendToAgent(agent, { type: 'RUN_TASK', run_task: { framework: fw.info, task: wireTask } });
  return left;
}

function launchGroup(
  m: Master,
  fw: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  op: OfferOperation,
  remaining: Resources,
  launched: Set<string>,
): Resources {
  const group = op.launch_group!;
  const tasks = group.task_group.tasks ?? [];
  const failAll = (message: string) => {
    for (const t of tasks) m.sendUpdate(fw, m.masterStatus(fw, t.task_id.value, 'TASK_ERROR', 'REASON_TASK_GROUP_INVALID', message, { agentId: agent.id }));
    return remaining;
  };
  if (op.id) return failAll("'Offer.Operation.id' is not supported for LAUNCH_GROUP operations");
  if (tasks.length === 0) return remaining;
  // All or nothing: validate every task against a running tally before launching any.
  let left = remaining;
  const groupIds = new Set<string>();
  const charged: Resources[] = [];
  let newExecutor: { info: ExecutorInfo; resources: Resources } | undefined;
  for (const t of tasks) {
    const ctx = launchContext(fw, agent, role, left, launched);
    const dup = ctx.isDuplicateTaskId;
    ctx.isDuplicateTaskId = (id) => dup(id) || groupIds.has(id);
    if (newExecutor) ctx.existingExecutor = (eid) => (eid === newExecutor!.info.executor_id.value ? newExecutor!.info : fw.executor(agent.id, eid));
    const v = validateTask(t, ctx, group.executor);
    if (!v.ok) return failAll(v.error);
    groupIds.add(t.task_id.value);
    charged.push(v.value.resources);
    left = left.minus(v.value.resources);
    if (v.value.newExecutor) {
      newExecutor = v.value.newExecutor;
      left = left.minus(newExecutor.resources);
    }
  }
  const executor: ExecutorInfo = fw.executor(agent.id, group.executor.executor_id.value) ?? newExecutor!.info;
  if (newExecutor) chargeExecutor(m, fw, agent, newExecutor.info, newExecutor.resources);
  const wireTasks: TaskInfo[] = tasks.map((t, i) => {
    launched.add(t.task_id.value);
    const wire: TaskInfo = { ...t, resources: charged[i]!.toProto('POST_REFINEMENT') };
    recordTask(m, fw, agent, role, { ...wire, executor }, charged[i]!);
    return wire;
  });
  m.sendToAgent(agent, { type: 'RUN_TASK_GROUP', run_task_group: { framework: fw.info, executor, task_group: { tasks: wireTasks } } });
  return left;
}

function chargeExecutor(m: Master, fw: FrameworkRecord, agent: AgentRecord, info: ExecutorInfo, resources: Resources): void {
  fw.addExecutor(agent.id, info);
  let perFw = agent.executorResources.get(fw.id);
  if (!perFw) agent.executorResources.set(fw.id, (perFw = new Map()));
  perFw.set(info.executor_id.value, { info, resources });
}

function recordTask(m: Master, fw: FrameworkRecord, agent: AgentRecord, role: string, info: TaskInfo, resources: Resources): void {
  // Every field is present from the start (undefined ones are not serialised), so the object keeps
  // one compact shape as statuses arrive (100,000 of these live in a large master).
  const task: Task = {
    name: info.name,
    task_id: info.task_id,
    framework_id: fw.ref,
    agent_id: agent.ref,
    state: 'TASK_STAGING',
    executor_id: info.executor?.executor_id,
    labels: info.labels,
    discovery: info.discovery,
    container: info.container,
    health_check: info.health_check,
    kill_policy: info.kill_policy,
    limits: info.limits,
    user: info.command?.user ?? info.executor?.command?.user ?? fw.info.user,
    statuses: undefined,
    status_update_state: undefined,
    status_update_uuid: undefined,
  };
  const rec: TaskRecord = { task, resources, role, released: false };
  m.addTask(fw, agent, rec);
}
