/**
 * Hostile input for the HTTP fuzz tests (`*.fuzz.test.ts` across the daemons): values a careless or
 * hostile client sends where something else is expected, and edits of one place in a valid JSON
 * body. Edits are generated independently of the body they are applied to (a `place` number picks
 * one of its places), so fast-check can shrink them and print them in a counterexample; values too
 * big to print are stand-ins (`Deep`, `Long`) made real by `materialize`.
 *
 * Test support only: not exported from the package entry (fast-check is a dev dependency).
 * Test files import it by relative path.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Path = (string | number)[];

/** `depth` levels of `{"a": ...}` (or arrays), to find recursion without a limit. */
export function nested(depth: number, asArray: boolean): Json {
  let v: Json = 1;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

/**
 * Stand-ins for values too big to print in a counterexample: `materialize` turns them into the
 * real thing when a body is built.
 */
export class Deep {
  constructor(readonly depth: number, readonly asArray: boolean) {}
  toString(): string {
    return `<${this.depth} nested ${this.asArray ? 'arrays' : 'objects'}>`;
  }
}
export class Long {
  constructor(readonly length: number) {}
  toString(): string {
    return `<'x' × ${this.length}>`;
  }
}
export type Hostile = Json | Deep | Long;

export function materialize(v: Hostile): Json {
  if (v instanceof Deep) return nested(v.depth, v.asArray);
  if (v instanceof Long) return 'x'.repeat(v.length);
  return v;
}

/** Values a hostile or careless client sends where something else is expected. */
export const hostileValue: fc.Arbitrary<Hostile> = fc.oneof(
  fc.constantFrom<Json>(
    null, true, false, 0, -1, -0.5, 1e308, -1e308, 2 ** 53 + 1, 4294967296, 1e-320,
    '', ' ', 'NaN', 'Infinity', '-Infinity', '-1', '1e400', '0x1f', 'null', 'true', '{}', '[]',
    '../../etc/passwd', '/etc/passwd', '%2F..%2F', 'a/../../b', '\u0000', '\uD800', 'ü日本🙂\u202E', '*', '/', '//', '.', '..',
    [], {}, [null], [{}], { value: 1 }, { value: null }, { value: '' }, { value: '../x' },
  ),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.integer({ min: 1000, max: 20000 }).map((n) => new Long(n * 10)),
  fc.tuple(fc.integer({ min: 100, max: 2000 }), fc.boolean()).map(([d, a]) => new Deep(d, a)),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

/** Every place in `v` (containers included, the root excluded), down to 12 levels. */
export function pathsOf(v: Json, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (prefix.length >= 12) return out;
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...prefix, i], ...pathsOf(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push([...prefix, k], ...pathsOf(x, [...prefix, k]));
  return out;
}

export type Mutation = { at: Path; op: 'set'; value: Json } | { at: Path; op: 'delete' } | { at: Path; op: 'wrap' } | { at: Path; op: 'dup' } | { at: Path; op: 'add'; key: string; value: Json };

/** Same-type replacements, so a mutation gets past decoding into the semantics. */
const NUMBERS = [0, -1, -0.001, 1e-9, 0.5, 1e308, -1e308, 2 ** 53 + 1, 4294967297, 65535, 65536, 1e15, 123.456];
const STRINGS = ['', ' ', '*', '/', '.', '..', '../../etc/passwd', '/etc/passwd', 'ü日本🙂', '\u0000', 'NaN', '-1', 'web', 'a/b', 'eng/..', ' x ', '%2F', 'x'.repeat(3000)];
function tweak(v: Json, n: number): Json {
  if (typeof v === 'number') return NUMBERS[n % NUMBERS.length]!;
  if (typeof v === 'string') return STRINGS[n % STRINGS.length]!;
  if (typeof v === 'boolean') return !v;
  if (Array.isArray(v)) return n % 2 === 0 ? [] : [...v, ...v];
  return v;
}

/** A copy of `v` with one mutation applied (only the containers on the path are copied). */
export function mutate(v: Json, m: Mutation): Json {
  if (m.at.length === 0) return m.op === 'set' ? m.value : v;
  const copy = (x: Json): Json => (Array.isArray(x) ? [...x] : { ...(x as Record<string, Json>) });
  const root = copy(v);
  let parent = root as Record<string | number, Json>;
  for (const k of m.at.slice(0, -1)) {
    parent[k] = copy(parent[k]!);
    parent = parent[k] as Record<string | number, Json>;
  }
  const last = m.at.at(-1)!;
  if (m.op === 'set') parent[last] = m.value;
  else if (m.op === 'wrap') parent[last] = [parent[last]!];
  else if (m.op === 'dup') parent[last] = Array.isArray(parent[last]) ? [...(parent[last] as Json[]), ...(parent[last] as Json[])] : parent[last]!;
  else if (m.op === 'add') {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      const t = { ...target };
      Object.defineProperty(t, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      parent[last] = t;
    } else parent[last] = m.value;
  } else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return root;
}

/**
 * A mutation before it is aimed: `place` picks one of the places of whatever body it is applied
 * to (modulo their number), so one generated (and shrunk, and printed) value works for every
 * base body.
 */
export interface Edit { place: number; op: Mutation['op'] | 'tweak'; value: Hostile; key: string }

export const edits: fc.Arbitrary<Edit[]> = fc.array(
  fc.record({
    place: fc.nat(),
    op: fc.constantFrom<Edit['op']>('tweak', 'tweak', 'tweak', 'tweak', 'tweak', 'set', 'set', 'set', 'delete', 'delete', 'wrap', 'dup', 'add'),
    value: hostileValue,
    key: fc.constantFrom('__proto__', 'constructor', 'type', 'value', 'x'),
  }),
  { minLength: 1, maxLength: 3 },
);

/** Applies the edits one after the other; returns the body and the mutations as applied. */
export function applyEdits(base: Json, es: Edit[]): { body: Json; applied: Mutation[] } {
  let body = JSON.parse(JSON.stringify(base)) as Json; // no shared sub-objects: one edit changes one place
  const applied: Mutation[] = [];
  for (const e of es) {
    const places = pathsOf(body);
    if (places.length === 0) break;
    const at = places[e.place % places.length]!;
    const value = e.op === 'tweak' ? tweak(valueAt(body, at), Math.floor(e.place / 7919)) : materialize(e.value);
    const m: Mutation = e.op === 'set' || e.op === 'tweak' ? { at, op: 'set', value } : e.op === 'add' ? { at, op: 'add', key: e.key, value } : { at, op: e.op };
    body = mutate(body, m);
    applied.push(m);
  }
  return { body, applied };
}

function valueAt(v: Json, at: Path): Json {
  let cur = v;
  for (const k of at) cur = (cur as Record<string | number, Json>)[k]!;
  return cur;
}

/** `a.b[0].c` as the decoders print paths. */
export function printPath(at: Path): string {
  return at.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}
