/**
 * The master's allocator: @agora/allocator's hierarchical DRF engine behind the master's port.
 * The engine reports disagreements (recovering resources a framework does not hold, unknown IDs)
 * as error values; here they are logged as bugs and never stop the master. The adapter also keeps
 * the role weights (for GET_WEIGHTS), times each cycle and owns the seeded RNG.
 */
import { performance } from 'node:perf_hooks';
import { Allocator, frameworkSpecFromInfo, seededRng, type AllocatorOptions, type Rng } from '@agora/allocator';
import type { Result } from '@agora/protocol';
import type { ResourceLimits, ResourceQuantities, Resources } from '@agora/resources';
import type { Logger } from '@agora/runtime';
import type { AgentSpec, AllocationRun, AllocatorPort, FrameworkSpec } from './port.ts';

export class AllocatorAdapter implements AllocatorPort {
  private readonly engine: Allocator;
  private readonly rng: Rng;
  private readonly weightTable = new Map<string, number>();

  constructor(options: AllocatorOptions, seed: number, private readonly log: Logger) {
    this.engine = new Allocator(options);
    this.rng = seededRng(seed);
  }

  private check(what: string, r: Result<unknown, string>): void {
    if (!r.ok) this.log.error({ what, error: r.error }, 'allocator rejected an update from the master (a bug)');
  }

  private spec(s: FrameworkSpec) {
    const spec = frameworkSpecFromInfo(s.info);
    if (!spec.ok) {
      this.log.error({ error: spec.error }, 'invalid framework spec');
      return { roles: [] as string[] };
    }
    return spec.value;
  }

  addFramework(id: string, s: FrameworkSpec, used: ReadonlyMap<string, Resources>): void {
    this.check('addFramework', this.engine.addFramework(id, this.spec(s), { active: s.active, suppressedRoles: s.suppressedRoles, used }));
  }
  updateFramework(id: string, s: FrameworkSpec): void {
    this.check('updateFramework', this.engine.updateFramework(id, this.spec(s), { suppressedRoles: s.suppressedRoles }));
  }
  removeFramework(id: string): void {
    this.check('removeFramework', this.engine.removeFramework(id));
  }
  activateFramework(id: string): void {
    this.check('activateFramework', this.engine.activateFramework(id));
  }
  deactivateFramework(id: string): void {
    this.check('deactivateFramework', this.engine.deactivateFramework(id));
  }

  addAgent(id: string, s: AgentSpec, used: ReadonlyMap<string, Resources>): void {
    const spec = {
      hostname: s.hostname,
      attributes: s.attributes,
      capabilities: s.capabilities.flatMap((c) => (c.type === undefined || c.type === 'UNKNOWN' ? [] : [c.type])),
      ...(s.domain ? { domain: s.domain } : {}),
    };
    this.check('addAgent', this.engine.addAgent(id, spec, s.total, { used, ...(s.unavailability ? { unavailability: s.unavailability } : {}) }));
  }
  updateAgentTotal(id: string, total: Resources): void {
    this.check('updateAgent', this.engine.updateAgent(id, { total }));
  }
  removeAgent(id: string): void {
    this.check('removeAgent', this.engine.removeAgent(id));
  }
  resyncAgent(id: string, spec: AgentSpec, used: ReadonlyMap<string, Resources>): void {
    this.removeAgent(id);
    this.addAgent(id, spec, used);
  }
  activateAgent(id: string): void {
    this.check('activateAgent', this.engine.activateAgent(id));
  }
  deactivateAgent(id: string): void {
    this.check('deactivateAgent', this.engine.deactivateAgent(id));
  }
  updateUnavailability(id: string, unavailability: Parameters<Allocator['updateUnavailability']>[1]): void {
    this.check('updateUnavailability', this.engine.updateUnavailability(id, unavailability));
  }
  updateInverseOffer(agentId: string, frameworkId: string, response: Parameters<Allocator['updateInverseOffer']>[2], now: number): void {
    this.check('updateInverseOffer', this.engine.updateInverseOffer(agentId, frameworkId, response, now));
  }
  inverseOfferStatuses() {
    return this.engine.inverseOfferStatuses();
  }

  recoverResources(frameworkId: string, agentId: string, resources: Resources, refuseSeconds: number | undefined, now: number): void {
    const filter = refuseSeconds === undefined ? undefined : { refuseSeconds };
    this.check('recoverResources', this.engine.recoverResources(frameworkId, agentId, resources, filter, now));
  }
  updateAllocation(frameworkId: string, agentId: string, held: Resources, conversions: ReadonlyArray<{ consumed: Resources; converted: Resources }>): void {
    this.check('updateAllocation', this.engine.updateAllocation(frameworkId, agentId, held, conversions));
  }
  suppress(frameworkId: string, roles: readonly string[]): void {
    this.check('suppressOffers', this.engine.suppressOffers(frameworkId, roles));
  }
  revive(frameworkId: string, roles: readonly string[]): void {
    this.check('reviveOffers', this.engine.reviveOffers(frameworkId, roles));
  }

  updateWeights(weights: ReadonlyArray<{ role: string; weight: number }>): void {
    const r = this.engine.updateWeights([...weights]);
    this.check('updateWeights', r);
    if (r.ok) for (const w of weights) this.weightTable.set(w.role, w.weight);
  }
  weights(): ReadonlyMap<string, number> {
    return this.weightTable;
  }
  updateQuota(role: string, guarantees: ResourceQuantities, limits: ResourceLimits | undefined) {
    const r = this.engine.updateQuota(role, limits === undefined ? { guarantees } : { guarantees, limits });
    return r.ok ? { ok: true as const } : { ok: false as const, error: r.error };
  }

  allocate(now: number, agentIds?: Iterable<string>): AllocationRun {
    const start = performance.now();
    const result = this.engine.allocate(agentIds === undefined ? { now, rng: this.rng } : { now, rng: this.rng, agentIds });
    return { offers: result.offers, inverseOffers: result.inverseOffers, durationMs: performance.now() - start };
  }
  whyNoOffer(frameworkId: string, agentId: string, now: number) {
    return this.engine.whyNoOffer(frameworkId, agentId, now);
  }
  roleShares(): ReadonlyMap<string, number> {
    return this.engine.roleShares();
  }
}
