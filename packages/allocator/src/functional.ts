/**
 * The functional entry point for tests and tools: `allocate(snapshot, policy, { now, rng })`
 * builds an allocator from plain data and runs one cycle. `fromSnapshot` alone gives the
 * allocator (e.g. to compare with one that was built incrementally).
 */
import { ok, type Result } from '@agora/protocol';
import { Allocator } from './allocator.ts';
import type { AllocatorOptions } from './options.ts';
import type { AllocatorSnapshot } from './snapshot-io.ts';
import type { AllocateParams, AllocationResult } from './types.ts';

export function fromSnapshot(snapshot: AllocatorSnapshot, policy: AllocatorOptions = {}): Result<Allocator, string> {
  const a = new Allocator(policy);
  for (const r of snapshot.roles ?? []) {
    if (r.weight !== undefined && r.weight !== 1) {
      const w = a.updateWeights([{ role: r.role, weight: r.weight }]);
      if (!w.ok) return w;
    }
    if (r.quota !== undefined) {
      const q = a.updateQuota(r.role, r.quota);
      if (!q.ok) return q;
    }
  }
  for (const f of snapshot.frameworks) {
    const added = a.addFramework(f.id, f.spec, { active: f.active ?? true, suppressedRoles: f.suppressedRoles ?? [] });
    if (!added.ok) return added;
  }
  for (const ag of snapshot.agents) {
    const added = a.addAgent(ag.id, ag.spec ?? {}, ag.total, {
      used: ag.allocated ?? {}, activated: ag.activated ?? true, draining: ag.draining ?? false,
      ...(ag.unavailability !== undefined ? { unavailability: ag.unavailability } : {}),
    });
    if (!added.ok) return added;
  }
  for (const f of snapshot.filters ?? []) {
    const added = a.addFilter(f.frameworkId, f.role, f.agentId, f.refused, f.expiresAt);
    if (!added.ok) return added;
  }
  return ok(a);
}

export function allocate(snapshot: AllocatorSnapshot, policy: AllocatorOptions, params: AllocateParams): Result<AllocationResult, string> {
  const a = fromSnapshot(snapshot, policy);
  return a.ok ? ok(a.value.allocate(params)) : a;
}
