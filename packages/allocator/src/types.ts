/**
 * The shapes the master exchanges with the allocator.
 */
import type { AgentCapabilityType, Attribute, DomainInfo, FrameworkCapabilityType, Unavailability } from '@agora/protocol';
import type { ResourceLimits, ResourceQuantities, Resources } from '@agora/resources';
import type { NoOfferReason, ReasonCode } from './reasons.ts';
import type { Rng } from './rng.ts';

/** What the allocator needs from a FrameworkInfo (see `frameworkSpecFromInfo`). */
export interface FrameworkSpec {
  /** The roles the framework is subscribed to (`[role ?? "*"]` without MULTI_ROLE). */
  readonly roles: readonly string[];
  readonly capabilities?: readonly FrameworkCapabilityType[];
  /** Per-role overrides of the min-allocatable alternatives (`offer_filters`). */
  readonly minAllocatableResources?: Readonly<Record<string, readonly ResourceQuantities[]>>;
}

/** Resources per agent or per framework id. */
export type ResourcesById = ReadonlyMap<string, Resources> | Readonly<Record<string, Resources>>;

export interface AddFrameworkOptions {
  /** Connected and eligible for offers (default true). */
  readonly active?: boolean;
  /** Roles that start suppressed (SUBSCRIBE's `suppressed_roles`). */
  readonly suppressedRoles?: readonly string[];
  /** Resources the framework already uses, per agent id (recovered tasks and executors). */
  readonly used?: ResourcesById;
}

/** What the allocator needs from an AgentInfo and the agent's registration. */
export interface AgentSpec {
  readonly hostname?: string;
  readonly domain?: DomainInfo;
  readonly attributes?: readonly Attribute[];
  readonly capabilities?: readonly AgentCapabilityType[];
}

export interface AddAgentOptions {
  /** Resources in use per framework id (each carrying its allocation role). */
  readonly used?: ResourcesById;
  readonly unavailability?: Unavailability;
  /** Default true. */
  readonly activated?: boolean;
  readonly draining?: boolean;
}

export interface AllocateParams {
  /** The clock, in milliseconds (filters expire against it). */
  readonly now: number;
  readonly rng: Rng;
  /** Only these agents (coalesced event-triggered runs); all agents when absent. */
  readonly agentIds?: Iterable<string>;
  /** Also return the outcome of every framework × agent pair (expensive at scale). */
  readonly explain?: boolean;
}

/** One offer: one framework, one agent, one role. Resources carry the allocation role. */
export interface Offer {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  readonly resources: Resources;
  /** Set when maintenance is scheduled on the agent. */
  readonly unavailability?: Unavailability;
}

export interface InverseOffer {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly unavailability: Unavailability;
}

/** Per framework and role, how the cycle went over the agents it considered. */
export interface FrameworkRoleOutcome {
  readonly frameworkId: string;
  readonly role: string;
  readonly offers: number;
  /** Agents that gave no offer, by reason (counts over the cycle's agents). */
  readonly reasons: Partial<Record<ReasonCode, number>>;
}

export interface PairOutcome {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  /** undefined when the pair got an offer. */
  readonly reason?: NoOfferReason;
}

export interface CycleStats {
  /** Agents considered for offers (activated, not draining). */
  readonly candidates: number;
  /** Agents skipped because deactivated or draining. */
  readonly unavailable: number;
  readonly offers: number;
  /** Offers (or parts of offers) made in stage 1 for quota guarantees. */
  readonly quotaOffers: number;
  /** (agent, role) pairs skipped in O(1) because every active framework filters the agent. */
  readonly skippedFiltered: number;
  readonly filtersExpired: number;
}

export interface AllocationResult {
  readonly offers: Offer[];
  readonly inverseOffers: InverseOffer[];
  readonly outcomes: FrameworkRoleOutcome[];
  /** Only with `explain: true`. */
  readonly explain?: PairOutcome[];
  readonly stats: CycleStats;
}

/** The answer to "why did framework X get no offer from agent Y (for role R)?" right now. */
export type WhyNoOffer =
  | { readonly role: string; readonly offerable: true; readonly holding: Resources; readonly wouldOffer: Resources; readonly rank: number }
  | { readonly role: string; readonly offerable: false; readonly holding: Resources; readonly reason: NoOfferReason };

export interface QuotaSpec {
  /** Scalars the role is guaranteed (deprecated in Mesos but still enforced via headroom). */
  readonly guarantees?: ResourceQuantities;
  /** Scalars the role may not exceed; absent names are unlimited, 0 allows none. */
  readonly limits?: ResourceLimits | ResourceQuantities;
}
