/**
 * What a framework author implements to write an executor. The `ExecutorDriver` calls these
 * methods, one at a time and in the order the agent's events arrive; a method may return a
 * promise, but the driver does not wait for it (an executor that needs ordering across awaits
 * keeps its own state). A method that throws or rejects is reported through `error` and never
 * stops the driver.
 */
import type { KillPolicy, TaskGroupInfo, TaskID, TaskInfo, executor } from '@agora/protocol';

/** The SUBSCRIBED event: executor_info, framework_info (with its capabilities), agent_info, container_id. */
export type SubscribedInfo = executor.Subscribed;

type Maybe = void | Promise<void>;

export interface Executor {
  /** The agent accepted the subscription (first time and after every re-subscription). */
  subscribed?(info: SubscribedInfo): Maybe;
  /** Run this task. The driver already counts it as unacknowledged until an update for it is acknowledged. */
  launch(task: TaskInfo): Maybe;
  /** Run these tasks together (LAUNCH_GROUP). */
  launchGroup?(group: TaskGroupInfo): Maybe;
  /** Kill the task; `killPolicy`, when given, overrides the task's own (KILL event). */
  kill(taskId: TaskID, killPolicy?: KillPolicy): Maybe;
  /** The framework acknowledged the update with this `uuid` (base64, as on the wire); the driver has forgotten it. */
  acknowledged?(taskId: TaskID, uuid: string): Maybe;
  /** A framework message (bytes from the scheduler's MESSAGE call). */
  message?(data: Uint8Array): Maybe;
  /**
   * Kill every task and end. Sent by the agent (SHUTDOWN), or injected by the driver when it
   * gives up on the agent (non-checkpointing disconnection, recovery timeout, initial connection
   * failure). The executor should be gone within the shutdown grace period.
   */
  shutdown(): Maybe;
  /** An ERROR event from the agent, or a problem the driver met (malformed event, unexpected HTTP answer). */
  error?(message: string): Maybe;
  /** The subscription stream broke. A checkpointing executor's driver is re-subscribing; otherwise `shutdown` follows. */
  disconnected?(): Maybe;
}
