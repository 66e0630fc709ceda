/**
 * What a framework author implements. The driver calls these one at a time, in stream order,
 * and waits for a returned promise before delivering the next event, so a scheduler never sees
 * two events concurrently. Keep them quick: while a callback runs, the stream is not read (the
 * heartbeat watchdog still counts).
 *
 * A callback that throws is a bug in the scheduler: the driver stops and `driver.done` rejects
 * with the error.
 */
import type { AgentID, ExecutorID, InverseOffer, MasterInfo, OfferID, Offer, OperationStatus, TaskStatus } from '@agora/protocol';
import type { SchedulerDriver } from './driver.ts';

export interface SchedulerSubscribedInfo {
  /** The framework's ID (the same on every re-subscription). */
  readonly frameworkId: string;
  /** What the master told the framework in SUBSCRIBED (15 s in Mesos; Agora defaults to 5 s). */
  readonly heartbeatIntervalSeconds: number;
  readonly masterInfo: MasterInfo | undefined;
  /** Base URL of the master this subscription is attached to (after redirects). */
  readonly masterUrl: string;
  /** True when this is a re-subscription after a disconnect (offers are fresh; reconcile now). */
  readonly resubscribed: boolean;
}

type Maybe = void | Promise<void>;

export interface Scheduler {
  /** SUBSCRIBED: after the first subscription and after every re-subscription. */
  subscribed?(driver: SchedulerDriver, info: SchedulerSubscribedInfo): Maybe;
  /**
   * OFFERS. Every offer must be used (accept/launch) or declined; an offer left alone keeps its
   * resources away from other frameworks until the master's offer timeout (if any) rescinds it.
   */
  offers(driver: SchedulerDriver, offers: Offer[]): Maybe;
  /** INVERSE_OFFERS: requests to vacate agents ahead of maintenance (advisory). */
  inverseOffers?(driver: SchedulerDriver, offers: InverseOffer[]): Maybe;
  /** RESCIND: the offer is gone; accepting it now yields TASK_LOST/TASK_DROPPED. */
  rescind?(offerId: OfferID): Maybe;
  rescindInverseOffer?(offerId: OfferID): Maybe;
  /**
   * UPDATE. With implicit acknowledgements (the default) the driver acknowledges an update that
   * carries a `uuid` once this returns (or its promise resolves); with them off, call
   * `driver.acknowledge(status)` yourself, or the agent resends the update.
   */
  update(driver: SchedulerDriver, status: TaskStatus): Maybe;
  /** UPDATE_OPERATION_STATUS (operations sent with an `id`); acknowledged like task updates. */
  operationStatus?(driver: SchedulerDriver, status: OperationStatus): Maybe;
  /** MESSAGE: bytes an executor sent (best effort). */
  message?(agentId: AgentID, executorId: ExecutorID, data: Uint8Array): Maybe;
  /**
   * FAILURE: an agent was lost (`executorId` absent) or an executor exited (`status` is the raw
   * wait status; `status >> 8` is the exit code). Not ordered relative to UPDATE and RESCIND.
   */
  failure?(agentId: AgentID | undefined, executorId?: ExecutorID, status?: number): Maybe;
  /**
   * ERROR, or a SUBSCRIBE the master refused outright: unrecoverable ("Framework failed over",
   * "Framework has been removed"). The driver has stopped when this is called.
   */
  error?(message: string): Maybe;
  /** The subscription was lost; the driver is re-subscribing with backoff. */
  disconnected?(): Maybe;
  /**
   * The stream carried something unusable: a record that does not decode (skipped, reading goes
   * on) or broken framing (the connection is dropped and the driver re-subscribes). Not fatal.
   */
  streamError?(message: string): Maybe;
}
