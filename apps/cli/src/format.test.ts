import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ago, bareState, mb, num, usage } from './format.ts';

test('units: scalars keep three decimals, memory in MB/GB/TB', () => {
  assert.equal(num(0.1 + 0.2), '0.3');
  assert.equal(num(undefined), '-');
  assert.deepEqual([512, 1536, 23080.96, 252899, 2 * 1024 * 1024].map(mb), ['512 MB', '1.5 GB', '22.5 GB', '247 GB', '2 TB']);
  assert.equal(usage({ mem: 160 }, { mem: 7680 }, 'mem', mb), '160 MB/7.5 GB');
  assert.equal(usage(undefined, { cpus: 4 }, 'cpus'), '0/4');
});

test('ago and states', () => {
  const now = 1_000_000_000_000;
  assert.deepEqual([now / 1000 - 5, now / 1000 - 300, now / 1000 - 7200, now / 1000 - 4 * 86400, undefined].map((s) => ago(s, now)), ['5s', '5m', '2h', '4d', '-']);
  assert.equal(bareState('TASK_RUNNING'), 'RUNNING');
  assert.equal(bareState(undefined), '-');
});
