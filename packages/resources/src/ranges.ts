/**
 * Range values (`ports:[31000-32000, 33000-33999]`) as flat integer arrays `[b0, e0, b1, e1, …]`.
 * The normal form is sorted, with overlapping *and adjacent* ranges coalesced, so equality is
 * element-wise and containment is a single merge pass. Bounds are non-negative safe integers.
 */

export type Ranges = readonly number[];

export const NO_RANGES: Ranges = Object.freeze([]);

/**
 * Validates raw `[begin, end]` pairs and returns the normal form. Overlapping ranges within one
 * resource are an error (Mesos rejects them); adjacent ones are merged, which loses nothing.
 */
export function normalizeRanges(pairs: readonly (readonly [number, number])[]): { ranges: number[] } | { error: string } {
  for (const [b, e] of pairs) {
    if (!Number.isSafeInteger(b) || !Number.isSafeInteger(e) || b < 0 || e < 0) {
      return { error: `range bounds must be non-negative integers, got [${b}-${e}]` };
    }
    if (b > e) return { error: `begin > end in range [${b}-${e}]` };
  }
  const sorted = [...pairs].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: number[] = [];
  for (const [b, e] of sorted) {
    const n = out.length;
    if (n > 0) {
      const lastEnd = out[n - 1]!;
      if (b <= lastEnd) return { error: `overlapping ranges [${out[n - 2]}-${lastEnd}] and [${b}-${e}]` };
      if (b === lastEnd + 1) {
        out[n - 1] = e;
        continue;
      }
    }
    out.push(b, e);
  }
  return { ranges: out };
}

/** Union of two normal forms (overlaps are allowed here: adding a range already present is a no-op). */
export function addRanges(a: Ranges, b: Ranges): Ranges {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let lo: number;
    let hi: number;
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) {
      lo = a[i]!;
      hi = a[i + 1]!;
      i += 2;
    } else {
      lo = b[j]!;
      hi = b[j + 1]!;
      j += 2;
    }
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) {
      if (hi > out[n - 1]!) out[n - 1] = hi;
    } else {
      out.push(lo, hi);
    }
  }
  return out;
}

/** `a` minus `b`: what is in `a` and not in `b` (parts of `b` outside `a` are ignored). */
export function subtractRanges(a: Ranges, b: Ranges): Ranges {
  if (a.length === 0 || b.length === 0) return a;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let lo = a[i]!;
    const hi = a[i + 1]!;
    while (j < b.length && b[j + 1]! < lo) j += 2;
    let k = j;
    while (k < b.length && b[k]! <= hi && lo <= hi) {
      if (b[k]! > lo) out.push(lo, b[k]! - 1);
      lo = Math.max(lo, b[k + 1]! + 1);
      k += 2;
    }
    if (lo <= hi) out.push(lo, hi);
  }
  return out;
}

/** True when every range of `b` lies inside a range of `a` (both in normal form). */
export function containsRanges(a: Ranges, b: Ranges): boolean {
  let i = 0;
  for (let j = 0; j < b.length; j += 2) {
    const lo = b[j]!;
    const hi = b[j + 1]!;
    while (i < a.length && a[i + 1]! < lo) i += 2;
    if (i >= a.length || a[i]! > lo || a[i + 1]! < hi) return false;
  }
  return true;
}

export function rangesEqual(a: Ranges, b: Ranges): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Number of values covered (e.g. how many ports). */
export function countRanges(a: Ranges): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 2) n += a[i + 1]! - a[i]! + 1;
  return n;
}

/** Mesos's text form: `[31000-32000, 33000-33999]`. */
export function formatRanges(a: Ranges): string {
  const parts: string[] = [];
  for (let i = 0; i < a.length; i += 2) parts.push(`${a[i]}-${a[i + 1]}`);
  return `[${parts.join(', ')}]`;
}

/** The first `count` values of `a` (lowest first), for carving a fixed number of ports. */
export function takeRanges(a: Ranges, count: number): Ranges {
  const out: number[] = [];
  let left = count;
  for (let i = 0; i < a.length && left > 0; i += 2) {
    const lo = a[i]!;
    const hi = Math.min(a[i + 1]!, lo + left - 1);
    out.push(lo, hi);
    left -= hi - lo + 1;
  }
  return out;
}
