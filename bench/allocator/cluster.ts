/** Cluster builders shared by the allocator benchmark scenarios. */
import type { Allocator} from '@agora/allocator';
import { type AllocationResult } from '@agora/allocator';
import { Resources } from '@agora/resources';

export function res(text: string): Resources {
  const r = Resources.parse(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

export function must<T>(r: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

export const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Recovers every offer of a cycle, without filters (returns the cluster to its previous state). */
export function recoverAll(a: Allocator, result: AllocationResult, now: number): void {
  for (const o of result.offers) must(a.recoverResources(o.frameworkId, o.agentId, o.resources, undefined, now));
}
