/**
 * Dense quantity vectors. Hot-path accounting (DRF shares, role consumption, headroom) works on
 * plain number arrays indexed by a per-allocator resource-name index instead of maps, so adding
 * an allocation is a few array writes. Amounts are milli-units (integers), as in
 * @agora/resources, so sums and differences are exact.
 */
import { resourceNameId, resourceNames, ResourceQuantities } from '@agora/resources';

/**
 * Resource name → dense index: the process-wide ids of @agora/resources, so entries
 * (`entry.id.nameId`) and quantities (`q.ids`) map to vector slots without hashing.
 */
export class NameIndex {
  indexOf(name: string): number {
    return resourceNameId(name);
  }

  get names(): readonly string[] {
    return resourceNames();
  }

  get size(): number {
    return resourceNames().length;
  }
}

/** A dense vector of milli-units; indexes past the end read as 0. */
export type QVec = number[];

export function addInto(v: QVec, q: ResourceQuantities, _names: NameIndex, sign: 1 | -1 = 1): void {
  const ids = q.ids;
  for (let k = 0; k < ids.length; k++) {
    const i = ids[k]!;
    while (v.length <= i) v.push(0);
    v[i] = v[i]! + sign * q.milli[k]!;
  }
}

export function addVec(v: QVec, w: QVec, sign: 1 | -1 = 1): void {
  while (v.length < w.length) v.push(0);
  for (let i = 0; i < w.length; i++) v[i] = v[i]! + sign * w[i]!;
}

export function vecIsZero(v: QVec): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

export function vecOf(q: ResourceQuantities, names: NameIndex): QVec {
  const v: QVec = [];
  addInto(v, q, names);
  return v;
}

/** Back to ResourceQuantities (non-positive entries dropped). */
export function toQuantities(v: QVec, names: NameIndex): ResourceQuantities {
  const pairs: [string, number][] = [];
  for (let i = 0; i < v.length; i++) if (v[i]! > 0) pairs.push([names.names[i]!, v[i]!]);
  return ResourceQuantities.fromMilliPairs(pairs);
}

/**
 * Cluster-wide scalar totals shared by every sorter of an allocator. `version` changes with
 * every update, so sorters notice (and recompute shares) without being told one by one.
 */
export class ClusterTotals {
  readonly vec: QVec = [];
  version = 0;

  constructor(readonly names: NameIndex) {}

  add(q: ResourceQuantities): void {
    if (q.isEmpty()) return;
    addInto(this.vec, q, this.names, 1);
    this.version++;
  }

  subtract(q: ResourceQuantities): void {
    if (q.isEmpty()) return;
    addInto(this.vec, q, this.names, -1);
    this.version++;
  }

  quantities(): ResourceQuantities {
    return toQuantities(this.vec, this.names);
  }
}
