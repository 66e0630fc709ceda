/**
 * Plain-data views of the allocator: `snapshotOf` (what `fromSnapshot` needs to rebuild an
 * equivalent allocator) and `inspectState` (every derived number in canonical order, so two
 * allocators can be compared and the master can expose it for debugging).
 */
import type { Unavailability } from '@agora/protocol';
import { Resources, type ResourceLimits, type ResourceQuantities } from '@agora/resources';
import type { NameIndex, QVec } from './names.ts';
import type { AllocatorState } from './state.ts';
import type { AgentSpec, FrameworkSpec, QuotaSpec } from './types.ts';

export interface AgentSnapshot {
  readonly id: string;
  readonly spec?: AgentSpec;
  readonly total: Resources;
  /** Offered or allocated resources per framework id, carrying their allocation roles. */
  readonly allocated?: Readonly<Record<string, Resources>>;
  readonly activated?: boolean;
  readonly draining?: boolean;
  readonly unavailability?: Unavailability;
}

export interface FrameworkSnapshot {
  readonly id: string;
  readonly spec: FrameworkSpec;
  readonly active?: boolean;
  readonly suppressedRoles?: readonly string[];
}

export interface RoleSnapshot {
  readonly role: string;
  readonly weight?: number;
  readonly quota?: QuotaSpec;
}

export interface FilterSnapshot {
  readonly frameworkId: string;
  readonly role: string;
  readonly agentId: string;
  readonly refused: Resources;
  /** Expiry in ms (the allocator's clock). */
  readonly expiresAt: number;
}

export interface AllocatorSnapshot {
  readonly agents: readonly AgentSnapshot[];
  readonly frameworks: readonly FrameworkSnapshot[];
  readonly roles?: readonly RoleSnapshot[];
  readonly filters?: readonly FilterSnapshot[];
}

export function snapshotOf(s: AllocatorState): AllocatorSnapshot {
  const frameworks: FrameworkSnapshot[] = [];
  for (const fw of s.frameworks.values()) {
    const min: Record<string, readonly ResourceQuantities[]> = {};
    for (const [r, list] of fw.minAllocatable) min[r] = list;
    frameworks.push({
      id: fw.id,
      spec: { roles: [...fw.roles], capabilities: [...fw.capabilities] as FrameworkSpec['capabilities'], minAllocatableResources: min },
      active: fw.active,
      suppressedRoles: [...fw.suppressed],
    });
  }
  const agents: AgentSnapshot[] = [];
  for (const a of s.agents.values()) {
    const allocated: Record<string, Resources> = {};
    for (const c of a.allocated.keys()) allocated[c.framework.id] = (allocated[c.framework.id] ?? Resources.EMPTY).plus(s.holding(c, a));
    for (const [id, r] of a.pending) allocated[id] = (allocated[id] ?? Resources.EMPTY).plus(r);
    const spec: AgentSpec = {
      hostname: a.hostname, attributes: a.attributes, capabilities: [...a.capabilities] as AgentSpec['capabilities'],
      ...(a.domain !== undefined ? { domain: a.domain } : {}),
    };
    agents.push({
      id: a.id, spec, total: a.total, allocated, activated: a.activated, draining: a.draining,
      ...(a.unavailability !== undefined ? { unavailability: a.unavailability } : {}),
    });
  }
  const roles: RoleSnapshot[] = [];
  for (const r of s.roles.all()) {
    if (r.weight === 1 && !r.hasQuota()) continue;
    if (!r.hasQuota()) {
      roles.push({ role: r.path, weight: r.weight });
      continue;
    }
    const quota: { guarantees?: ResourceQuantities; limits?: ResourceLimits } = { guarantees: r.guarantees };
    if (r.limits !== undefined) quota.limits = r.limits;
    roles.push({ role: r.path, weight: r.weight, quota });
  }
  const filters: FilterSnapshot[] = [];
  for (const c of s.clients) {
    if (c === undefined) continue;
    for (const f of s.filters.ofClient(c)) {
      filters.push({ frameworkId: c.framework.id, role: c.role.path, agentId: f.agent.id, refused: f.refused.resources, expiresAt: f.expiresAt });
    }
  }
  return { agents, frameworks, roles, filters };
}

function record(v: QVec, names: NameIndex): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) out[names.names[i]!] = v[i]! / 1000;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function canon(r: Resources): string {
  return r.isEmpty() ? '' : r.toString().split('; ').sort().join('; ');
}

export interface AllocatorInspection {
  readonly totals: Record<string, number>;
  readonly free: Record<string, number>;
  readonly requiredHeadroom: Record<string, number>;
  readonly agents: readonly { id: string; total: string; available: string; allocated: Record<string, string> }[];
  readonly roles: readonly {
    role: string; weight: number; reserved: Record<string, number>; offeredReserved: Record<string, number>;
    offeredUnreserved: Record<string, number>; share: number | null; allocation: Record<string, number> | null; clients: string[];
  }[];
  readonly clients: readonly { framework: string; role: string; active: boolean; share: number; allocation: Record<string, number> }[];
  readonly filters: number;
}

export function inspectState(s: AllocatorState): AllocatorInspection {
  const names = s.names;
  const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const agents = [...s.agents.values()].map((a) => {
    const allocated: Record<string, string> = {};
    const keys = [...a.allocated.keys()].sort((x, y) => (`${x.framework.id}/${x.role.path}` < `${y.framework.id}/${y.role.path}` ? -1 : 1));
    for (const c of keys) allocated[`${c.framework.id} ${c.role.path}`] = canon(a.allocated.get(c)!);
    return { id: a.id, total: canon(a.total), available: canon(a.available), allocated };
  }).sort(byId);
  const roles = [...s.roles.all()].sort((a, b) => (a.path < b.path ? -1 : 1)).map((r) => {
    const inSorter = s.roleSorter.contains(r.id);
    return {
      role: r.path, weight: r.weight, reserved: record(r.reserved, names), offeredReserved: record(r.offeredReserved, names),
      offeredUnreserved: record(r.offeredUnreserved, names),
      share: inSorter ? s.roleSorter.share(r.id) : null,
      allocation: inSorter ? s.roleSorter.allocation(r.id).toRecord() : null,
      clients: [...r.clients].map((c) => c.framework.id).sort(),
    };
  });
  const clients = s.clients.flatMap((c) => (c === undefined ? [] : [{
    framework: c.framework.id, role: c.role.path, active: c.role.sorter!.isActive(c.id),
    share: c.role.sorter!.share(c.id), allocation: c.role.sorter!.allocation(c.id).toRecord(),
  }])).sort((a, b) => (`${a.framework} ${a.role}` < `${b.framework} ${b.role}` ? -1 : 1));
  return {
    totals: record(s.totals.vec, names), free: record(s.free, names), requiredHeadroom: record(s.roles.requiredHeadroom, names),
    agents, roles, clients, filters: s.filters.size,
  };
}
