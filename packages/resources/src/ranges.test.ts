import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addRanges, containsRanges, countRanges, formatRanges, normalizeRanges, subtractRanges, takeRanges } from './ranges.ts';
import { addItems, containsItems, normalizeItems, subtractItems } from './sets.ts';

test('ranges: normal form sorts and merges adjacent ranges, rejects overlaps and inversions', () => {
  assert.deepEqual(normalizeRanges([[5, 6], [1, 2], [3, 4]]), { ranges: [1, 6] });
  assert.deepEqual(normalizeRanges([[10, 20], [1, 2]]), { ranges: [1, 2, 10, 20] });
  assert.ok('error' in normalizeRanges([[1, 5], [3, 7]]));
  assert.ok('error' in normalizeRanges([[5, 3]]));
  assert.ok('error' in normalizeRanges([[-1, 3]]));
  assert.ok('error' in normalizeRanges([[1.5, 3]]));
});

test('ranges: union, difference, containment, count', () => {
  const cases: [number[], number[], number[], number[]][] = [
    // a, b, a+b, a-b
    [[1, 10], [5, 15], [1, 15], [1, 4]],
    [[1, 10], [11, 12], [1, 12], [1, 10]],
    [[1, 10], [3, 4], [1, 10], [1, 2, 5, 10]],
    [[1, 2, 8, 9], [3, 7], [1, 9], [1, 2, 8, 9]],
    [[1, 10], [0, 20], [0, 20], []],
    [[], [1, 1], [1, 1], []],
  ];
  for (const [a, b, sum, diff] of cases) {
    assert.deepEqual(addRanges(a, b), sum, `${formatRanges(a)} + ${formatRanges(b)}`);
    assert.deepEqual(subtractRanges(a, b), diff, `${formatRanges(a)} - ${formatRanges(b)}`);
    assert.ok(containsRanges(addRanges(a, b), b));
  }
  assert.ok(containsRanges([1, 10, 20, 30], [2, 3, 25, 30]));
  assert.ok(!containsRanges([1, 10, 20, 30], [9, 21]));
  assert.equal(countRanges([31000, 32000]), 1001);
  assert.deepEqual(takeRanges([1, 2, 5, 9], 4), [1, 2, 5, 6]);
  assert.equal(formatRanges([1, 2, 5, 9]), '[1-2, 5-9]');
});

test('sets: normal form, union, difference, containment', () => {
  assert.deepEqual(normalizeItems(['b', 'a']), { items: ['a', 'b'] });
  assert.ok('error' in normalizeItems(['a', 'a']));
  assert.deepEqual(addItems(['a', 'c'], ['b', 'c']), ['a', 'b', 'c']);
  assert.deepEqual(subtractItems(['a', 'b', 'c'], ['b', 'd']), ['a', 'c']);
  assert.ok(containsItems(['a', 'b', 'c'], ['a', 'c']));
  assert.ok(!containsItems(['a', 'c'], ['b']));
});
