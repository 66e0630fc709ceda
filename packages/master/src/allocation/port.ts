/**
 * What the master needs from an allocator: Mesos's allocator interface, narrowed. The master
 * drives it (every method is synchronous and deterministic given `now` and the RNG the adapter
 * was built with); `allocate` returns decisions, the master turns them into offers.
 */
import type { AgentCapability, Attribute, DomainInfo, FrameworkInfo, InverseOfferStatusValue, Unavailability } from '@agora/protocol';
import type { ResourceLimits, ResourceQuantities, Resources } from '@agora/resources';
import type { Result } from '@agora/protocol';
import type { WhyNoOffer } from '@agora/allocator';

export interface FrameworkSpec {
  info: FrameworkInfo;
  suppressedRoles: readonly string[];
  active: boolean;
}

export interface AgentSpec {
  hostname: string;
  total: Resources;
  capabilities: readonly AgentCapability[];
  attributes: readonly Attribute[];
  domain?: DomainInfo;
  unavailability?: Unavailability;
}

export interface OfferDecision {
  frameworkId: string;
  agentId: string;
  role: string;
  /** Carries allocation_info.role = role. */
  resources: Resources;
}

export interface InverseOfferDecision {
  frameworkId: string;
  agentId: string;
  unavailability: Unavailability;
}

export interface AllocationRun {
  offers: OfferDecision[];
  inverseOffers: InverseOfferDecision[];
  /** Wall time the cycle took, for allocator/mesos/allocation_run_ms. */
  durationMs: number;
}


export interface AllocatorPort {
  addFramework(id: string, spec: FrameworkSpec, used: ReadonlyMap<string, Resources>): void;
  updateFramework(id: string, spec: FrameworkSpec): void;
  removeFramework(id: string): void;
  activateFramework(id: string): void;
  deactivateFramework(id: string): void;

  addAgent(id: string, spec: AgentSpec, used: ReadonlyMap<string, Resources>): void;
  updateAgentTotal(id: string, total: Resources): void;
  removeAgent(id: string): void;
  activateAgent(id: string): void;
  deactivateAgent(id: string): void;
  updateUnavailability(id: string, unavailability: Unavailability | undefined): void;
  /**
   * A framework answered an inverse offer for the agent (`status`), or the master rescinded it
   * (no status); `refuseSeconds` keeps it from getting another one for the agent until then.
   */
  updateInverseOffer(agentId: string, frameworkId: string, response: { status?: InverseOfferStatusValue; refuseSeconds?: number }, now: number): void;
  /** The latest answers (ms timestamps) per agent under maintenance and framework. */
  inverseOfferStatuses(): ReadonlyMap<string, ReadonlyMap<string, { status: InverseOfferStatusValue; at: number }>>;

  /** Resources the framework no longer holds on the agent; a decline's filter applies if `refuseSeconds` is set. */
  recoverResources(frameworkId: string, agentId: string, resources: Resources, refuseSeconds: number | undefined, now: number): void;
  /**
   * Converts resources a framework holds on an agent (RESERVE, UNRESERVE, CREATE, DESTROY): each
   * `consumed` becomes `converted`, both in the framework's allocation and in the agent's total.
   */
  updateAllocation(frameworkId: string, agentId: string, held: Resources, conversions: ReadonlyArray<{ consumed: Resources; converted: Resources }>): void;
  /**
   * Re-adds a registered agent with the usage the master now knows (after it reported tasks the
   * master did not have). The agent's offers must have been rescinded first.
   */
  resyncAgent(id: string, spec: AgentSpec, used: ReadonlyMap<string, Resources>): void;
  suppress(frameworkId: string, roles: readonly string[]): void;
  revive(frameworkId: string, roles: readonly string[]): void;

  updateWeights(weights: ReadonlyArray<{ role: string; weight: number }>): void;
  weights(): ReadonlyMap<string, number>;

  /** One allocation cycle over all agents, or only `agentIds`. */
  allocate(now: number, agentIds?: Iterable<string>): AllocationRun;
  whyNoOffer(frameworkId: string, agentId: string, now: number): Result<readonly WhyNoOffer[], string>;
  /** DRF dominant share per role, for metrics and GET_ROLES. */
  roleShares(): ReadonlyMap<string, number>;
  /** Sets (or, with empty guarantees and limits, clears) a top-level role's quota. */
  updateQuota(role: string, guarantees: ResourceQuantities, limits: ResourceLimits | undefined): { ok: true } | { ok: false; error: string };
}
