/**
 * A small typed reader over parsed JSON that records shape errors with play-json's codes and
 * Marathon's path syntax instead of throwing. Explicit `null` reads as absent (clients send it
 * for unset fields). Every reader returns `undefined` on a mismatch and records why, so one pass
 * reports every shape error of a body.
 */
import type { Issue } from './errors.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { readonly [key: string]: unknown };

export const E = {
  string: 'error.expected.jsstring',
  number: 'error.expected.jsnumber',
  int: 'error.expected.int',
  long: 'error.expected.long',
  boolean: 'error.expected.jsboolean',
  array: 'error.expected.jsarray',
  object: 'error.expected.jsobject',
  missing: 'error.path.missing',
  enumLiteral: 'error.unknown.enum.literal',
  date: 'error.expected.date.isoformat',
} as const;

export const at = (path: string, key: string): string => (path === '/' ? `/${key}` : `${path}/${key}`);
export const idx = (path: string, i: number): string => `${path === '/' ? '' : path}(${i})`;

export class Reader {
  readonly issues: Issue[] = [];

  fail(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  get ok(): boolean {
    return this.issues.length === 0;
  }

  object(v: unknown, path: string): JsonObject | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) return this.fail(path, E.object);
    return v as JsonObject;
  }

  string(v: unknown, path: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : this.fail(path, E.string);
  }

  number(v: unknown, path: string): number | undefined {
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail(path, E.number);
  }

  /** A JSON number that is a 32-bit integer (play's `Int` reads). */
  int(v: unknown, path: string): number | undefined {
    const n = this.number(v, path);
    if (n === undefined) return undefined;
    return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 ? n : this.fail(path, E.int);
  }

  /** A JSON number that is a safe integer (play's `Long` reads). */
  long(v: unknown, path: string): number | undefined {
    const n = this.number(v, path);
    if (n === undefined) return undefined;
    return Number.isSafeInteger(n) ? n : this.fail(path, E.long);
  }

  boolean(v: unknown, path: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    return typeof v === 'boolean' ? v : this.fail(path, E.boolean);
  }

  enumOf<T extends string>(v: unknown, path: string, values: readonly T[]): T | undefined {
    const s = this.string(v, path);
    if (s === undefined) return undefined;
    return (values as readonly string[]).includes(s) ? (s as T) : this.fail(path, E.enumLiteral);
  }

  /** An array whose items are read with `item`; items that fail are dropped (and recorded). */
  array<T>(v: unknown, path: string, item: (x: unknown, p: string) => T | undefined): T[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return this.fail(path, E.array);
    const out: T[] = [];
    v.forEach((x, i) => {
      const p = idx(path, i);
      if (x === null) {
        this.fail(p, E.missing);
        return;
      }
      const r = item(x, p);
      if (r !== undefined) out.push(r);
    });
    return out;
  }

  /** An object used as a map; values read with `value`. */
  map<T>(v: unknown, path: string, value: (x: unknown, p: string) => T | undefined): Record<string, T> | undefined {
    const o = this.object(v, path);
    if (o === undefined) return undefined;
    const out: Record<string, T> = {};
    for (const [k, x] of Object.entries(o)) {
      if (x === null) continue;
      const r = value(x, at(path, k));
      if (r !== undefined) out[k] = r;
    }
    return out;
  }

  required<T>(v: T | undefined, raw: unknown, path: string): T | undefined {
    if (raw === undefined || raw === null) return this.fail(path, E.missing);
    return v;
  }

  /** An ISO-8601 timestamp; returns it normalized to `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  timestamp(v: unknown, path: string): string | undefined {
    const s = this.string(v, path);
    if (s === undefined) return undefined;
    const ms = parseTimestamp(s);
    return ms === undefined ? this.fail(path, E.date) : new Date(ms).toISOString();
  }
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Milliseconds since the epoch of an ISO-8601 timestamp with a zone, or undefined. */
export function parseTimestamp(text: string): number | undefined {
  if (!ISO.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}
