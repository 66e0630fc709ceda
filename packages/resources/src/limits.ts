/**
 * ResourceLimits: name → maximum amount (Mesos `ResourceLimits`, quota limits). Unlike
 * ResourceQuantities, a zero amount is kept and means "none allowed"; an absent name means
 * unlimited. Amounts are milli-units; names sorted, so lookups and printing are stable.
 */
import { err, ok, type Result } from '@agora/protocol';
import { formatMilli, MAX_SCALAR_UNITS, parseDecimal, toMilli } from './fixed.ts';
import { resourceNameId } from './names.ts';

export class ResourceLimits {
  static readonly NONE = new ResourceLimits([], []);
  private idsCache: number[] | undefined;

  private constructor(
    readonly names: readonly string[],
    readonly milli: readonly number[],
  ) {}

  /** From `{ cpus: 4, mem: 0 }` (units). Negative, non-finite or absurd values are errors. */
  static from(record: Readonly<Record<string, number>>): Result<ResourceLimits, string> {
    const names = Object.keys(record).sort();
    const milli: number[] = [];
    for (const name of names) {
      const v = record[name]!;
      if (name === '') return err('empty resource name in limits');
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_SCALAR_UNITS) return err(`limit of '${name}' must be a finite number >= 0`);
      milli.push(toMilli(v));
    }
    return ok(names.length === 0 ? ResourceLimits.NONE : new ResourceLimits(names, milli));
  }

  /** Parses `cpus:4;mem:0`; `{}` or empty text means no limits. */
  static parse(text: string): Result<ResourceLimits, string> {
    const record: Record<string, number> = {};
    for (const token of text.split(';')) {
      const t = token.trim();
      if (t === '' || t === '{}') continue;
      const parts = t.split(':');
      const value = parts.length === 2 ? parseDecimal(parts[1]!.trim()) : undefined;
      const name = parts[0]!.trim();
      if (name === '' || value === undefined) return err(`bad limit '${t}': expected name:value`);
      if (name in record) return err(`duplicate limit '${name}'`);
      record[name] = value;
    }
    return ResourceLimits.from(record);
  }

  /** `resourceNameId` of each name, parallel to `names`. */
  get ids(): readonly number[] {
    return (this.idsCache ??= this.names.map(resourceNameId));
  }

  isEmpty(): boolean {
    return this.names.length === 0;
  }

  has(name: string): boolean {
    return this.names.includes(name);
  }

  /** The limit of `name` in milli-units, or Infinity when unlimited. */
  getMilli(name: string): number {
    const i = this.names.indexOf(name);
    return i < 0 ? Infinity : this.milli[i]!;
  }

  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    this.names.forEach((n, i) => (out[n] = this.milli[i]! / 1000));
    return out;
  }

  toString(): string {
    return this.names.length === 0 ? '{}' : this.names.map((n, i) => `${n}:${formatMilli(this.milli[i]!)}`).join(';');
  }
}
