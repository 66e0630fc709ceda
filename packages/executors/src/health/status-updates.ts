/**
 * The status updates that carry check results, shaped as Mesos's built-in executors shape them:
 *
 *  - every *fresh* status of a task that has a CheckInfo (STARTING, RUNNING, KILLING, the terminal
 *    one) carries the empty `check_status` of its type, so "checked, no result yet" is visible;
 *  - a health or check update is the task's *last* status sent again (state TASK_RUNNING, its
 *    message, container_status, labels, and the other kind's `healthy`/`check_status` kept), with
 *    a new uuid and timestamp and only `reason` and `healthy` (REASON_TASK_HEALTH_CHECK_STATUS_UPDATED)
 *    or `check_status` (REASON_TASK_CHECK_STATUS_UPDATED) changed;
 *  - the terminal status of a task killed because of its health check carries `healthy: false`
 *    (Mesos sets no reason for it: TASK_KILLED, "Command terminated with signal SIGTERM").
 */
import type { CheckStatusInfo, TaskInfo, TaskStatus } from '@agora/protocol';
import type { StatusUpdateInput } from '@agora/sdk';
import { emptyCheckStatus } from './definition.ts';

/** `check_status` for a fresh status of `task`, or undefined when the task has no check. */
export const freshCheckStatus = (task: TaskInfo): CheckStatusInfo | undefined => emptyCheckStatus(task.check?.type);

/** The last status without what the driver fills in anew for every update. */
function resend(last: TaskStatus): StatusUpdateInput {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { uuid, timestamp, source, executor_id, ...rest } = last;
  return rest;
}

export function healthUpdate(last: TaskStatus, healthy: boolean): StatusUpdateInput {
  return { ...resend(last), reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', healthy };
}

export function checkUpdate(last: TaskStatus, checkStatus: CheckStatusInfo): StatusUpdateInput {
  return { ...resend(last), reason: 'REASON_TASK_CHECK_STATUS_UPDATED', check_status: checkStatus };
}
