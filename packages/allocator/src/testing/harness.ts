/**
 * Test helpers (not exported by the package): terse constructors and a framework simulator
 * that accepts a fixed task shape out of each offer and declines the rest.
 */
import { unwrap, type Result } from '@agora/protocol';
import { ResourceQuantities, Resources } from '@agora/resources';
import type { Allocator } from '../allocator.ts';
import type { AllocationResult, Offer } from '../types.ts';

export const R = (text: string, role?: string): Resources => unwrap(Resources.parse(text, role));
export const Q = (text: string): ResourceQuantities => unwrap(ResourceQuantities.parse(text));

export function must<T>(r: Result<T, string>): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

export function offersOf(result: AllocationResult, frameworkId: string): Offer[] {
  return result.offers.filter((o) => o.frameworkId === frameworkId);
}

/** Sum of a framework's offered resources in a result (allocation info dropped). */
export function offeredTo(result: AllocationResult, frameworkId: string): Resources {
  return Resources.sum(offersOf(result, frameworkId).map((o) => o.resources.unallocate()));
}

/** Declines every offer of the result (with a filter when `refuseSeconds` is given). */
export function declineAll(a: Allocator, result: AllocationResult, now: number, refuseSeconds?: number): void {
  for (const o of result.offers) {
    must(a.recoverResources(o.frameworkId, o.agentId, o.resources, refuseSeconds === undefined ? undefined : { refuseSeconds }, now));
  }
}

/**
 * Frameworks that launch as many tasks of their shape as fit in each offer (at most `max`
 * tasks in total) and decline the rest without a filter. Returns tasks launched per framework.
 */
export function launchTasks(
  a: Allocator, result: AllocationResult, shapes: Readonly<Record<string, Resources>>, now: number,
  launched: Record<string, number>, max: Readonly<Record<string, number>> = {},
): void {
  for (const o of result.offers) {
    const shape = shapes[o.frameworkId];
    let left = o.resources.unallocate();
    if (shape !== undefined) {
      while (left.contains(shape) && (launched[o.frameworkId] ?? 0) < (max[o.frameworkId] ?? Infinity)) {
        left = left.minus(shape);
        launched[o.frameworkId] = (launched[o.frameworkId] ?? 0) + 1;
      }
    }
    if (!left.isEmpty()) must(a.recoverResources(o.frameworkId, o.agentId, left.allocate(o.role), { refuseSeconds: 0 }, now));
  }
}
