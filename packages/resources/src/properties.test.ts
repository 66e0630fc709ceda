import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { unwrap, type Resource } from '@agora/protocol';
import { Resources } from './resources.ts';
import { ResourceQuantities } from './quantities.ts';

// Reservation variants: unreserved, static, dynamic with a principal, a refinement.
const stacks: Resource['reservations'][] = [
  undefined,
  [{ type: 'STATIC', role: 'a' }],
  [{ type: 'DYNAMIC', role: 'a', principal: 'p' }],
  [{ type: 'DYNAMIC', role: 'a', principal: 'p' }, { type: 'DYNAMIC', role: 'a/b' }],
  [{ type: 'STATIC', role: 'c' }],
];

const milli = fc.integer({ min: 1, max: 5_000_000 });

/** One wire entry; `side` keeps range and set values of two generated values disjoint. */
const entry = (side: number): fc.Arbitrary<Resource> =>
  fc.record({
    kind: fc.constantFrom('cpus', 'mem', 'gpus', 'ports', 'foo'),
    stack: fc.constantFrom(...stacks),
    allocated: fc.option(fc.constantFrom('a', 'a/b', 'c'), { nil: undefined }),
    revocable: fc.boolean(),
    m: milli,
    lo: fc.integer({ min: 0, max: 400 }),
    len: fc.integer({ min: 0, max: 50 }),
    items: fc.uniqueArray(fc.constantFrom('x', 'y', 'z', 'w'), { minLength: 1 }),
  }).map((g) => {
    const base: Resource = { name: g.kind, type: 'SCALAR' };
    if (g.kind === 'ports') {
      const lo = side * 1000 + g.lo;
      base.type = 'RANGES';
      base.ranges = { range: [{ begin: lo, end: lo + g.len }] };
    } else if (g.kind === 'foo') {
      base.type = 'SET';
      base.set = { item: g.items.map((i) => `${side}${i}`) };
    } else base.scalar = { value: g.m / 1000 };
    if (g.stack !== undefined) base.reservations = g.stack;
    if (g.allocated !== undefined) base.allocation_info = { role: g.allocated };
    if (g.revocable && base.type === 'SCALAR') base.revocable = {};
    return base;
  });

// Within one value, range and set entries of the same identity must not overlap: build it by
// adding entries one at a time and skipping the ones that would overlap.
const resources = (side: number): fc.Arbitrary<Resources> =>
  fc.array(entry(side), { maxLength: 8 }).map((list) => {
    let acc = Resources.EMPTY;
    for (const e of list) {
      const one = unwrap(Resources.fromProto([e]));
      if (one.entries[0]!.id.type !== 'SCALAR' && acc.filter((x) => x.id === one.entries[0]!.id).size > 0) continue;
      acc = acc.plus(one);
    }
    return acc;
  });

const runs = { numRuns: 300 };

test('property: a + b − b == a (disjoint range/set values)', () => {
  fc.assert(fc.property(resources(0), resources(1), (a, b) => a.plus(b).minus(b).equals(a)), runs);
});

test('property: a ⊆ a + b, and plus is commutative', () => {
  fc.assert(fc.property(resources(0), resources(1), (a, b) => a.plus(b).contains(a) && a.plus(b).equals(b.plus(a))), runs);
});

test('property: contains / minus consistency', () => {
  fc.assert(fc.property(resources(0), resources(0), (a, b) => {
    const diff = a.minus(b);
    if (!a.contains(diff)) return false;
    if (a.contains(b)) return diff.plus(b).equals(a) && a.minus(a).isEmpty();
    return true;
  }), runs);
});

test('property: parse ∘ toString round-trips', () => {
  fc.assert(fc.property(resources(0), (a) => unwrap(Resources.parse(a.toString())).equals(a)), runs);
});

test('property: fromProto ∘ toProto round-trips in every expressible format', () => {
  fc.assert(fc.property(resources(0), (a) => {
    const formats = a.entries.some((e) => e.id.hasRefinedReservations)
      ? (['POST_REFINEMENT', 'ENDPOINT'] as const)
      : (['POST_REFINEMENT', 'PRE_REFINEMENT', 'ENDPOINT'] as const);
    return formats.every((f) => unwrap(Resources.fromProto(a.toProto(f))).equals(a));
  }), runs);
});

test('property: quantities are additive and exact', () => {
  fc.assert(fc.property(resources(0), resources(1), (a, b) => a.plus(b).quantities().equals(a.quantities().plus(b.quantities()))), runs);
});

test('property: fixed point is exact (sums of three-decimal values)', () => {
  fc.assert(fc.property(fc.array(milli, { minLength: 1, maxLength: 40 }), (ms) => {
    let acc = Resources.EMPTY;
    for (const m of ms) acc = acc.plus(unwrap(Resources.parse(`cpus:${m / 1000}`)));
    const total = ms.reduce((x, y) => x + y, 0);
    let back = acc;
    for (const m of ms) back = back.minus(unwrap(Resources.parse(`cpus:${m / 1000}`)));
    return acc.quantities().getMilli('cpus') === total && acc.scalar('cpus') === total / 1000 && back.isEmpty();
  }), runs);
  assert.equal(unwrap(ResourceQuantities.parse('cpus:0.1')).plus(unwrap(ResourceQuantities.parse('cpus:0.2'))).get('cpus'), 0.3);
});

test('property: equality ignores entry order', () => {
  fc.assert(fc.property(resources(0), fc.integer(), (a, seed) => {
    const shuffled = [...a.entries].sort((x, y) => ((x.id.key.length * 31 + seed) % 7) - ((y.id.key.length * 31 + seed) % 7));
    return Resources.fromEntries(shuffled).equals(a);
  }), runs);
});
