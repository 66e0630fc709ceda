/**
 * Every scheduler call after SUBSCRIBE (Mesos `Master::Http::scheduler` dispatch). The HTTP layer
 * has already decoded and validated the call and checked the framework and its stream ID; here
 * the call acts on master state. Expected refusals are values (`AgoraError`); success is 202,
 * or 200 for UPDATE_FRAMEWORK.
 */
import { agoraError, type AgoraError, type Result, type scheduler } from '@agora/protocol';
import { err, ok } from '@agora/protocol';
import type { Master } from '../master.ts';
import type { FrameworkRecord } from '../registry/framework.ts';
import { isTerminalState } from '@agora/protocol';
import { accept, decline } from './accept.ts';
import { reconcile, type RecoveringCheck } from './reconcile.ts';
import { frameworkSpec } from './subscribe.ts';
import { frameworkInfoProblem } from './validate-framework.ts';
import { frameworkToV1 } from '../operator/views.ts';
import { answerInverseOffers } from '../maintenance/inverse-offers.ts';

export interface CallOptions {
  recovering: RecoveringCheck;
}

export function handleCall(m: Master, fw: FrameworkRecord, call: scheduler.Call, opts: CallOptions): Result<200 | 202, AgoraError> {
  const type = call.type!;
  fw.count('calls', type);
  switch (type) {
    case 'TEARDOWN':
      m.removeFramework(fw, 'TEARDOWN call');
      return ok(202);
    case 'ACCEPT':
      accept(m, fw, call.accept!);
      return ok(202);
    case 'DECLINE':
      decline(m, fw, call.decline!);
      return ok(202);
    case 'ACCEPT_INVERSE_OFFERS': {
      // Advisory: the answer shows in the maintenance status; nothing else changes.
      const a = call.accept_inverse_offers!;
      answerInverseOffers(m, fw, a.inverse_offer_ids ?? [], 'ACCEPT', a.filters);
      return ok(202);
    }
    case 'DECLINE_INVERSE_OFFERS': {
      const d = call.decline_inverse_offers!;
      answerInverseOffers(m, fw, d.inverse_offer_ids ?? [], 'DECLINE', d.filters);
      return ok(202);
    }
    case 'REVIVE':
    case 'SUPPRESS': {
      const roles = (type === 'REVIVE' ? call.revive?.roles : call.suppress?.roles) ?? [];
      for (const r of roles) {
        if (!fw.roles.has(r)) return err(agoraError('BAD_REQUEST', `Role '${r}' in ${type} is not one of the framework's roles`));
      }
      const targets = roles.length > 0 ? roles : [...fw.roles];
      if (type === 'REVIVE') {
        for (const r of targets) fw.suppressedRoles.delete(r);
        m.allocator.revive(fw.id, targets);
        m.requestAllocation();
      } else {
        for (const r of targets) fw.suppressedRoles.add(r);
        m.allocator.suppress(fw.id, targets);
      }
      return ok(202);
    }
    case 'KILL':
      kill(m, fw, call.kill!, opts);
      return ok(202);
    case 'SHUTDOWN': {
      const agent = m.agents.get(call.shutdown!.agent_id.value);
      if (agent) m.sendToAgent(agent, { type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: { value: fw.id }, executor_id: call.shutdown!.executor_id } });
      return ok(202);
    }
    case 'ACKNOWLEDGE':
      acknowledge(m, fw, call.acknowledge!);
      return ok(202);
    case 'RECONCILE':
      reconcile(m, fw, call.reconcile!, opts.recovering);
      return ok(202);
    case 'MESSAGE': {
      const msg = call.message!;
      const agent = m.agents.get(msg.agent_id.value);
      if (agent) m.sendToAgent(agent, { type: 'FRAMEWORK_TO_EXECUTOR', framework_to_executor: { framework_id: { value: fw.id }, executor_id: msg.executor_id, data: msg.data } });
      else m.counters.droppedMessages++;
      return ok(202);
    }
    case 'REQUEST':
      // The hierarchical allocator ignores resource requests, as Mesos's does.
      return ok(202);
    case 'UPDATE_FRAMEWORK':
      return updateFramework(m, fw, call.update_framework!);
    case 'RECONCILE_OPERATIONS':
      for (const o of call.reconcile_operations?.operations ?? []) {
        const status: scheduler.Event = {
          type: 'UPDATE_OPERATION_STATUS',
          update_operation_status: { status: { operation_id: o.operation_id, state: 'OPERATION_UNKNOWN', ...(o.agent_id ? { agent_id: o.agent_id } : {}) } },
        };
        m.sendEvent(fw, status);
      }
      return ok(202);
    case 'ACKNOWLEDGE_OPERATION_STATUS':
      return ok(202);
    case 'UNKNOWN':
      return err(agoraError('NOT_IMPLEMENTED', 'Received an UNKNOWN call'));
    case 'SUBSCRIBE':
      return err(agoraError('BAD_REQUEST', 'SUBSCRIBE must be the first call on a new connection'));
  }
}

function kill(m: Master, fw: FrameworkRecord, k: scheduler.Kill, opts: CallOptions): void {
  const taskId = k.task_id.value;
  const t = fw.tasks.get(taskId) ?? fw.unreachableTasks.get(taskId);
  if (!t) {
    // Unknown task: answer with reconciliation, so the framework learns what the master knows.
    reconcile(m, fw, { tasks: [{ task_id: k.task_id, ...(k.agent_id ? { agent_id: k.agent_id } : {}) }] }, opts.recovering);
    return;
  }
  const agentId = t.task.agent_id.value;
  if (k.agent_id && k.agent_id.value !== agentId) {
    m.log.info({ framework: fw.id, task: taskId, given: k.agent_id.value, actual: agentId }, 'ignoring KILL with the wrong agent ID');
    return;
  }
  if (isTerminalState(t.task.state)) return;
  const agent = m.agents.get(agentId);
  if (!agent) return;
  const msg = { framework_id: { value: fw.id }, task_id: k.task_id, ...(k.kill_policy ? { kill_policy: k.kill_policy } : {}) };
  if (agent.connected) m.sendToAgent(agent, { type: 'KILL_TASK', kill_task: msg });
  else agent.pendingKills.set(`${fw.id}/${taskId}`, { frameworkId: fw.id, taskId, ...(k.kill_policy ? { killPolicy: k.kill_policy } : {}) });
}

function acknowledge(m: Master, fw: FrameworkRecord, ack: scheduler.Acknowledge): void {
  const agent = m.agents.get(ack.agent_id.value);
  if (!agent || !agent.connected) {
    m.counters.invalidStatusUpdateAcknowledgements++;
    return;
  }
  const t = m.findTask(fw, ack.task_id.value);
  if (t && t.task.status_update_uuid === ack.uuid && t.task.status_update_state && isTerminalState(t.task.status_update_state)) {
    m.completeTask(fw, t);
  }
  m.counters.validStatusUpdateAcknowledgements++;
  m.sendToAgent(agent, {
    type: 'STATUS_UPDATE_ACKNOWLEDGEMENT',
    status_update_acknowledgement: { framework_id: { value: fw.id }, task_id: ack.task_id, uuid: ack.uuid },
  });
}

function updateFramework(m: Master, fw: FrameworkRecord, u: scheduler.UpdateFramework): Result<200, AgoraError> {
  const info = u.framework_info;
  const suppressed = u.suppressed_roles ?? [];
  const problem = frameworkInfoProblem(info, suppressed, m.config.rolesWhitelist);
  if (problem) return err(agoraError('BAD_REQUEST', problem));
  if ((info.principal ?? '') !== (fw.info.principal ?? '')) return err(agoraError('BAD_REQUEST', "Changing framework's principal is not allowed"));
  if (info.user !== fw.info.user) return err(agoraError('BAD_REQUEST', "Updating 'FrameworkInfo.user' is unsupported"));
  if (info.checkpoint !== fw.info.checkpoint) return err(agoraError('BAD_REQUEST', "Updating 'FrameworkInfo.checkpoint' is unsupported"));
  const before = new Set(fw.roles);
  fw.updateInfo(info);
  fw.suppressedRoles = new Set(suppressed);
  // Offers for roles the framework left are rescinded; newly suppressed roles keep theirs.
  const removed = [...before].filter((r) => !fw.roles.has(r));
  if (removed.length > 0) {
    const rescind = [...fw.offers].filter((id) => removed.includes(m.offers.get(id)?.role ?? ''));
    m.rescindOffersOf(rescind, 'role removed by UPDATE_FRAMEWORK');
  }
  m.allocator.updateFramework(fw.id, frameworkSpec(fw));
  const agents = new Set<string>([...fw.tasks.values()].map((t) => t.task.agent_id.value));
  for (const id of agents) {
    const agent = m.agents.get(id);
    if (agent) m.sendToAgent(agent, { type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: fw.info } });
  }
  m.events.publish({ type: 'FRAMEWORK_UPDATED', framework_updated: { framework: frameworkToV1(m, fw) } });
  m.requestAllocation();
  return ok(200);
}
