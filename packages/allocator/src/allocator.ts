/**
 * The Allocator: Mesos's HierarchicalDRF allocator as a pure decision engine. The master owns
 * it and drives it with the same calls Mesos's master makes (`allocator.hpp`); nothing here
 * does I/O, reads a clock or draws randomness: `now` and `rng` are arguments.
 *
 * Expected failures (unknown IDs, resources a framework does not hold, invalid roles) come back
 * as `Result` errors and leave the state unchanged. Updates are incremental: adding or removing
 * an agent, a framework or an allocation adjusts DRF shares and quota accounting in place.
 */
import { err, ok, type InverseOfferStatusValue, type Result, type Unavailability } from '@agora/protocol';
import { ResourceLimits, ResourceQuantities, Resources, roleProblem, UNRESERVED_ROLE, type Conversion } from '@agora/resources';
import { addAgent, removeAgent, updateAgent } from './agents.ts';
import { runCycle } from './cycle.ts';
import { addFramework, removeFramework, updateFramework } from './frameworks.ts';
import type { AgentState, Client } from './model.ts';
import { refuseMs, resolveOptions, type AllocatorOptions } from './options.ts';
import { AllocatorState } from './state.ts';
import { inspectState, snapshotOf, type AllocatorInspection, type AllocatorSnapshot } from './snapshot-io.ts';
import type {
  AddAgentOptions, AddFrameworkOptions, AgentSpec, AllocateParams, AllocationResult, FrameworkSpec, QuotaSpec, WhyNoOffer,
} from './types.ts';
import { whyNoOffer } from './why.ts';

/** A resource conversion (Mesos `ResourceConversion`), e.g. from `conversionsFor(operation)`. */
export type { Conversion };

export class Allocator {
  private readonly s: AllocatorState;

  constructor(options: AllocatorOptions = {}) {
    this.s = new AllocatorState(resolveOptions(options));
  }

  // ───────────────────────── frameworks ─────────────────────────

  addFramework(frameworkId: string, spec: FrameworkSpec, options: AddFrameworkOptions = {}): Result<void, string> {
    return addFramework(this.s, frameworkId, spec, options);
  }

  /** Roles, capabilities, offer filters or suppressed roles changed (UPDATE_FRAMEWORK, re-subscription). */
  updateFramework(frameworkId: string, spec: FrameworkSpec, options: { suppressedRoles?: readonly string[] } = {}): Result<void, string> {
    return updateFramework(this.s, frameworkId, spec, options);
  }

  /** The framework is gone: everything it held returns to the agents. */
  removeFramework(frameworkId: string): Result<void, string> {
    return removeFramework(this.s, frameworkId);
  }

  activateFramework(frameworkId: string): Result<void, string> {
    const fw = this.s.frameworks.get(frameworkId);
    if (fw === undefined) return err(`unknown framework ${frameworkId}`);
    fw.active = true;
    for (const c of fw.clients.values()) this.s.syncClient(c);
    return ok(undefined);
  }

  /** Deactivation also drops the framework's offer and inverse offer filters (as Mesos). */
  deactivateFramework(frameworkId: string): Result<void, string> {
    const fw = this.s.frameworks.get(frameworkId);
    if (fw === undefined) return err(`unknown framework ${frameworkId}`);
    fw.active = false;
    for (const c of fw.clients.values()) {
      this.s.syncClient(c);
      this.s.filters.removeClient(c);
    }
    fw.inverseFilters.clear();
    return ok(undefined);
  }

  /** SUPPRESS: no offers for these roles (all of the framework's roles when omitted). */
  suppressOffers(frameworkId: string, roles?: readonly string[]): Result<void, string> {
    const fw = this.s.frameworks.get(frameworkId);
    if (fw === undefined) return err(`unknown framework ${frameworkId}`);
    for (const role of roles ?? [...fw.roles]) {
      if (!fw.roles.has(role)) continue;
      fw.suppressed.add(role);
      this.s.syncClient(fw.clients.get(role)!);
    }
    return ok(undefined);
  }

  /** REVIVE: unsuppress these roles and clear their offer filters, and all inverse offer filters. */
  reviveOffers(frameworkId: string, roles?: readonly string[]): Result<void, string> {
    const fw = this.s.frameworks.get(frameworkId);
    if (fw === undefined) return err(`unknown framework ${frameworkId}`);
    fw.inverseFilters.clear();
    for (const role of roles ?? [...fw.roles]) {
      if (!fw.roles.has(role)) continue;
      fw.suppressed.delete(role);
      const client = fw.clients.get(role)!;
      this.s.filters.removeClient(client);
      this.s.syncClient(client);
    }
    return ok(undefined);
  }

  // ───────────────────────── agents ─────────────────────────

  addAgent(agentId: string, spec: AgentSpec, total: Resources, options: AddAgentOptions = {}): Result<void, string> {
    return addAgent(this.s, agentId, spec, total, options);
  }

  /**
   * Agent re-registration or update. Returns whether anything the allocation depends on changed
   * (the master then triggers an allocation for this agent). Changed attributes clear the filters
   * on the agent, since frameworks may have declined it because of them.
   */
  updateAgent(agentId: string, update: { spec?: AgentSpec; total?: Resources }): Result<boolean, string> {
    return updateAgent(this.s, agentId, update);
  }

  removeAgent(agentId: string): Result<void, string> {
    return removeAgent(this.s, agentId);
  }

  activateAgent(agentId: string): Result<void, string> {
    return this.withAgent(agentId, (a) => (a.activated = true));
  }

  deactivateAgent(agentId: string): Result<void, string> {
    return this.withAgent(agentId, (a) => (a.activated = false));
  }

  /** A draining agent gets no offers (Mesos deactivates it; the reason reported is DRAINING). */
  setAgentDraining(agentId: string, draining: boolean): Result<void, string> {
    return this.withAgent(agentId, (a) => (a.draining = draining));
  }

  /**
   * A new maintenance schedule for the agent: offers from it carry `unavailability`, frameworks
   * using it get inverse offers. Previous inverse offer state and filters for it are reset.
   */
  updateUnavailability(agentId: string, unavailability: Unavailability | undefined): Result<void, string> {
    return this.withAgent(agentId, (a) => {
      a.unavailability = unavailability;
      a.outstandingInverse.clear();
      a.inverseStatuses.clear();
      for (const fw of this.s.frameworks.values()) fw.inverseFilters.delete(a);
    });
  }

  /**
   * A framework answered (or the master rescinded) an inverse offer. With `refuseSeconds` the
   * framework gets no new inverse offer for the agent until then.
   */
  updateInverseOffer(
    agentId: string, frameworkId: string, response: { status?: InverseOfferStatusValue; refuseSeconds?: number }, now: number,
  ): Result<void, string> {
    const agent = this.s.agents.get(agentId);
    const fw = this.s.frameworks.get(frameworkId);
    if (agent === undefined) return err(`unknown agent ${agentId}`);
    if (fw === undefined) return err(`unknown framework ${frameworkId}`);
    if (agent.unavailability === undefined) return err(`agent ${agentId} has no maintenance scheduled`);
    if (agent.outstandingInverse.delete(fw) && response.status !== undefined && response.status !== 'UNKNOWN') {
      agent.inverseStatuses.set(frameworkId, { status: response.status, at: now });
    }
    if (response.refuseSeconds !== undefined) {
      const ms = refuseMs(response.refuseSeconds);
      if (ms > 0) fw.inverseFilters.set(agent, now + ms);
    }
    return ok(undefined);
  }

  /** The latest inverse offer answers, per agent under maintenance and framework. */
  inverseOfferStatuses(): Map<string, Map<string, { status: InverseOfferStatusValue; at: number }>> {
    const out = new Map<string, Map<string, { status: InverseOfferStatusValue; at: number }>>();
    for (const a of this.s.agents.values()) if (a.unavailability !== undefined) out.set(a.id, new Map(a.inverseStatuses));
    return out;
  }

  private withAgent(agentId: string, f: (a: AgentState) => void): Result<void, string> {
    const agent = this.s.agents.get(agentId);
    if (agent === undefined) return err(`unknown agent ${agentId}`);
    f(agent);
    return ok(undefined);
  }

  // ───────────────────────── resources ─────────────────────────

  /**
   * Offered or allocated resources come back (a decline, the unused part of an accepted offer, a
   * finished task, a rescinded offer). With `filter.refuseSeconds` (> 0) the framework's role
   * will not be offered these resources (or less) from this agent until `now` + max(refuse,
   * allocation interval). Unknown framework or agent: nothing to do (they were removed).
   */
  recoverResources(
    frameworkId: string, agentId: string, resources: Resources, filter: { refuseSeconds?: number } | undefined, now: number,
  ): Result<void, string> {
    const s = this.s;
    if (resources.isEmpty()) return ok(undefined);
    const agent = s.agents.get(agentId);
    const fw = s.frameworks.get(frameworkId);
    if (agent === undefined || fw === undefined) return ok(undefined);
    const role = resources.allocationRole();
    if (role === undefined) return err('recovered resources must carry exactly one allocation role');
    const client = fw.clients.get(role);
    const held = client === undefined ? undefined : agent.allocated.get(client);
    const returned = resources.unallocate();
    if (client === undefined || held === undefined || !held.contains(returned)) {
      return err(`framework ${frameworkId} does not hold ${resources.toString()} on agent ${agentId}`);
    }
    s.removeAllocation(client, agent, returned, true);
    if (filter !== undefined && fw.roles.has(role)) {
      const ms = refuseMs(filter.refuseSeconds);
      if (ms > 0) s.filters.add(client, agent, returned, now + Math.max(ms, s.options.allocationIntervalMs));
    }
    s.tryRemoveClient(client);
    return ok(undefined);
  }

  /**
   * Applies operations (RESERVE, UNRESERVE, CREATE, DESTROY…) to resources the framework holds
   * in an offer: its allocation and the agent's total change accordingly.
   */
  updateAllocation(frameworkId: string, agentId: string, offered: Resources, conversions: readonly Conversion[]): Result<void, string> {
    const s = this.s;
    const agent = s.agents.get(agentId);
    const fw = s.frameworks.get(frameworkId);
    if (agent === undefined) return err(`unknown agent ${agentId}`);
    if (fw === undefined) return err(`unknown framework ${frameworkId}`);
    const role = offered.allocationRole();
    if (role === undefined) return err('offered resources must carry exactly one allocation role');
    const client = fw.clients.get(role);
    const held = client === undefined ? undefined : agent.allocated.get(client);
    if (client === undefined || held === undefined || !held.contains(offered.unallocate())) {
      return err(`framework ${frameworkId} does not hold ${offered.toString()} on agent ${agentId}`);
    }
    const updated = offered.applyConversions(conversions);
    if (!updated.ok) return updated;
    const stripped = conversions
      .filter((c) => !c.consumed.isEmpty())
      .map((c) => ({ consumed: c.consumed.unallocate(), converted: c.converted.unallocate() }));
    const total = agent.total.applyConversions(stripped);
    if (!total.ok) return total;
    s.removeAllocation(client, agent, offered.unallocate(), false);
    // Converted resources keep their allocation role; any without one stay with the offer's role.
    const parts = updated.value.allocations();
    const bare = updated.value.filter((e) => e.id.allocationRole === undefined);
    if (!bare.isEmpty()) parts.set(role, (parts.get(role) ?? Resources.EMPTY).plus(bare.allocate(role)));
    for (const [r, part] of parts) s.addAllocation(s.ensureClient(fw, r), agent, part.unallocate(), false);
    s.setTotal(agent, total.value);
    s.tryRemoveClient(client);
    return ok(undefined);
  }

  /** Applies operations to an agent's unallocated resources (operator RESERVE/UNRESERVE, volumes). */
  updateAvailable(agentId: string, conversions: readonly Conversion[]): Result<void, string> {
    const s = this.s;
    const agent = s.agents.get(agentId);
    if (agent === undefined) return err(`unknown agent ${agentId}`);
    const available = agent.available.applyConversions(conversions);
    if (!available.ok) return available;
    const total = agent.total.applyConversions(conversions);
    if (!total.ok) return total;
    s.setTotal(agent, total.value);
    return ok(undefined);
  }

  // ───────────────────────── policy ─────────────────────────

  /** Role weights (default 1). Weight changes do not trigger a rebalance, as in Mesos. */
  updateWeights(weights: readonly { role: string; weight: number }[]): Result<void, string> {
    for (const { role, weight } of weights) {
      const problem = roleProblem(role);
      if (problem !== undefined) return err(problem);
      if (role === UNRESERVED_ROLE) return err('role "*" cannot have a weight');
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) return err(`weight of '${role}' must be a positive number`);
    }
    for (const { role, weight } of weights) {
      const r = this.s.roles.getOrCreate(role);
      r.weight = weight;
      this.s.roleSorter.updateWeight(role, weight);
      this.s.roles.tryRemove(r);
    }
    this.s.policyGen++;
    return ok(undefined);
  }

  /** Quota for a top-level role: guarantees (held as headroom) and limits (caps). */
  updateQuota(role: string, quota: QuotaSpec): Result<void, string> {
    const problem = roleProblem(role);
    if (problem !== undefined) return err(problem);
    if (role === UNRESERVED_ROLE) return err('role "*" cannot have quota');
    if (role.includes('/')) return err(`quota can only be set on top-level roles, not '${role}'`);
    const g = quota.guarantees ?? ResourceQuantities.EMPTY;
    let l: ResourceLimits | undefined;
    if (quota.limits instanceof ResourceQuantities) {
      const converted = ResourceLimits.from(quota.limits.toRecord());
      if (!converted.ok) return converted;
      l = converted.value;
    } else l = quota.limits;
    if (l !== undefined && l.isEmpty()) l = undefined;
    if (l !== undefined) {
      for (let k = 0; k < g.names.length; k++) {
        const name = g.names[k]!;
        if (l.has(name) && l.getMilli(name) < g.milli[k]!) return err(`guarantee of '${name}' exceeds its limit`);
      }
    }
    const r = this.s.roles.getOrCreate(role);
    this.s.roles.setQuota(r, g, l);
    this.s.roles.tryRemove(r);
    this.s.policyGen++;
    return ok(undefined);
  }

  // ───────────────────────── cycles and queries ─────────────────────────

  /** Runs one allocation cycle; offers are tracked as allocated until recovered. */
  allocate(params: AllocateParams): AllocationResult {
    return runCycle(this.s, params);
  }

  /**
   * Why the framework would get no offer from the agent now, per subscribed role (or what it
   * would be offered and its rank in the role's DRF order). Filters past `now` are expired first.
   */
  whyNoOffer(frameworkId: string, agentId: string, now: number): Result<WhyNoOffer[], string> {
    return whyNoOffer(this.s, frameworkId, agentId, now);
  }

  /** Free resources of an agent (total minus offered and allocated). */
  available(agentId: string): Resources | undefined {
    return this.s.agents.get(agentId)?.available;
  }

  /** What a framework holds (offered or allocated), per agent id. */
  allocation(frameworkId: string): Map<string, Resources> {
    const out = new Map<string, Resources>();
    const fw = this.s.frameworks.get(frameworkId);
    if (fw === undefined) return out;
    for (const c of fw.clients.values()) {
      for (const a of c.agents) out.set(a.id, (out.get(a.id) ?? Resources.EMPTY).plus(this.s.holding(c, a)));
    }
    return out;
  }

  /** Weighted dominant share of each role (metrics `allocator/mesos/roles/<r>/shares/dominant`). */
  roleShares(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.s.roles.all()) if (this.s.roleSorter.contains(r.id)) out.set(r.path, this.s.roleSorter.share(r.id));
    return out;
  }

  /** Plain data from which `Allocator.fromSnapshot` rebuilds an equivalent allocator. */
  snapshot(): AllocatorSnapshot {
    return snapshotOf(this.s);
  }

  /** A canonical view of all derived state (shares, quota accounting, availability) for checks and debugging. */
  inspect(): AllocatorInspection {
    return inspectState(this.s);
  }

  /** Installs an offer filter directly (snapshot restore). */
  addFilter(frameworkId: string, role: string, agentId: string, refused: Resources, expiresAt: number): Result<void, string> {
    const fw = this.s.frameworks.get(frameworkId);
    const agent = this.s.agents.get(agentId);
    const client: Client | undefined = fw?.clients.get(role);
    if (fw === undefined || agent === undefined || client === undefined) return err(`unknown framework role ${frameworkId}/${role} or agent ${agentId}`);
    this.s.filters.add(client, agent, refused.unallocate(), expiresAt);
    return ok(undefined);
  }
}
