/**
 * The allocator's records: agents, frameworks, and clients (a framework in one role, the unit
 * the framework sorters order). Plain mutable classes owned by `AllocatorState`; nothing outside
 * the package sees them.
 */
import type { Attribute, DomainInfo, InverseOfferStatusValue, Unavailability } from '@agora/protocol';
import { Resources, type ResourceQuantities } from '@agora/resources';
import type { QVec } from './names.ts';
import { NUM_CODES } from './reasons.ts';
import type { OfferFilter, RefusedSet } from './filters.ts';
import type { RoleState } from './role-tree.ts';

/** Framework capability bits used on the hot path. */
export const CAP_GPU = 1;
export const CAP_REVOCABLE = 2;
export const CAP_SHARED = 4;
export const CAP_REFINEMENT = 8;
export const CAP_MULTI_ROLE = 16;
export const CAP_REGION_AWARE = 32;

const CAP_BITS: Readonly<Record<string, number>> = {
  GPU_RESOURCES: CAP_GPU,
  REVOCABLE_RESOURCES: CAP_REVOCABLE,
  SHARED_RESOURCES: CAP_SHARED,
  RESERVATION_REFINEMENT: CAP_REFINEMENT,
  MULTI_ROLE: CAP_MULTI_ROLE,
  REGION_AWARE: CAP_REGION_AWARE,
};

export function capabilityBits(capabilities: Iterable<string>): number {
  let bits = 0;
  for (const c of capabilities) bits |= CAP_BITS[c] ?? 0;
  return bits;
}

/** Which resource kinds a framework cannot receive: index into per-class strip caches (0–7). */
export function stripClass(caps: number): number {
  return ((caps & CAP_REVOCABLE) ? 0 : 1) | ((caps & CAP_SHARED) ? 0 : 2) | ((caps & CAP_REFINEMENT) ? 0 : 4);
}

/** Number of evaluation classes (see `evalClass`). */
export const EVAL_CLASSES = 64;

/**
 * Clients of one role with the same evaluation class get the same pre-filter verdict on an
 * agent: it is made of the capability bits the gates read and the strip class. A per-role
 * min-allocatable override makes the client its own class (-1).
 */
export function evalClass(fw: FrameworkState, client: Client): number {
  if (client.minAlloc !== undefined) return -1;
  const caps = fw.caps;
  const gates = ((caps & CAP_GPU) ? 1 : 0) | ((caps & CAP_REGION_AWARE) ? 2 : 0) | ((caps & CAP_MULTI_ROLE) ? 4 : 0);
  return gates | (fw.strip << 3);
}

/** A cached "every active framework of this role is filtered on this agent" verdict. */
export interface SkipEntry {
  availGen: number;
  filterGen: number;
  fwSetGen: number;
  policyGen: number;
}

/** One offer being built in the current cycle (stage 1 and stage 2 merge into it); no allocation info. */
export interface OfferAcc {
  readonly client: Client;
  readonly agent: AgentState;
  resources: Resources;
}

export class AgentState {
  hostname = '';
  domain: DomainInfo | undefined;
  attributes: readonly Attribute[] = [];
  capabilities: ReadonlySet<string> = new Set();
  multiRole = false;
  hierarchicalRole = false;
  /** In another region than the master (offered only to REGION_AWARE frameworks). */
  remote = false;
  total: Resources = Resources.EMPTY;
  /** total − offered/allocated (shared resources stay available), kept incrementally. */
  available: Resources = Resources.EMPTY;
  hasGpu = false;
  /** Offered or allocated resources per client, without allocation info (the client's role is implied). */
  readonly allocated = new Map<Client, Resources>();
  /** Resources used by frameworks the allocator does not know yet (`used` on addAgent). */
  readonly pending = new Map<string, Resources>();
  activated = true;
  draining = false;
  unavailability: Unavailability | undefined;
  readonly outstandingInverse = new Set<FrameworkState>();
  readonly inverseStatuses = new Map<string, { status: InverseOfferStatusValue; at: number }>();
  /** Bumped whenever `available` changes / filters on this agent change (cache validation). */
  availGen = 0;
  filterGen = 0;
  /**
   * Offer filters on this agent, indexed by client id: the head of the client's chain here,
   * and the hot-path view — the client's single refused set, `null` when it has several
   * filters here (walk the chain), undefined when none. Plain arrays: dense when many clients
   * filter the agent (one load per check), V8 keeps them sparse otherwise.
   */
  readonly filterHeads: (OfferFilter | undefined)[] = [];
  readonly refusedBy: (RefusedSet | null | undefined)[] = [];
  filterCount = 0;
  /** The most recent refused set, reused when the next decline refuses the same resources. */
  lastRefused: RefusedSet | undefined;
  /** This agent's free unreserved non-revocable scalars (its share of the quota headroom). */
  freeVec: QVec = [];
  skip: Map<RoleState, SkipEntry> | undefined;
  cycleId = -1;
  cycleOffers: OfferAcc[] = [];

  constructor(readonly idx: number, readonly id: string) {}
}

export class FrameworkState {
  roles: ReadonlySet<string> = new Set();
  capabilities: ReadonlySet<string> = new Set();
  caps = 0;
  strip = 0;
  active = true;
  suppressed = new Set<string>();
  minAllocatable = new Map<string, readonly ResourceQuantities[]>();
  /** Clients by role: subscribed roles, plus roles it still holds resources in. */
  readonly clients = new Map<string, Client>();
  /** Inverse offer filters: agent → expiry (ms). */
  readonly inverseFilters = new Map<AgentState, number>();

  constructor(readonly id: string) {}
}

export class Client {
  /** Agents where this client holds offered or allocated resources. */
  readonly agents = new Set<AgentState>();
  /** Head of this client's intrusive list of offer filters. */
  filterHead: OfferFilter | null = null;
  filterCount = 0;
  /** Per-role min-allocatable override, or undefined for the master's. */
  minAlloc: readonly ResourceQuantities[] | undefined;
  /** See `evalClass`; refreshed whenever the framework's spec changes. */
  evalClass = -1;
  /** Per-cycle outcome counters (indexed by reason code) and offers made. */
  readonly counts = new Int32Array(NUM_CODES);
  offers = 0;

  constructor(readonly id: number, readonly framework: FrameworkState, readonly role: RoleState) {}
}
