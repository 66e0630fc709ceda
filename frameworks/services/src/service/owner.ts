/**
 * The contract between the owner (`Services`, the one object that holds the framework's live
 * state and its serial queue) and the modules that carry out its operations (app-changes,
 * deployments, kills, offers, task-updates). Those modules are functions over an `Owner`:
 *
 * - they run only inside the owner's `serial` section (the owner's public methods wrap them), so
 *   nothing they read goes stale across an await;
 * - they persist before they act: a failed store write is a bug-level failure (thrown), which
 *   fails the one serial operation and leaves memory unchanged for what was not yet written;
 * - they never start their own timers; the owner's `kick` coalesces follow-up work.
 */
import type { Offer } from '@agora/protocol';
import type { Clock, Logger } from '@agora/runtime';
import type { Repository } from '../store/repository.ts';
import type { EventBus } from './events.ts';
import type { MesosPort } from './mesos-port.ts';
import type { ReadinessChecker } from './readiness.ts';
import type { LiveState } from './state.ts';

export interface ServicesOptions {
  readonly repo: Repository;
  readonly clock: Clock;
  readonly uuid: () => string;
  readonly events: EventBus;
  readonly log: Logger;
  /** Instances not running after this long are killed and replaced (Marathon: 5 min). */
  readonly launchTimeoutMs?: number;
  /** Instances launched but not yet running, at most (see `reconcile`). */
  readonly launchWindow?: number;
  /** Instances placed on one offer per pass, at most. */
  readonly maxInstancesPerOffer?: number;
}

export interface DeploymentResult {
  readonly deploymentId: string;
  readonly version: string;
}

/** Whether Mesos is asked for offers; changed only by `offers.ts` (revive/suppress) and on resubscribe. */
export interface OfferFlow {
  suppressed: boolean;
  /** When the last REVIVE was sent (ms), to repeat it while demand lasts without offers. */
  lastRevive: number;
}

export interface Owner {
  readonly state: LiveState;
  readonly opts: ServicesOptions;
  /** The Mesos side while subscribed; undefined before `attach` and after `close`. */
  readonly port: MesosPort | undefined;
  /** Set by `close`: no launches, revives or kicks after it. */
  readonly closed: boolean;
  readonly offerFlow: OfferFlow;
  /** Per instance: when its unconfirmed kill was last sent again. */
  readonly killRetried: Map<string, number>;
  readonly readiness: ReadinessChecker;
  /** The clock's time (ms). */
  readonly now: number;
  /** A fresh version timestamp, strictly later than every earlier one. */
  nextVersion(): string;
  /** Asks for a step soon (full) or only for deployment progress (`full = false`). */
  kick(full?: boolean): void;
  /** One reconcile pass now, within the current serial operation (see `offers.ts`). */
  step(offers: readonly Offer[]): Promise<void>;
}

/** A store write that must succeed for the operation to go on (see the contract above). */
export function mustWrite(r: { ok: true } | { ok: false; error: { message: string } }): void {
  if (!r.ok) throw new Error(`state store write failed: ${r.error.message}`);
}

/** A store read that must succeed. */
export function mustRead<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(`state store read failed: ${r.error.message}`);
  return r.value;
}
