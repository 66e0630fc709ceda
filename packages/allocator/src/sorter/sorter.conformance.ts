/**
 * The contract every Sorter implementation must meet. Each sorter's test file calls
 * `sorterConformance(name, factory)`; implementation-specific orderings (DRF shares, weighted
 * randomness) are tested beside each implementation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrap } from '@agora/protocol';
import { ResourceQuantities } from '@agora/resources';
import { ClusterTotals, NameIndex } from '../names.ts';
import { seededRng } from '../rng.ts';
import type { Sorter, SorterContext } from './sorter.ts';

export type SorterFactory = (ctx: SorterContext) => Sorter;

const Q = (text: string): ResourceQuantities => unwrap(ResourceQuantities.parse(text));

function setup(factory: SorterFactory, hierarchical = false, total = 'cpus:100;mem:1000') {
  const names = new NameIndex();
  const totals = new ClusterTotals(names);
  totals.add(Q(total));
  const sorter = factory({ names, totals, hierarchical });
  return { sorter, totals };
}

export function sorterConformance(name: string, factory: SorterFactory): void {
  const rng = seededRng(7);

  test(`${name} conformance: clients are added inactive; only active clients are sorted`, () => {
    const { sorter } = setup(factory);
    sorter.add(1, 'a');
    sorter.add(2, 'b');
    assert.equal(sorter.count(), 2);
    assert.ok(sorter.contains(1) && !sorter.contains(3));
    assert.deepEqual(sorter.sort(rng), []);
    sorter.activate(1);
    sorter.activate(2);
    assert.deepEqual([...sorter.sort(rng)].sort(), [1, 2]);
    sorter.deactivate(1);
    assert.deepEqual(sorter.sort(rng), [2]);
    assert.ok(!sorter.isActive(1) && sorter.isActive(2));
    sorter.remove(2);
    assert.equal(sorter.count(), 1);
    assert.deepEqual(sorter.sort(rng), []);
    assert.throws(() => sorter.add(1, 'a'), /twice/);
  });

  test(`${name} conformance: allocations are tracked per client and in total`, () => {
    const { sorter } = setup(factory);
    sorter.add(1, 'a');
    sorter.add(2, 'b');
    sorter.allocated(1, Q('cpus:2;mem:10'));
    sorter.allocated(1, Q('cpus:1'));
    sorter.allocated(2, Q('mem:5'));
    assert.deepEqual(sorter.allocation(1).toRecord(), { cpus: 3, mem: 10 });
    assert.deepEqual(sorter.totalAllocation().toRecord(), { cpus: 3, mem: 15 });
    sorter.unallocated(1, Q('cpus:3'));
    assert.deepEqual(sorter.allocation(1).toRecord(), { mem: 10 });
    sorter.remove(1);
    assert.deepEqual(sorter.totalAllocation().toRecord(), { mem: 5 });
    assert.equal(sorter.share(2), 5 / 1000);
  });

  test(`${name} conformance: sort() returns a snapshot that later updates do not mutate`, () => {
    const { sorter } = setup(factory);
    for (let i = 0; i < 5; i++) {
      sorter.add(i, `f${i}`);
      sorter.activate(i);
    }
    const before = sorter.sort(rng);
    const copy = [...before];
    sorter.allocated(before[0]!, Q('cpus:50'));
    sorter.deactivate(before[1]!);
    sorter.remove(before[2]!);
    assert.deepEqual(before, copy);
    assert.equal(sorter.sort(rng).length, 3);
  });

  test(`${name} conformance: shares are divided by weight, and weights may precede clients`, () => {
    const { sorter } = setup(factory);
    sorter.updateWeight('b', 2);
    sorter.add(1, 'a');
    sorter.add(2, 'b');
    sorter.allocated(1, Q('cpus:10'));
    sorter.allocated(2, Q('cpus:10'));
    assert.equal(sorter.share(1), 0.1);
    assert.equal(sorter.share(2), 0.05);
  });

  test(`${name} conformance: shares follow cluster totals`, () => {
    const { sorter, totals } = setup(factory);
    sorter.add(1, 'a');
    sorter.allocated(1, Q('cpus:10;mem:500'));
    assert.equal(sorter.share(1), 0.5);
    totals.add(Q('mem:1000'));
    assert.equal(sorter.share(1), 0.25);
  });

  test(`${name} conformance: hierarchical clients (subtree contiguous, virtual leaves)`, () => {
    const { sorter } = setup(factory, true);
    sorter.add(1, 'a');
    sorter.allocated(1, Q('cpus:5'));
    sorter.add(2, 'a/b');
    sorter.add(3, 'c');
    sorter.add(4, 'a/b/d');
    for (const c of [1, 2, 3, 4]) sorter.activate(c);
    // `a` keeps its own allocation after `a/b` appears below it.
    assert.deepEqual(sorter.allocation(1).toRecord(), { cpus: 5 });
    for (let i = 0; i < 20; i++) {
      const order = sorter.sort(seededRng(i));
      assert.deepEqual([...order].sort(), [1, 2, 3, 4]);
      // Everything under `a` is contiguous, and `a/b/d` stays next to `a/b`.
      const ia = [order.indexOf(1), order.indexOf(2), order.indexOf(4)].sort((x, y) => x - y);
      assert.equal(ia[2]! - ia[0]!, 2, `subtree of a contiguous in ${order}`);
      assert.equal(Math.abs(order.indexOf(2) - order.indexOf(4)), 1);
    }
    sorter.remove(2);
    sorter.remove(4);
    assert.deepEqual(sorter.allocation(1).toRecord(), { cpus: 5 });
    assert.deepEqual([...sorter.sort(rng)].sort(), [1, 3]);
    sorter.remove(1);
    assert.deepEqual(sorter.sort(rng), [3]);
    assert.deepEqual(sorter.totalAllocation().toRecord(), {});
  });

  test(`${name} conformance: visit() walks the sort() order, once each, even when allocating on the way`, () => {
    for (const hierarchical of [false, true]) {
      const { sorter } = setup(factory, hierarchical);
      const paths = hierarchical ? ['a', 'a/b', 'c', 'c/d', 'e', 'f'] : ['a', 'b', 'c', 'd', 'e', 'f'];
      paths.forEach((p, i) => {
        sorter.add(i, p);
        sorter.activate(i);
        sorter.allocated(i, Q(`cpus:${(i * 7) % 5}`));
      });
      const expected = [...sorter.sort(seededRng(3))];
      const seen: number[] = [];
      sorter.visit(seededRng(3), (c) => {
        seen.push(c);
        if (c % 2 === 0) sorter.allocated(c, Q('cpus:30'));
        return true;
      });
      assert.deepEqual(seen, expected, `hierarchical=${hierarchical}`);
      const stopped: number[] = [];
      sorter.visit(seededRng(3), (c) => {
        stopped.push(c);
        return stopped.length < 2;
      });
      assert.equal(stopped.length, 2);
    }
  });

  test(`${name} conformance: flat sorters do not split paths`, () => {
    const { sorter } = setup(factory, false);
    sorter.add(1, 'x/y');
    sorter.add(2, 'x');
    sorter.activate(1);
    sorter.activate(2);
    assert.deepEqual([...sorter.sort(rng)].sort(), [1, 2]);
  });
}
