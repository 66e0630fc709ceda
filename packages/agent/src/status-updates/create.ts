/** Building status updates: the agent's own (SOURCE_AGENT) and the envelope for executor updates. */
import type { internal, TaskState, TaskStatus, TaskStatusReason } from '@agora/protocol';

export interface AgentUpdateSpec {
  frameworkId: string;
  agentId: string | undefined;
  taskId: string;
  state: TaskState;
  reason: TaskStatusReason;
  message: string;
  executorId?: string;
  uuid: string;
  nowMs: number;
}

/** An update the agent generates itself: source SOURCE_AGENT, with a uuid (so it is retried). */
export function agentStatusUpdate(s: AgentUpdateSpec): internal.StatusUpdate {
  const timestamp = s.nowMs / 1000;
  const status: TaskStatus = {
    task_id: { value: s.taskId },
    state: s.state,
    message: s.message,
    source: 'SOURCE_AGENT',
    reason: s.reason,
    timestamp,
    uuid: s.uuid,
  };
  if (s.agentId !== undefined) status.agent_id = { value: s.agentId };
  if (s.executorId !== undefined) status.executor_id = { value: s.executorId };
  const update: internal.StatusUpdate = { framework_id: { value: s.frameworkId }, status, timestamp, uuid: s.uuid };
  if (s.agentId !== undefined) update.agent_id = { value: s.agentId };
  if (s.executorId !== undefined) update.executor_id = { value: s.executorId };
  return update;
}

/** Wraps an executor's status (already validated) for forwarding, filling what the agent knows. */
export function executorStatusUpdate(
  frameworkId: string,
  executorId: string,
  agentId: string | undefined,
  status: TaskStatus,
  nowMs: number,
): internal.StatusUpdate {
  const timestamp = status.timestamp ?? nowMs / 1000;
  const s: TaskStatus = { ...status, executor_id: { value: executorId }, source: 'SOURCE_EXECUTOR', timestamp };
  if (agentId !== undefined) s.agent_id = { value: agentId };
  const update: internal.StatusUpdate = { framework_id: { value: frameworkId }, status: s, timestamp, uuid: s.uuid, executor_id: { value: executorId } };
  if (agentId !== undefined) update.agent_id = { value: agentId };
  return update;
}
