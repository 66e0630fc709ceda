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

/** Precondition: `addable(a, b)`. */
export function addEntry(a: Entry, b: Entry): Entry {
  if (a.id.shared) return { ...a, count: a.count + b.count };
  switch (a.id.type) {
    case 'SCALAR': return { ...a, scalar: a.scalar + b.scalar };
    case 'RANGES': return { ...a, ranges: addRanges(a.ranges, b.ranges) };
    default: return { ...a, items: addItems(a.items, b.items) };
  }
}

/** Precondition: `subtractable(a, b)`. Scalars clamp at zero; the caller drops empty results. */
export function subtractEntry(a: Entry, b: Entry): Entry {
  if (a.id.shared) return { ...a, count: a.count - b.count };
  switch (a.id.type) {
    case 'SCALAR': return { ...a, scalar: Math.max(0, a.scalar - b.scalar) };
    case 'RANGES': return { ...a, ranges: subtractRanges(a.ranges, b.ranges) };
    default: return { ...a, items: subtractItems(a.items, b.items) };
  }
}

export function withIdentity(e: Entry, id: Identity): Entry {
  return id === e.id ? e : { ...e, id };
}
