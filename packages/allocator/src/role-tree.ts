/**
 * The role tree (Mesos `RoleTree`): every role that has frameworks, reservations, a weight or a
 * quota, with its ancestors. Each node keeps subtree sums, maintained incrementally:
 *  - `reserved`: scalar reservations to the subtree on all agents (allocated or not);
 *  - `offeredReserved` / `offeredUnreserved`: offered-or-allocated reserved scalars, and
 *    unreserved non-revocable scalars.
 * Quota consumption of a role is `reserved + offeredUnreserved` (reservations always count,
 * offers count until recovered, as in Mesos's allocation loop). The tree also maintains the
 * cluster's required quota headroom, Σ over roles with guarantees of max(0, guarantee − consumed),
 * updated whenever a guaranteed role's consumption changes.
 */
import { ResourceQuantities, type ResourceLimits, type Resources } from '@agora/resources';
import type { Client } from './model.ts';
import { vecOf, type NameIndex, type QVec } from './names.ts';
import { NUM_CODES } from './reasons.ts';
import type { Sorter } from './sorter/sorter.ts';

export class RoleState {
  readonly children = new Set<RoleState>();
  readonly hierarchical: boolean;
  readonly topLevel: RoleState;
  weight = 1;
  guarantees: ResourceQuantities = ResourceQuantities.EMPTY;
  limits: ResourceLimits | undefined;
  /** Framework clients tracked under this role. */
  readonly clients = new Set<Client>();
  /** This role's framework sorter (exists while it has clients). */
  sorter: Sorter | undefined;
  reserved: QVec = [];
  offeredReserved: QVec = [];
  offeredUnreserved: QVec = [];
  /** This role's part of the required headroom (top-level roles with guarantees). */
  contribution: QVec = [];
  /** Bumped when the set of active clients or their allocation policy changes. */
  fwSetGen = 0;
  /** Clients with their own min-allocatable override (they are evaluated one by one). */
  overrides = 0;
  /** Bumped whenever this role's subtree consumption or quota changes (cache key). */
  consGen = 0;
  /** Cached `Evaluator.saturated` verdict and the `consGen` it was computed at. */
  saturated = false;
  satGen = -1;
  /** Per-cycle counters for outcomes decided for all of the role's active clients at once. */
  readonly bulk = new Int32Array(NUM_CODES);
  removed = false;

  constructor(readonly id: number, readonly path: string, readonly parent: RoleState | undefined) {
    this.hierarchical = path.includes('/');
    this.topLevel = parent === undefined ? this : parent.topLevel;
  }

  hasQuota(): boolean {
    return !this.guarantees.isEmpty() || this.limits !== undefined;
  }
}

function isZero(v: QVec): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

function bump(v: QVec, i: number, delta: number): void {
  while (v.length <= i) v.push(0);
  v[i] = v[i]! + delta;
}

export class RoleTree {
  private readonly byPath = new Map<string, RoleState>();
  readonly byId: (RoleState | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /** Σ max(0, guarantee − consumed) over roles with guarantees. */
  readonly requiredHeadroom: QVec = [];
  /** Roles with a guarantee or a limit. */
  readonly quotaRoles = new Set<RoleState>();

  constructor(private readonly names: NameIndex) {}

  get(path: string): RoleState | undefined {
    return this.byPath.get(path);
  }

  all(): IterableIterator<RoleState> {
    return this.byPath.values();
  }

  getOrCreate(path: string): RoleState {
    const found = this.byPath.get(path);
    if (found !== undefined) return found;
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? undefined : this.getOrCreate(path.slice(0, slash));
    const id = this.freeIds.pop() ?? this.byId.length;
    const role = new RoleState(id, path, parent);
    this.byId[id] = role;
    this.byPath.set(path, role);
    parent?.children.add(role);
    return role;
  }

  /** Drops `role` and then its ancestors while they hold nothing (no state to keep). */
  tryRemove(role: RoleState): void {
    for (let r: RoleState | undefined = role; r !== undefined; r = r.parent) {
      if (r.children.size > 0 || r.clients.size > 0 || r.sorter !== undefined || r.weight !== 1 || r.hasQuota()) return;
      if (!isZero(r.reserved) || !isZero(r.offeredReserved) || !isZero(r.offeredUnreserved)) return;
      this.byPath.delete(r.path);
      this.byId[r.id] = undefined;
      this.freeIds.push(r.id);
      r.parent?.children.delete(r);
      r.removed = true;
    }
  }

  /** Names with required headroom > 0 (kept by `updateContribution`, so the check is O(1)). */
  private requiredNames = 0;

  headroomActive(): boolean {
    return this.requiredNames > 0;
  }

  /** Quota consumption of `role`: its subtree's reservations plus offered/allocated unreserved non-revocable scalars. */
  consumed(role: RoleState, i: number): number {
    return (role.reserved[i] ?? 0) + (role.offeredUnreserved[i] ?? 0);
  }

  /** Adds (sign 1) or removes (-1) an agent's reserved scalars. */
  trackReservations(total: Resources, sign: 1 | -1): void {
    const tops = new Set<RoleState>();
    for (const e of total.entries) {
      if (!e.id.isScalar || e.id.reservationRole === undefined) continue;
      const i = e.id.nameId;
      const role = this.getOrCreate(e.id.reservationRole);
      for (let r: RoleState | undefined = role; r !== undefined; r = r.parent) {
        bump(r.reserved, i, sign * e.scalar);
        r.consGen++;
      }
      tops.add(role.topLevel);
      if (sign < 0) this.tryRemove(role);
    }
    for (const t of tops) this.updateContribution(t);
  }

  /** Adds or removes offered/allocated resources of one allocation role. */
  trackOffered(role: RoleState, resources: Resources, sign: 1 | -1): void {
    for (let r: RoleState | undefined = role; r !== undefined; r = r.parent) r.consGen++;
    for (const e of resources.entries) {
      if (!e.id.isScalar) continue;
      const i = e.id.nameId;
      const delta = sign * e.scalar;
      if (e.id.reservationRole !== undefined) {
        for (let r: RoleState | undefined = role; r !== undefined; r = r.parent) bump(r.offeredReserved, i, delta);
      } else if (!e.id.revocable) {
        for (let r: RoleState | undefined = role; r !== undefined; r = r.parent) bump(r.offeredUnreserved, i, delta);
      }
    }
    if (!role.topLevel.guarantees.isEmpty()) this.updateContribution(role.topLevel);
  }

  setQuota(role: RoleState, guarantees: ResourceQuantities, limits: ResourceLimits | undefined): void {
    role.guarantees = guarantees;
    role.limits = limits;
    role.consGen++;
    if (role.hasQuota()) this.quotaRoles.add(role);
    else this.quotaRoles.delete(role);
    this.updateContribution(role);
  }

  private updateContribution(top: RoleState): void {
    const old = top.contribution;
    const next: QVec = [];
    const g = top.guarantees;
    for (let k = 0; k < g.names.length; k++) {
      const i = g.ids[k]!;
      const missing = Math.max(0, g.milli[k]! - this.consumed(top, i));
      if (missing > 0) bump(next, i, missing);
    }
    const n = Math.max(old.length, next.length);
    for (let i = 0; i < n; i++) {
      const d = (next[i] ?? 0) - (old[i] ?? 0);
      if (d === 0) continue;
      const before = this.requiredHeadroom[i] ?? 0;
      bump(this.requiredHeadroom, i, d);
      const after = this.requiredHeadroom[i]!;
      if (before <= 0 && after > 0) this.requiredNames++;
      else if (before > 0 && after <= 0) this.requiredNames--;
    }
    top.contribution = next;
  }

  /** Guarantees as a vector (for stage 1). */
  guaranteeVec(role: RoleState): QVec {
    return vecOf(role.guarantees, this.names);
  }
}
