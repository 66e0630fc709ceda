/**
 * Set values (`foo:{a,b}`) as sorted arrays of distinct strings, so equality, union, difference
 * and containment are merge passes. Duplicate items in an input are an error (Mesos rejects them).
 */

export type Items = readonly string[];

export const NO_ITEMS: Items = Object.freeze([]);

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function normalizeItems(items: readonly string[]): { items: string[] } | { error: string } {
  const sorted = [...items].sort(byCodeUnit);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) return { error: `duplicated set item '${sorted[i]}'` };
  }
  return { items: sorted };
}

export function addItems(a: Items, b: Items): Items {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

export function subtractItems(a: Items, b: Items): Items {
  if (a.length === 0 || b.length === 0) return a;
  const out: string[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) continue;
    out.push(x);
  }
  return out;
}

export function containsItems(a: Items, b: Items): boolean {
  if (b.length > a.length) return false;
  let i = 0;
  for (const y of b) {
    while (i < a.length && a[i]! < y) i++;
    if (i >= a.length || a[i] !== y) return false;
    i++;
  }
  return true;
}

export function itemsEqual(a: Items, b: Items): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Mesos's text form: `{a, b}`. */
export function formatItems(a: Items): string {
  return `{${a.join(', ')}}`;
}
