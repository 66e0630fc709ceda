/**
 * The decision for one (client, agent) pair: what would be offered, or why nothing. Shared by
 * the allocation cycle and `whyNoOffer`, so the answer to "why no offer?" is computed by the
 * same code that made the decision. Hot path: no allocation on the common route (capability
 * gates are bit tests, stripping and the min-allocatable test are memoised on the immutable
 * Resources object being checked, filters are an indexed lookup plus a memoised containment).
 */
import { Flag, Resources, withScalar, type Entry } from '@agora/resources';
import {
  CAP_GPU, CAP_MULTI_ROLE, CAP_REGION_AWARE, type AgentState, type Client, type FrameworkState,
} from './model.ts';
import {
  OFFER, R_BELOW_MIN, R_FILTERED, R_MISSING_CAPABILITY, R_QUOTA_HEADROOM, R_QUOTA_LIMIT, type ReasonDetail,
} from './reasons.ts';
import type { RoleState } from './role-tree.ts';
import type { AllocatorState } from './state.ts';

/** Stage 1 found nothing to do for this pair (not a reportable reason). */
export const SKIP = -2;

/** Resources that quota limits do not cap: with none of them, a saturated role gets nothing. */
export const QUOTA_EXEMPT = Flag.RESERVED | Flag.REVOCABLE | Flag.SHARED;

/** Per name index, the most that may be added (milli-units); undefined = no cap. */
type Caps = (number | undefined)[];

const STRIP_FLAGS = [0, Flag.REVOCABLE, Flag.SHARED, Flag.REVOCABLE | Flag.SHARED, Flag.REFINED,
  Flag.REVOCABLE | Flag.REFINED, Flag.SHARED | Flag.REFINED, Flag.REVOCABLE | Flag.SHARED | Flag.REFINED];

function isQuotaScalar(e: Entry): boolean {
  return e.id.isScalar && e.id.reservationRole === undefined && !e.id.revocable;
}

export class Evaluator {
  readonly detail: ReasonDetail = { until: 0, capability: '', side: 'FRAMEWORK', limitRole: '', agentState: 'DEACTIVATED' };
  /** What the last OFFER verdict offers (no allocation info yet). */
  offer: Resources = Resources.EMPTY;
  private stripBase: Resources | null = null;
  private readonly stripped: (Resources | undefined)[] = new Array<Resources | undefined>(8).fill(undefined);
  private allocKey: Resources | null = null;
  private allocVal = false;

  /** Fill `detail` completely (explain mode, whyNoOffer); the cycle's counters do not need it. */
  constructor(private readonly s: AllocatorState, private readonly detailed = true) {}

  /** Capability gates that depend only on the framework, the agent and the role. */
  gate(fw: FrameworkState, agent: AgentState, role: RoleState): number {
    const d = this.detail;
    if (agent.hasGpu && (fw.caps & CAP_GPU) === 0 && this.s.options.filterGpuResources) {
      d.capability = 'GPU_RESOURCES';
      d.side = 'FRAMEWORK';
      return R_MISSING_CAPABILITY;
    }
    if (agent.remote && (fw.caps & CAP_REGION_AWARE) === 0) {
      d.capability = 'REGION_AWARE';
      d.side = 'FRAMEWORK';
      return R_MISSING_CAPABILITY;
    }
    if ((fw.caps & CAP_MULTI_ROLE) !== 0 && !agent.multiRole) {
      d.capability = 'MULTI_ROLE';
      d.side = 'AGENT';
      return R_MISSING_CAPABILITY;
    }
    if (role.hierarchical && !agent.hierarchicalRole) {
      d.capability = 'HIERARCHICAL_ROLE';
      d.side = 'AGENT';
      return R_MISSING_CAPABILITY;
    }
    return OFFER;
  }

  /** `base` without what the framework cannot receive (revocable, shared, refined reservations). */
  strip(base: Resources, cls: number): Resources {
    if ((base.flags & STRIP_FLAGS[cls]!) === 0) return base;
    if (base !== this.stripBase) {
      this.stripBase = base;
      this.stripped.fill(undefined);
    }
    let r = this.stripped[cls];
    if (r === undefined) {
      r = base.filter((e) => !((cls & 1 && e.id.revocable) || (cls & 2 && e.id.shared) || (cls & 4 && e.id.hasRefinedReservations)));
      this.stripped[cls] = r;
    }
    return r;
  }

  private strippedCapability(base: Resources, cls: number): string {
    if (cls & 1 && base.has(Flag.REVOCABLE)) return 'REVOCABLE_RESOURCES';
    if (cls & 2 && base.has(Flag.SHARED)) return 'SHARED_RESOURCES';
    return 'RESERVATION_REFINEMENT';
  }

  /** Contains at least one min-allocatable alternative (the client's override or the master's). */
  allocatable(r: Resources, client: Client): boolean {
    if (r.entries.length === 0) return false;
    const own = client.minAlloc;
    const mins = own ?? this.s.options.minAllocatable;
    if (mins.length === 0) return true;
    if (own === undefined && r === this.allocKey) return this.allocVal;
    let ok = false;
    for (let i = 0; i < mins.length && !ok; i++) ok = r.containsQuantities(mins[i]!);
    if (own === undefined) {
      this.allocKey = r;
      this.allocVal = ok;
    }
    return ok;
  }

  // ───────────────────────── quota ─────────────────────────

  /**
   * True when the top-level role's limit leaves, for every master min-allocatable alternative,
   * less of some name than the alternative needs — a name only scalars carry. Then no offer
   * built from unreserved, non-revocable, non-shared resources can be allocatable to the role
   * or its subroles (for clients using the master's min-allocatable). Cached per consumption change.
   */
  saturated(top: RoleState): boolean {
    if (top.satGen === top.consGen) return top.saturated;
    const l = top.limits;
    const mins = this.s.options.minAllocatable;
    let saturated = l !== undefined && mins.length > 0;
    for (let a = 0; a < mins.length && saturated; a++) {
      const q = mins[a]!;
      let blocked = false;
      for (let k = 0; k < q.names.length && !blocked; k++) {
        const id = q.ids[k]!;
        if (this.s.nonScalarNames.has(id) || !l!.has(q.names[k]!)) continue;
        blocked = l!.getMilli(q.names[k]!) - this.s.roles.consumed(top, id) < q.milli[k]!;
      }
      saturated = blocked;
    }
    top.saturated = saturated;
    top.satGen = top.consGen;
    return saturated;
  }

  /** What the role's (top-level) limit still allows, per name. */
  private limitCaps(top: RoleState, extra?: Resources): Caps {
    const caps: Caps = [];
    const l = top.limits!;
    for (let k = 0; k < l.names.length; k++) {
      const i = l.ids[k]!;
      let left = l.milli[k]! - this.s.roles.consumed(top, i);
      if (extra !== undefined) for (const e of extra.entries) if (e.id.isScalar && e.id.nameId === i) left -= e.scalar;
      caps[i] = Math.max(0, left);
    }
    return caps;
  }

  /** Free headroom beyond what unmet guarantees require, for the names some guarantee needs. */
  private headroomCaps(): Caps {
    const caps: Caps = [];
    const req = this.s.roles.requiredHeadroom;
    const free = this.s.free;
    for (let i = 0; i < req.length; i++) if (req[i]! > 0) caps[i] = Math.max(0, (free[i] ?? 0) - req[i]!);
    return caps;
  }

  private static minCaps(a: Caps | undefined, b: Caps | undefined): Caps {
    if (a === undefined) return b ?? [];
    if (b === undefined) return a;
    const out: Caps = [];
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a[i];
      const y = b[i];
      out[i] = x === undefined ? y : y === undefined ? x : Math.min(x, y);
    }
    return out;
  }

  /**
   * Shrinks quota-relevant scalars (unreserved, non-revocable) to `caps`; other entries pass.
   * Names without a cap are kept, or dropped with `dropUncapped`. Indivisible disks go whole or not at all.
   */
  private capQuota(r: Resources, caps: Caps, dropUncapped = false): Resources {
    const used: number[] = [];
    const out: Entry[] = [];
    let changed = false;
    for (const e of r.entries) {
      if (!isQuotaScalar(e)) {
        out.push(e);
        continue;
      }
      const i = e.id.nameId;
      const cap = caps[i];
      if (cap === undefined) {
        if (dropUncapped) changed = true;
        else out.push(e);
        continue;
      }
      const left = cap - (used[i] ?? 0);
      if (e.scalar <= left) {
        out.push(e);
        used[i] = (used[i] ?? 0) + e.scalar;
        continue;
      }
      changed = true;
      if (left <= 0 || e.id.unique || e.id.shared) continue;
      out.push(withScalar(e, left));
      used[i] = (used[i] ?? 0) + left;
    }
    return changed ? Resources.trusted(out) : r;
  }

  // ───────────────────────── verdicts ─────────────────────────

  /**
   * Stage 2 (fair share): offer everything allocatable to the role that the framework can
   * receive, with unreserved scalars capped by the role's quota limit and kept clear of the
   * headroom other roles' unmet guarantees need.
   */
  evaluate(client: Client, agent: AgentState, role: RoleState, base: Resources): number {
    const code = this.prefilter(client, agent, role, base);
    if (code !== OFFER) return code;
    return this.filter(client, agent, this.offer);
  }

  /** The offer-filter check of a stage-2 verdict (`offer` is what would be offered). */
  filter(client: Client, agent: AgentState, offer: Resources): number {
    if (agent.filterCount > 0 && this.s.filters.filters(client, agent, offer)) {
      // The expiry is only looked up when a reason object will be built.
      if (this.detailed) this.detail.until = this.s.filters.matching(client, agent, offer)!.expiresAt;
      return R_FILTERED;
    }
    this.offer = offer;
    return OFFER;
  }

  /**
   * Every stage-2 check except offer filters. Its verdict depends on the client only through
   * `client.evalClass` (capability bits, strip class, no min-allocatable override), which is
   * what lets the cycle reuse it for all clients of the same class on one agent.
   */
  prefilter(client: Client, agent: AgentState, role: RoleState, base: Resources): number {
    const top = role.topLevel;
    // Role-level first: a role at its limit gets nothing from unreserved resources anywhere.
    if (top.limits !== undefined && client.minAlloc === undefined && (base.flags & QUOTA_EXEMPT) === 0 && this.saturated(top)) {
      this.detail.limitRole = top.path;
      return R_QUOTA_LIMIT;
    }
    const fw = client.framework;
    const gate = this.gate(fw, agent, role);
    if (gate !== OFFER) return gate;
    const stripped = this.strip(base, fw.strip);
    if (!this.allocatable(stripped, client)) {
      if (stripped !== base && this.allocatable(base, client)) {
        this.detail.capability = this.strippedCapability(base, fw.strip);
        this.detail.side = 'FRAMEWORK';
        return R_MISSING_CAPABILITY;
      }
      return R_BELOW_MIN;
    }
    let toOffer = stripped;
    const limited = top.limits !== undefined;
    const headroom = this.s.roles.headroomActive();
    if (limited || headroom) {
      const lcaps = limited ? this.limitCaps(top) : undefined;
      const hcaps = headroom ? this.headroomCaps() : undefined;
      toOffer = this.capQuota(stripped, Evaluator.minCaps(lcaps, hcaps));
      if (!this.allocatable(toOffer, client)) {
        if (lcaps !== undefined && !this.allocatable(this.capQuota(stripped, lcaps), client)) {
          this.detail.limitRole = top.path;
          return R_QUOTA_LIMIT;
        }
        return R_QUOTA_HEADROOM;
      }
    }
    this.offer = toOffer;
    return OFFER;
  }

  /**
   * Stage 1 (quota guarantees, Mesos's first stage): unreserved scalars up to the role's unmet
   * guarantee, plus its own reservations, non-scalars and revocable resources, plus more
   * scalars up to its limit and within surplus headroom. SKIP when it makes no progress.
   */
  evaluateGuarantee(client: Client, agent: AgentState, role: RoleState, base: Resources): number {
    const fw = client.framework;
    if (this.gate(fw, agent, role) !== OFFER) return SKIP;
    const stripped = this.strip(base, fw.strip);
    if (!this.allocatable(stripped, client)) return SKIP;
    const unmet: Caps = [];
    const g = role.guarantees;
    for (let k = 0; k < g.names.length; k++) {
      const i = g.ids[k]!;
      unmet[i] = Math.max(0, g.milli[k]! - this.s.roles.consumed(role, i));
    }
    const quotaRes = stripped.filter(isQuotaScalar);
    const guaranteed = this.capQuota(quotaRes, unmet, true);
    if (guaranteed.isEmpty()) return SKIP;
    const rest = stripped.filter((e) => e.id.reservationRole === role.path || !e.id.isScalar || e.id.revocable);
    let additional = quotaRes.minus(guaranteed);
    if (role.limits !== undefined) additional = this.capQuota(additional, this.limitCaps(role, guaranteed));
    if (this.s.roles.headroomActive() && !additional.isEmpty()) additional = this.capQuota(additional, this.headroomCaps());
    const toOffer = guaranteed.plus(rest).plus(additional);
    if (!this.allocatable(toOffer, client)) return SKIP;
    if (agent.filterCount > 0 && this.s.filters.filters(client, agent, toOffer)) return SKIP;
    this.offer = toOffer;
    return OFFER;
  }
}
