/**
 * One allocation cycle (Mesos `__generateOffers` + `generateInverseOffers`):
 *
 *   candidates (activated, not draining; all agents or the given ones), shuffled
 *     → stage 1: for each agent, roles with unmet quota guarantees in DRF order, their
 *       frameworks in DRF order: offers that make progress towards the guarantee
 *     → re-shuffle → stage 2: for each agent, every role in DRF order, its frameworks in DRF
 *       order: everything allocatable to the role, within limits and headroom, unless a gate
 *       (capability, min-allocatable, filter) says no
 *     → inverse offers for agents under maintenance
 *
 * Offers are tracked as allocations immediately, so shares move during the cycle and the next
 * agent sees the new order. Reasons are counted per framework role in every cycle; the per-pair
 * list is built only with `explain`. An (agent, role) where every active framework was filtered
 * is remembered (keyed by generation counters) and skipped in O(1) next time if nothing changed.
 */
import type { Unavailability } from '@agora/protocol';
import { Flag, Resources } from '@agora/resources';
import { Evaluator, QUOTA_EXEMPT, SKIP } from './evaluate.ts';
import { EVAL_CLASSES, type AgentState, type Client, type OfferAcc } from './model.ts';
import {
  CODES, NUM_CODES, OFFER, R_EXHAUSTED, R_FILTERED, R_INACTIVE, R_QUOTA_LIMIT, R_RESERVED_OTHER, R_SUPPRESSED, R_UNAVAILABLE,
  reasonOf, type ReasonCode,
} from './reasons.ts';
import type { RoleState } from './role-tree.ts';
import { shuffle } from './rng.ts';
import type { AllocatorState } from './state.ts';
import type {
  AllocateParams, AllocationResult, FrameworkRoleOutcome, InverseOffer, Offer, PairOutcome,
} from './types.ts';

export function runCycle(s: AllocatorState, p: AllocateParams): AllocationResult {
  return new Cycle(s, p).run();
}

class Cycle {
  private readonly id: number;
  private readonly ev: Evaluator;
  private readonly accs: OfferAcc[] = [];
  private readonly pairs: PairOutcome[] | undefined;
  private readonly shared = new Map<AgentState, Resources>();
  private candidates: AgentState[] = [];
  private unavailable: AgentState[] = [];
  private quotaOffers = 0;
  private skipped = 0;
  private expired = 0;
  /** Explain mode: clients that got a verdict on the agent being visited. */
  private seen = new Set<Client>();
  /** Per evaluation class: the generation, pre-filter code and would-be offer (see `decide`). */
  private verdictGen = 0;
  private readonly vGen = new Int32Array(EVAL_CLASSES).fill(-1);
  private readonly vCode = new Int32Array(EVAL_CLASSES);
  private readonly vOffer: Resources[] = new Array<Resources>(EVAL_CLASSES).fill(Resources.EMPTY);

  constructor(private readonly s: AllocatorState, private readonly p: AllocateParams) {
    this.id = ++s.cycleSeq;
    this.ev = new Evaluator(s, p.explain === true);
    this.pairs = p.explain ? [] : undefined;
  }

  run(): AllocationResult {
    const s = this.s;
    this.expired = s.filters.expire(this.p.now);
    for (const c of s.clients) {
      if (c === undefined) continue;
      c.counts.fill(0);
      c.offers = 0;
    }
    for (const r of s.roles.all()) r.bulk.fill(0);
    this.selectCandidates();
    shuffle(this.candidates, this.p.rng);
    if (this.anyGuarantees()) this.stage1();
    shuffle(this.candidates, this.p.rng);
    this.stage2();
    const inverseOffers = this.inverseOffers();
    return this.result(inverseOffers);
  }

  private selectCandidates(): void {
    const s = this.s;
    const ids = this.p.agentIds;
    const pool: Iterable<AgentState> = ids === undefined ? s.agents.values() : this.lookup(ids);
    for (const a of pool) {
      if (a.activated && !a.draining) this.candidates.push(a);
      else this.unavailable.push(a);
    }
    if (this.pairs !== undefined) for (const a of this.unavailable) this.explainUnavailable(a);
  }

  private *lookup(ids: Iterable<string>): Iterable<AgentState> {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const a = this.s.agents.get(id);
      if (a !== undefined) yield a;
    }
  }

  private anyGuarantees(): boolean {
    for (const r of this.s.roles.quotaRoles) if (!r.guarantees.isEmpty()) return true;
    return false;
  }

  private visit(agent: AgentState): void {
    if (agent.cycleId !== this.id) {
      agent.cycleId = this.id;
      agent.cycleOffers = [];
    }
  }

  /** Resources on `agent` that `role` may be offered now (shared ones at most once per cycle). */
  private base(agent: AgentState, role: RoleState): Resources {
    const base = agent.available.allocatableTo(role.path);
    const offered = this.shared.get(agent);
    return offered !== undefined && base.has(Flag.SHARED) ? base.minus(offered) : base;
  }

  // ───────────────────────── stage 1: quota guarantees ─────────────────────────

  private stage1(): void {
    const s = this.s;
    for (const agent of this.candidates) {
      if (!s.roles.headroomActive()) return;
      if (agent.available.isEmpty()) continue;
      this.visit(agent);
      const order = s.roleSorter.sort(this.p.rng);
      for (let r = 0; r < order.length; r++) {
        if (agent.available.isEmpty()) break;
        const role = s.roles.byId[order[r]!]!;
        if (role.guarantees.isEmpty() || !this.unmet(role)) continue;
        let base = this.base(agent, role);
        if (base.isEmpty()) continue;
        role.sorter!.visit(this.p.rng, (id) => {
          if (!this.unmet(role)) return false;
          const client = s.clients[id]!;
          if (this.ev.evaluateGuarantee(client, agent, role, base) === SKIP) return true;
          this.offer(client, agent, role, this.ev.offer);
          this.quotaOffers++;
          base = this.base(agent, role);
          return !base.isEmpty();
        });
      }
    }
  }

  private unmet(role: RoleState): boolean {
    const c = role.contribution;
    for (let i = 0; i < c.length; i++) if (c[i]! > 0) return true;
    return false;
  }

  // ───────────────────────── stage 2: fair share ─────────────────────────

  private stage2(): void {
    const s = this.s;
    const explain = this.pairs !== undefined;
    for (const agent of this.candidates) {
      this.visit(agent);
      if (explain) this.seen.clear();
      if (!agent.available.isEmpty()) {
        const order = s.roleSorter.sort(this.p.rng);
        for (let r = 0; r < order.length; r++) {
          if (agent.available.isEmpty()) break;
          this.offerRole(agent, s.roles.byId[order[r]!]!, explain);
        }
      }
      if (explain) this.explainRest(agent);
    }
  }

  private offerRole(agent: AgentState, role: RoleState, explain: boolean): void {
    const s = this.s;
    if (!explain && this.skippable(agent, role)) {
      role.bulk[R_FILTERED]!++;
      this.skipped++;
      return;
    }
    let base = this.base(agent, role);
    if (base.isEmpty()) {
      if (!agent.available.isEmpty()) {
        role.bulk[R_RESERVED_OTHER]!++;
        if (explain) this.explainRole(agent, role, R_RESERVED_OTHER);
      }
      return;
    }
    const top = role.topLevel;
    if (top.limits !== undefined && role.overrides === 0 && (base.flags & QUOTA_EXEMPT) === 0 && this.ev.saturated(top)) {
      // Every active client would get QUOTA_LIMIT (see Evaluator.prefilter): count them in bulk.
      role.bulk[R_QUOTA_LIMIT]!++;
      if (explain) {
        this.ev.detail.limitRole = top.path;
        this.explainRole(agent, role, R_QUOTA_LIMIT);
      }
      return;
    }
    let onlyFiltered = true;
    let visited = 0;
    let emptied = false;
    this.verdictGen++;
    role.sorter!.visit(this.p.rng, (id) => {
      const client = s.clients[id]!;
      visited++;
      const code = this.decide(client, agent, role, base);
      if (code === OFFER) {
        this.offer(client, agent, role, this.ev.offer);
        onlyFiltered = false;
        base = this.base(agent, role);
        emptied = base.isEmpty();
        this.verdictGen++;
        return !emptied;
      }
      if (code !== R_FILTERED) onlyFiltered = false;
      this.note(client, agent, code);
      return true;
    });
    if (emptied) return;
    if (onlyFiltered && visited > 0 && role.topLevel.limits === undefined && !s.roles.headroomActive()) {
      agent.skip ??= new Map();
      agent.skip.set(role, { availGen: agent.availGen, filterGen: agent.filterGen, fwSetGen: role.fwSetGen, policyGen: s.policyGen });
    }
  }

  /**
   * The stage-2 verdict for a client, reusing the pre-filter verdict of its evaluation class on
   * this (agent, role) visit: per client only the offer-filter check remains. `verdictGen` is
   * bumped whenever the inputs change (a new agent or role, or an offer was just made).
   */
  private decide(client: Client, agent: AgentState, role: RoleState, base: Resources): number {
    const cls = client.evalClass;
    if (cls < 0 || this.pairs !== undefined) return this.ev.evaluate(client, agent, role, base);
    let code: number;
    if (this.vGen[cls] === this.verdictGen) {
      code = this.vCode[cls]!;
    } else {
      code = this.ev.prefilter(client, agent, role, base);
      this.vGen[cls] = this.verdictGen;
      this.vCode[cls] = code;
      if (code === OFFER) this.vOffer[cls] = this.ev.offer;
    }
    return code === OFFER ? this.ev.filter(client, agent, this.vOffer[cls]!) : code;
  }

  /** True when the last cycle found every active framework of `role` filtered here and nothing changed. */
  private skippable(agent: AgentState, role: RoleState): boolean {
    if (agent.skip === undefined || agent.filterCount === 0) return false;
    const e = agent.skip.get(role);
    if (e === undefined) return false;
    const s = this.s;
    return e.availGen === agent.availGen && e.filterGen === agent.filterGen && e.fwSetGen === role.fwSetGen &&
      e.policyGen === s.policyGen && role.topLevel.limits === undefined && !s.roles.headroomActive();
  }

  private offer(client: Client, agent: AgentState, role: RoleState, toOffer: Resources): void {
    this.s.addAllocation(client, agent, toOffer, true);
    if (toOffer.has(Flag.SHARED)) this.shared.set(agent, (this.shared.get(agent) ?? Resources.EMPTY).plus(toOffer.shared()));
    const accs = agent.cycleOffers;
    for (const acc of accs) {
      if (acc.client === client) {
        acc.resources = acc.resources.plus(toOffer);
        return;
      }
    }
    const acc: OfferAcc = { client, agent, resources: toOffer };
    accs.push(acc);
    this.accs.push(acc);
    client.offers++;
    if (this.pairs !== undefined) {
      this.seen.add(client);
      this.pairs.push({ frameworkId: client.framework.id, agentId: agent.id, role: role.path });
    }
  }

  /** Counts a reason, unless the client already got an offer from this agent in this cycle. */
  private note(client: Client, agent: AgentState, code: number): void {
    const accs = agent.cycleOffers;
    for (let i = 0; i < accs.length; i++) if (accs[i]!.client === client) return;
    client.counts[code]!++;
    if (this.pairs !== undefined) {
      this.seen.add(client);
      this.pairs.push({ frameworkId: client.framework.id, agentId: agent.id, role: client.role.path, reason: reasonOf(code, this.ev.detail) });
    }
  }

  // ───────────────────────── explain mode ─────────────────────────

  private static subscribed(c: Client): boolean {
    return c.framework.roles.has(c.role.path);
  }

  private staticReason(c: Client): number {
    if (!c.framework.active) return R_INACTIVE;
    if (c.framework.suppressed.has(c.role.path)) return R_SUPPRESSED;
    return -1;
  }

  private explainUnavailable(agent: AgentState): void {
    this.ev.detail.agentState = agent.draining && agent.activated ? 'DRAINING' : 'DEACTIVATED';
    for (const c of this.s.clients) {
      if (c === undefined || !Cycle.subscribed(c)) continue;
      const code = this.staticReason(c);
      this.pairs!.push({ frameworkId: c.framework.id, agentId: agent.id, role: c.role.path, reason: reasonOf(code < 0 ? R_UNAVAILABLE : code, this.ev.detail) });
    }
  }

  private explainRole(agent: AgentState, role: RoleState, code: number): void {
    for (const c of role.clients) {
      if (!Cycle.subscribed(c) || this.staticReason(c) >= 0 || this.seen.has(c)) continue;
      this.seen.add(c);
      this.pairs!.push({ frameworkId: c.framework.id, agentId: agent.id, role: role.path, reason: reasonOf(code, this.ev.detail) });
    }
  }

  /** Every subscribed client without a verdict on this agent: inactive, suppressed or not reached. */
  private explainRest(agent: AgentState): void {
    for (const c of this.s.clients) {
      if (c === undefined || !Cycle.subscribed(c) || this.seen.has(c)) continue;
      const code = this.staticReason(c);
      this.pairs!.push({ frameworkId: c.framework.id, agentId: agent.id, role: c.role.path, reason: reasonOf(code < 0 ? R_EXHAUSTED : code, this.ev.detail) });
    }
  }

  // ───────────────────────── maintenance ─────────────────────────

  private inverseOffers(): InverseOffer[] {
    const out: InverseOffer[] = [];
    const now = this.p.now;
    for (const agent of [...this.candidates, ...this.unavailable]) {
      const unavailability = agent.unavailability;
      if (unavailability === undefined) continue;
      for (const client of agent.allocated.keys()) {
        const fw = client.framework;
        if (!fw.active || agent.outstandingInverse.has(fw)) continue;
        const until = fw.inverseFilters.get(agent);
        if (until !== undefined && until > now) continue;
        agent.outstandingInverse.add(fw);
        out.push({ frameworkId: fw.id, agentId: agent.id, unavailability });
      }
    }
    return out;
  }

  // ───────────────────────── result ─────────────────────────

  private result(inverseOffers: InverseOffer[]): AllocationResult {
    const offers: Offer[] = this.accs.map((a) => new CycleOffer(a));
    const candidates = this.candidates.length;
    const unavailable = this.unavailable.length;
    const outcomes: FrameworkRoleOutcome[] = [];
    for (const fw of this.s.frameworks.values()) {
      for (const path of fw.roles) {
        const c = fw.clients.get(path);
        if (c === undefined) continue;
        const reasons: Partial<Record<ReasonCode, number>> = {};
        const fixed = this.staticReason(c);
        if (fixed >= 0) {
          if (candidates + unavailable > 0) reasons[CODES[fixed]!] = candidates + unavailable;
        } else {
          let explicit = 0;
          for (let code = 0; code < NUM_CODES; code++) {
            const n = c.counts[code]! + c.role.bulk[code]!;
            if (n > 0) reasons[CODES[code]!] = n;
            explicit += n;
          }
          if (unavailable > 0) reasons.AGENT_UNAVAILABLE = (reasons.AGENT_UNAVAILABLE ?? 0) + unavailable;
          const exhausted = candidates - c.offers - explicit;
          if (exhausted > 0) reasons.AGENT_EXHAUSTED = (reasons.AGENT_EXHAUSTED ?? 0) + exhausted;
        }
        outcomes.push({ frameworkId: fw.id, role: path, offers: c.offers, reasons });
      }
    }
    const result: { -readonly [K in keyof AllocationResult]: AllocationResult[K] } = {
      offers,
      inverseOffers,
      outcomes,
      stats: {
        candidates, unavailable, offers: offers.length, quotaOffers: this.quotaOffers,
        skippedFiltered: this.skipped, filtersExpired: this.expired,
      },
    };
    if (this.pairs !== undefined) result.explain = this.pairs;
    return result;
  }
}

/**
 * An offer of the cycle. The resources are given their allocation info (`allocate(role)`) the
 * first time they are read, outside the cycle's hot loop; `toJSON` gives the plain object.
 */
class CycleOffer implements Offer {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  readonly unavailability?: Unavailability;
  private readonly raw: Resources;
  private allocated: Resources | undefined;

  constructor(acc: OfferAcc) {
    this.frameworkId = acc.client.framework.id;
    this.agentId = acc.agent.id;
    this.role = acc.client.role.path;
    this.raw = acc.resources;
    if (acc.agent.unavailability !== undefined) this.unavailability = acc.agent.unavailability;
  }

  get resources(): Resources {
    return (this.allocated ??= this.raw.allocate(this.role));
  }

  toJSON(): Offer {
    const o: { -readonly [K in keyof Offer]: Offer[K] } = { frameworkId: this.frameworkId, agentId: this.agentId, role: this.role, resources: this.resources };
    if (this.unavailability !== undefined) o.unavailability = this.unavailability;
    return o;
  }
}
