/**
 * Task reconciliation (Mesos `Master::reconcile`, docs/reconciliation.md).
 *
 * Implicit (no tasks named): one update per task the master knows for the framework (unreachable
 * ones excluded), with the state awaiting acknowledgement or else the latest one.
 *
 * Explicit: for each named task —
 *   1. known                             → its latest state
 *   2. unknown, its agent still recovering after a master failover (or no agent given and any
 *      agent is recovering)                → no answer: the client retries
 *   3. unknown, agent registered           → TASK_GONE
 *   4. unknown, agent unreachable          → TASK_UNREACHABLE with unreachable_time
 *   5. unknown, agent gone                 → TASK_GONE_BY_OPERATOR
 *   6. unknown, agent unknown              → TASK_UNKNOWN
 * Cases 3–6 become TASK_LOST for frameworks that are not PARTITION_AWARE. Every answer carries
 * REASON_RECONCILIATION and no uuid.
 */
import type { scheduler, TaskStatus } from '@agora/protocol';
import type { Master } from '../master.ts';
import type { FrameworkRecord } from '../registry/framework.ts';
import { reportedState, type TaskRecord } from '../registry/task.ts';

const MESSAGE = 'Reconciliation: Latest task state';

function latest(m: Master, fw: FrameworkRecord, t: TaskRecord): TaskStatus {
  const last = t.task.statuses?.[t.task.statuses.length - 1];
  const extra: Parameters<Master['masterStatus']>[5] = { agentId: t.task.agent_id.value };
  if (t.task.executor_id) extra.executorId = t.task.executor_id.value;
  if (t.unreachableAt !== undefined) extra.unreachableTime = t.unreachableAt;
  if (last?.healthy !== undefined) extra.healthy = last.healthy;
  const state = t.unreachableAt !== undefined ? 'TASK_UNREACHABLE' : reportedState(t.task);
  const status = m.masterStatus(fw, t.task.task_id.value, state, 'REASON_RECONCILIATION', MESSAGE, extra);
  if (last?.check_status) status.check_status = last.check_status;
  if (last?.labels) status.labels = last.labels;
  if (last?.container_status) status.container_status = last.container_status;
  return status;
}

/** Whether an agent is in the registry but has not re-registered since a master failover. */
export type RecoveringCheck = (agentId: string | undefined) => boolean;

export function reconcile(m: Master, fw: FrameworkRecord, call: scheduler.Reconcile, recovering: RecoveringCheck): void {
  const tasks = call.tasks ?? [];
  if (tasks.length === 0) {
    for (const t of fw.tasks.values()) m.sendUpdate(fw, latest(m, fw, t));
    return;
  }
  for (const { task_id, agent_id } of tasks) {
    const known = m.findTask(fw, task_id.value);
    if (known) {
      m.sendUpdate(fw, latest(m, fw, known));
      continue;
    }
    const agentId = agent_id?.value;
    if (recovering(agentId)) continue;
    const answer = (state: 'TASK_GONE' | 'TASK_UNREACHABLE' | 'TASK_GONE_BY_OPERATOR' | 'TASK_UNKNOWN', unreachableTime?: number) => {
      const extra: Parameters<Master['masterStatus']>[5] = {};
      if (agentId !== undefined) extra.agentId = agentId;
      if (unreachableTime !== undefined) extra.unreachableTime = unreachableTime;
      m.sendUpdate(fw, m.masterStatus(fw, task_id.value, state, 'REASON_RECONCILIATION', MESSAGE, extra));
    };
    if (agentId === undefined) answer('TASK_UNKNOWN');
    else if (m.agents.has(agentId)) answer('TASK_GONE');
    else if (m.unreachableAgents.has(agentId)) answer('TASK_UNREACHABLE', m.unreachableAgents.get(agentId)!.at);
    else if (m.goneAgents.has(agentId)) answer('TASK_GONE_BY_OPERATOR');
    else answer('TASK_UNKNOWN');
  }
}
