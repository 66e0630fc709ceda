import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrap } from '@agora/protocol';
import { ResourceQuantities } from '@agora/resources';
import { ClusterTotals, NameIndex } from '../names.ts';
import { seededRng } from '../rng.ts';
import { RandomSorter } from './random.ts';
import { sorterConformance } from './sorter.conformance.ts';

sorterConformance('random', (ctx) => new RandomSorter(ctx));

function random() {
  const names = new NameIndex();
  const totals = new ClusterTotals(names);
  totals.add(unwrap(ResourceQuantities.parse('cpus:10')));
  return new RandomSorter({ names, totals });
}

test('random: the same seed gives the same order', () => {
  const s = random();
  for (let i = 0; i < 10; i++) {
    s.add(i, `f${i}`);
    s.activate(i);
  }
  const a = s.sort(seededRng(42));
  const b = s.sort(seededRng(42));
  assert.deepEqual(a, b);
});

test('random: weights skew how often a client comes first', () => {
  const s = random();
  s.add(1, 'light');
  s.add(2, 'heavy');
  s.activate(1);
  s.activate(2);
  s.updateWeight('heavy', 3);
  const rng = seededRng(1);
  let heavyFirst = 0;
  const n = 4000;
  for (let i = 0; i < n; i++) if (s.sort(rng)[0] === 2) heavyFirst++;
  // P(heavy first) = 3 / (3 + 1) = 0.75 for two items under Efraimidis–Spirakis.
  assert.ok(Math.abs(heavyFirst / n - 0.75) < 0.03, `heavy first ${heavyFirst / n}`);
});
