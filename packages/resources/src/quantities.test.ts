import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrap } from '@agora/protocol';
import { ResourceQuantities } from './quantities.ts';
import { ResourceLimits } from './limits.ts';

const Q = (text: string): ResourceQuantities => unwrap(ResourceQuantities.parse(text));

test('quantities: add, subtract (clamped), contains, min, isEmpty', () => {
  assert.deepEqual(Q('cpus:1;mem:32').plus(Q('cpus:0.5;disk:1')).toRecord(), { cpus: 1.5, disk: 1, mem: 32 });
  assert.deepEqual(Q('cpus:1;mem:32').minus(Q('cpus:2;mem:1')).toRecord(), { mem: 31 });
  assert.ok(Q('cpus:1;mem:32').contains(Q('cpus:1')));
  assert.ok(!Q('cpus:1').contains(Q('cpus:1;mem:1')));
  assert.deepEqual(Q('cpus:1;mem:32').min(Q('cpus:0.5;disk:3')).toRecord(), { cpus: 0.5 });
  assert.ok(Q('cpus:1').minus(Q('cpus:1')).isEmpty());
  assert.ok(Q('{}').isEmpty());
  assert.equal(Q('cpus:0.1').plus(Q('cpus:0.2')).get('cpus'), 0.3);
  assert.equal(Q('mem:32;cpus:0.01').toString(), 'cpus:0.01;mem:32');
  assert.ok(Q('cpus:1;mem:2').equals(Q('mem:2;cpus:1')));
});

test('quantities: invalid input is an error', () => {
  assert.equal(ResourceQuantities.from({ cpus: -1 }).ok, false);
  assert.equal(ResourceQuantities.from({ cpus: NaN }).ok, false);
  assert.equal(ResourceQuantities.from({ '': 1 }).ok, false);
  assert.equal(ResourceQuantities.parse('cpus').ok, false);
  assert.equal(ResourceQuantities.parse('cpus:1;cpus:2').ok, false);
});

test('limits keep zero amounts (none allowed); absent names are unlimited', () => {
  const l = unwrap(ResourceLimits.parse('mem:0;cpus:4'));
  assert.deepEqual(l.toRecord(), { cpus: 4, mem: 0 });
  assert.ok(l.has('mem') && l.getMilli('mem') === 0 && l.getMilli('gpus') === Infinity);
  assert.equal(l.toString(), 'cpus:4;mem:0');
  assert.ok(unwrap(ResourceLimits.parse('{}')).isEmpty());
  assert.equal(ResourceLimits.from({ cpus: -1 }).ok, false);
  assert.equal(ResourceLimits.parse('cpus').ok, false);
});
