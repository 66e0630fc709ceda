/**
 * One entry of a Resources value: an interned identity plus a value. Entries are immutable; the
 * functions here implement Mesos's per-entry rules (`addable`, `subtractable`, `contains`).
 */
import type { DiskInfo } from '@agora/protocol';
import type { Identity } from './identity.ts';
import { addItems, containsItems, itemsEqual, NO_ITEMS, subtractItems, type Items } from './sets.ts';
import { addRanges, containsRanges, NO_RANGES, rangesEqual, subtractRanges, type Ranges } from './ranges.ts';

export interface Entry {
  readonly id: Identity;
  /** Scalar value in milli-units (0 for ranges and sets). */
  readonly scalar: number;
  /** Range value in normal form (empty for other types). */
  readonly ranges: Ranges;
  /** Set value, sorted and distinct (empty for other types). */
  readonly items: Items;
  /** The full wire DiskInfo (keeps `volume` and the persistence principal for output). */
  readonly disk: DiskInfo | undefined;
  /** Copies held of a shared resource; always 1 for non-shared entries. */
  readonly count: number;
}

export function makeEntry(id: Identity, scalar: number, ranges: Ranges, items: Items, disk: DiskInfo | undefined, count = 1): Entry {
  return { id, scalar, ranges, items, disk, count };
}

export function scalarEntry(id: Identity, milli: number, disk?: DiskInfo): Entry {
  return { id, scalar: milli, ranges: NO_RANGES, items: NO_ITEMS, disk, count: 1 };
}

export function isEmptyEntry(e: Entry): boolean {
  if (e.count <= 0) return true;
  switch (e.id.type) {
    case 'SCALAR': return e.scalar <= 0;
    case 'RANGES': return e.ranges.length === 0;
    default: return e.items.length === 0;
  }
}

export function valueEqual(a: Entry, b: Entry): boolean {
  switch (a.id.type) {
    case 'SCALAR': return a.scalar === b.scalar;
    case 'RANGES': return rangesEqual(a.ranges, b.ranges);
    default: return itemsEqual(a.items, b.items);
  }
}

/** Same identity and value (shared copies compared separately by callers). */
export function entryEqual(a: Entry, b: Entry): boolean {
  return a.id === b.id && valueEqual(a, b);
}

/** Can `b` be merged into `a` as one entry? */
export function addable(a: Entry, b: Entry): boolean {
  if (a.id !== b.id) return false;
  if (a.id.shared) return valueEqual(a, b);
  return !a.id.unique;
}

/** Can `b` be taken out of `a` leaving one valid entry? */
export function subtractable(a: Entry, b: Entry): boolean {
  if (a.id !== b.id) return false;
  if (a.id.shared || a.id.unique) return valueEqual(a, b);
  return true;
}

export function entryContains(a: Entry, b: Entry): boolean {
  if (!subtractable(a, b)) return false;
  if (a.id.shared) return a.count >= b.count;
  switch (a.id.type) {
    case 'SCALAR': return b.scalar <= a.scalar;
    case 'RANGES': return containsRanges(a.ranges, b.ranges);
    default: return containsItems(a.items, b.items);
  }
}

// Entries are always built by `makeEntry` (never by object spread) so every entry has the same
// hidden class: property access on hot paths stays monomorphic.

/** Precondition: `addable(a, b)`. */
export function addEntry(a: Entry, b: Entry): Entry {
  if (a.id.shared) return makeEntry(a.id, a.scalar, a.ranges, a.items, a.disk, a.count + b.count);
  switch (a.id.type) {
    case 'SCALAR': return makeEntry(a.id, a.scalar + b.scalar, a.ranges, a.items, a.disk, a.count);
    case 'RANGES': return makeEntry(a.id, a.scalar, addRanges(a.ranges, b.ranges), a.items, a.disk, a.count);
    default: return makeEntry(a.id, a.scalar, a.ranges, addItems(a.items, b.items), a.disk, a.count);
  }
}

/** Precondition: `subtractable(a, b)`. Scalars clamp at zero; the caller drops empty results. */
export function subtractEntry(a: Entry, b: Entry): Entry {
  if (a.id.shared) return makeEntry(a.id, a.scalar, a.ranges, a.items, a.disk, a.count - b.count);
  switch (a.id.type) {
    case 'SCALAR': return makeEntry(a.id, Math.max(0, a.scalar - b.scalar), a.ranges, a.items, a.disk, a.count);
    case 'RANGES': return makeEntry(a.id, a.scalar, subtractRanges(a.ranges, b.ranges), a.items, a.disk, a.count);
    default: return makeEntry(a.id, a.scalar, a.ranges, subtractItems(a.items, b.items), a.disk, a.count);
  }
}

export function withIdentity(e: Entry, id: Identity): Entry {
  return id === e.id ? e : makeEntry(id, e.scalar, e.ranges, e.items, e.disk, e.count);
}

/** The same entry with another scalar value (milli-units). */
export function withScalar(e: Entry, milli: number): Entry {
  return makeEntry(e.id, milli, e.ranges, e.items, e.disk, e.count);
}
