/**
 * A container limitation turned into what the framework sees (Mesos's behaviour): a task the
 * executor reports terminal (other than FINISHED) while its container has hit a limit is
 * TASK_FAILED with the limitation's reason and message, and `limitation.resources` naming the
 * limited resource. Only the state, reason, message and limitation change.
 */
import { isTerminalState, type TaskState, type TaskStatus, type TaskStatusReason } from '@agora/protocol';
import type { ContainerLimitation } from './containerizer.ts';

export function limitationApplies(state: TaskState): boolean {
  return isTerminalState(state) && state !== 'TASK_FINISHED';
}

export function withLimitation(status: TaskStatus, l: ContainerLimitation): TaskStatus {
  return {
    ...status,
    state: 'TASK_FAILED',
    reason: l.reason as TaskStatusReason,
    message: l.message,
    ...(l.resources ? { limitation: { resources: l.resources.map((r) => ({ name: r.name, type: 'SCALAR' as const, scalar: { value: r.value } })) } } : {}),
  };
}
