/**
 * ResourceQuantities: name → amount, scalars only (quota guarantees and limits, min-allocatable
 * resources, DRF totals). Amounts are milli-units like every scalar here. The representation is
 * two parallel arrays sorted by name, so every operation is a merge pass with no hashing.
 * Absent names are zero. Values are immutable; `minus` clamps at zero as Mesos does.
 */
import { err, ok, type Result } from '@agora/protocol';
import { formatMilli, MAX_SCALAR_UNITS, parseDecimal, toMilli } from './fixed.ts';
import { resourceNameId } from './names.ts';

export class ResourceQuantities {
  static readonly EMPTY = new ResourceQuantities([], []);

  private constructor(
    /** Resource names, sorted, distinct. */
    readonly names: readonly string[],
    /** Amounts in milli-units, parallel to `names`, all > 0. */
    readonly milli: readonly number[],
  ) {}

  /** Builds from sorted distinct names and positive milli amounts (trusted internal input). */
  static fromSortedMilli(names: readonly string[], milli: readonly number[]): ResourceQuantities {
    return names.length === 0 ? ResourceQuantities.EMPTY : new ResourceQuantities(names, milli);
  }

  /** Builds from `name → milli` pairs in any order; zero amounts are dropped, duplicates summed. */
  static fromMilliPairs(pairs: Iterable<readonly [string, number]>): ResourceQuantities {
    const acc = new Map<string, number>();
    for (const [n, v] of pairs) acc.set(n, (acc.get(n) ?? 0) + v);
    const names = [...acc.keys()].filter((n) => acc.get(n)! > 0).sort();
    return ResourceQuantities.fromSortedMilli(names, names.map((n) => acc.get(n)!));
  }

  /** From `{ cpus: 1.5, mem: 512 }` (units). Negative, non-finite or absurd values are errors. */
  static from(record: Readonly<Record<string, number>>): Result<ResourceQuantities, string> {
    const pairs: [string, number][] = [];
    for (const [name, value] of Object.entries(record)) {
      if (name === '') return err('empty resource name in quantities');
      if (typeof value !== 'number' || !Number.isFinite(value)) return err(`quantity of '${name}' must be a finite number`);
      if (value < 0) return err(`quantity of '${name}' must not be negative`);
      if (value > MAX_SCALAR_UNITS) return err(`quantity of '${name}' is too large`);
      pairs.push([name, toMilli(value)]);
    }
    return ok(ResourceQuantities.fromMilliPairs(pairs));
  }

  /** Parses `cpus:1;mem:32` (Mesos's quantity text, e.g. one `--min_allocatable_resources` alternative). */
  static parse(text: string): Result<ResourceQuantities, string> {
    const record: Record<string, number> = {};
    for (const token of text.split(';')) {
      const t = token.trim();
      if (t === '' || t === '{}') continue;
      const parts = t.split(':');
      if (parts.length !== 2) return err(`bad quantity '${t}': expected name:value`);
      const name = parts[0]!.trim();
      const value = parseDecimal(parts[1]!.trim());
      if (name === '' || value === undefined) return err(`bad quantity '${t}'`);
      if (name in record) return err(`duplicate quantity '${name}'`);
      record[name] = value;
    }
    return ResourceQuantities.from(record);
  }

  private idsCache: number[] | undefined;

  /** `resourceNameId` of each name, parallel to `names` (computed once per value). */
  get ids(): readonly number[] {
    return (this.idsCache ??= this.names.map(resourceNameId));
  }

  get size(): number {
    return this.names.length;
  }

  isEmpty(): boolean {
    return this.names.length === 0;
  }

  /** Amount of `name` in milli-units (0 when absent). */
  getMilli(name: string): number {
    const i = this.indexOf(name);
    return i < 0 ? 0 : this.milli[i]!;
  }

  /** Amount of `name` in units (0 when absent). */
  get(name: string): number {
    return this.getMilli(name) / 1000;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  private indexOf(name: string): number {
    const ns = this.names;
    for (let i = 0; i < ns.length; i++) if (ns[i] === name) return i;
    return -1;
  }

  plus(other: ResourceQuantities): ResourceQuantities {
    if (other.names.length === 0) return this;
    if (this.names.length === 0) return other;
    return this.merge(other, (a, b) => a + b);
  }

  /** Element-wise difference clamped at zero (names that reach zero disappear). */
  minus(other: ResourceQuantities): ResourceQuantities {
    if (other.names.length === 0 || this.names.length === 0) return this;
    return this.merge(other, (a, b) => Math.max(0, a - b));
  }

  /** Element-wise minimum (a name absent on either side is absent from the result). */
  min(other: ResourceQuantities): ResourceQuantities {
    return this.merge(other, (a, b) => Math.min(a, b));
  }

  /** True when every amount of `other` is at most the amount here. */
  contains(other: ResourceQuantities): boolean {
    let i = 0;
    const an = this.names;
    for (let j = 0; j < other.names.length; j++) {
      const name = other.names[j]!;
      while (i < an.length && an[i]! < name) i++;
      if (i >= an.length || an[i] !== name || this.milli[i]! < other.milli[j]!) return false;
    }
    return true;
  }

  equals(other: ResourceQuantities): boolean {
    if (this.names.length !== other.names.length) return false;
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] !== other.names[i] || this.milli[i] !== other.milli[i]) return false;
    }
    return true;
  }

  private merge(other: ResourceQuantities, f: (a: number, b: number) => number): ResourceQuantities {
    const names: string[] = [];
    const milli: number[] = [];
    const an = this.names;
    const bn = other.names;
    let i = 0;
    let j = 0;
    while (i < an.length || j < bn.length) {
      let name: string;
      let a = 0;
      let b = 0;
      if (j >= bn.length || (i < an.length && an[i]! < bn[j]!)) {
        name = an[i]!;
        a = this.milli[i++]!;
      } else if (i >= an.length || bn[j]! < an[i]!) {
        name = bn[j]!;
        b = other.milli[j++]!;
      } else {
        name = an[i]!;
        a = this.milli[i++]!;
        b = other.milli[j++]!;
      }
      const v = f(a, b);
      if (v > 0) {
        names.push(name);
        milli.push(v);
      }
    }
    return ResourceQuantities.fromSortedMilli(names, milli);
  }

  /** `{ cpus: 1.5, mem: 512 }` in units. */
  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.names.length; i++) out[this.names[i]!] = this.milli[i]! / 1000;
    return out;
  }

  /** `cpus:1.5;mem:512` (parseable by `ResourceQuantities.parse`); `{}` when empty. */
  toString(): string {
    if (this.names.length === 0) return '{}';
    return this.names.map((n, i) => `${n}:${formatMilli(this.milli[i]!)}`).join(';');
  }
}
