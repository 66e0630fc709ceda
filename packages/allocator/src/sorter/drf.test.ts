import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { unwrap } from '@agora/protocol';
import { ResourceQuantities } from '@agora/resources';
import { ClusterTotals, NameIndex } from '../names.ts';
import { DrfSorter } from './drf.ts';
import { sorterConformance } from './sorter.conformance.ts';

sorterConformance('drf', (ctx) => new DrfSorter(ctx));

const Q = (text: string): ResourceQuantities => unwrap(ResourceQuantities.parse(text));

function drf(total: string, opts: { hierarchical?: boolean; excluded?: string[] } = {}) {
  const names = new NameIndex();
  const totals = new ClusterTotals(names);
  totals.add(Q(total));
  return new DrfSorter({ names, totals, hierarchical: opts.hierarchical ?? false, excluded: new Set(opts.excluded ?? []) });
}

test('drf: order by dominant share, then allocation count, then path', () => {
  const s = drf('cpus:10;mem:100');
  for (const [id, p] of [[1, 'c'], [2, 'b'], [3, 'a']] as const) {
    s.add(id, p);
    s.activate(id);
  }
  assert.deepEqual(s.sort(), [3, 2, 1], 'equal shares: by path');
  s.allocated(3, Q('cpus:1'));
  assert.deepEqual(s.sort(), [2, 1, 3]);
  s.allocated(2, Q('mem:10'));
  s.allocated(1, Q('mem:5'));
  assert.deepEqual(s.sort(), [1, 3, 2], 'c 0.05 < a 0.1 = b 0.1 (a and b tie, then path)');
  s.unallocated(2, Q('mem:10'));
  s.allocated(2, Q('cpus:0.5'));
  s.unallocated(2, Q('cpus:0.5'));
  s.allocated(2, Q('cpus:1'));
  assert.deepEqual(s.sort(), [1, 3, 2], 'a and b tie on share, b has more allocations');
});

test('drf: excluded resource names do not count towards the share', () => {
  const s = drf('cpus:10;gpus:1', { excluded: ['gpus'] });
  s.add(1, 'a');
  s.add(2, 'b');
  s.activate(1);
  s.activate(2);
  s.allocated(1, Q('gpus:1;cpus:1'));
  s.allocated(2, Q('cpus:2'));
  assert.equal(s.share(1), 0.1);
  assert.deepEqual(s.sort(), [1, 2]);
});

test('drf: a role subtree competes as one (hierarchical shares)', () => {
  const s = drf('cpus:100', { hierarchical: true });
  for (const [id, p] of [[1, 'a/x'], [2, 'a/y'], [3, 'b']] as const) {
    s.add(id, p);
    s.activate(id);
  }
  s.allocated(1, Q('cpus:30'));
  s.allocated(3, Q('cpus:20'));
  // a = 0.3 > b = 0.2, so b first; inside a, y (0) before x (0.3).
  assert.deepEqual(s.sort(), [3, 2, 1]);
  s.updateWeight('a', 2);
  assert.deepEqual(s.sort(), [2, 1, 3], 'a at weight 2 has share 0.15 < 0.2');
});

test('drf paper example: progressive filling converges to the published shares', () => {
  // 9 CPUs, 18 GB; A runs <1 CPU, 4 GB> tasks, B runs <3 CPU, 1 GB>. DRF gives A 3 tasks and
  // B 2 tasks, equalising dominant shares at 2/3.
  const s = drf('cpus:9;mem:18');
  const demand: Record<number, ResourceQuantities> = { 1: Q('cpus:1;mem:4'), 2: Q('cpus:3;mem:1') };
  s.add(1, 'A');
  s.add(2, 'B');
  s.activate(1);
  s.activate(2);
  let free = Q('cpus:9;mem:18');
  const tasks: Record<number, number> = { 1: 0, 2: 0 };
  for (;;) {
    const next = s.sort().find((c) => free.contains(demand[c]!));
    if (next === undefined) break;
    s.allocated(next, demand[next]!);
    free = free.minus(demand[next]!);
    tasks[next]!++;
  }
  assert.deepEqual(tasks, { 1: 3, 2: 2 });
  assert.ok(Math.abs(s.share(1) - 2 / 3) < 1e-12);
  assert.ok(Math.abs(s.share(2) - 2 / 3) < 1e-12);
});

test('property: incremental DRF order equals the order of a sorter rebuilt from scratch', () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant('alloc' as const), c: fc.integer({ min: 0, max: 5 }), cpus: fc.integer({ min: 1, max: 20 }), mem: fc.integer({ min: 0, max: 200 }) }),
    fc.record({ k: fc.constant('free' as const), c: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ k: fc.constant('toggle' as const), c: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ k: fc.constant('weight' as const), c: fc.integer({ min: 0, max: 5 }), w: fc.constantFrom(0.5, 1, 2, 3) }),
  );
  const paths = ['a', 'a/b', 'a/c', 'd', 'd/e/f', 'g'];
  fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.boolean(), (ops, hierarchical) => {
    const s = drf('cpus:100;mem:1000', { hierarchical });
    const alloc = paths.map(() => Q(''));
    const allocations = paths.map(() => 0); // allocation counts never go down (as in Mesos)
    const active = paths.map(() => true);
    const weights = new Map<string, number>();
    paths.forEach((p, i) => {
      s.add(i, p);
      s.activate(i);
    });
    s.sort();
    for (const o of ops) {
      if (o.k === 'alloc') {
        const q = unwrap(ResourceQuantities.from({ cpus: o.cpus, mem: o.mem }));
        s.allocated(o.c, q);
        alloc[o.c] = alloc[o.c]!.plus(q);
        allocations[o.c]!++;
      } else if (o.k === 'free') {
        s.unallocated(o.c, alloc[o.c]!);
        alloc[o.c] = Q('');
      } else if (o.k === 'toggle') {
        active[o.c] = !active[o.c];
        if (active[o.c]) s.activate(o.c);
        else s.deactivate(o.c);
      } else {
        s.updateWeight(paths[o.c]!, o.w);
        weights.set(paths[o.c]!, o.w);
      }
      if (o.c % 2 === 0) s.sort();
    }
    // Rebuild: same clients, weights, allocations and allocation counts (the tie-breaker after the
    // share: a subtree's count decides between subtrees of equal share), then the same order.
    const fresh = drf('cpus:100;mem:1000', { hierarchical });
    for (const [p, w] of weights) fresh.updateWeight(p, w);
    paths.forEach((p, i) => {
      fresh.add(i, p);
      if (allocations[i]! > 0) fresh.allocated(i, alloc[i]!);
      for (let n = 1; n < allocations[i]!; n++) fresh.allocated(i, Q(''));
      if (active[i]) fresh.activate(i);
    });
    const a = s.sort();
    const b = fresh.sort();
    return a.length === b.length && a.every((c, i) => c === b[i] && Math.abs(s.share(c) - fresh.share(c)) < 1e-12);
  }), { numRuns: 300 });
});
