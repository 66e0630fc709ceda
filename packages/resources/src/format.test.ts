import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrap } from '@agora/protocol';
import { Resources } from './resources.ts';

const R = (text: string): Resources => unwrap(Resources.parse(text));

test('toString is Mesos-style and parses back', () => {
  const r = R('cpus:4;mem:8192;ports:[31000-32000];disk(ads):100;foo:{b,a}');
  assert.equal(r.toString(), 'cpus:4; mem:8192; ports:[31000-32000]; disk(reservations: [(STATIC,ads)]):100; foo:{a, b}');
  assert.ok(R(r.toString()).equals(r));
  assert.equal(Resources.EMPTY.toString(), '{}');
  const dyn = unwrap(R('cpus:1').pushReservation({ type: 'DYNAMIC', role: 'eng', principal: 'ops', labels: { labels: [{ key: 'k', value: 'v' }, { key: 'x' }] } }));
  assert.equal(dyn.allocate('eng').toString(), 'cpus(allocated: eng)(reservations: [(DYNAMIC,eng,ops,{k: v, x})]):1');
  assert.ok(R(dyn.allocate('eng').toString()).equals(dyn.allocate('eng')));
  assert.equal(unwrap(Resources.fromProto([{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, revocable: {} }])).toString(), 'cpus{REV}:1');
});

test('toProto: POST_REFINEMENT, PRE_REFINEMENT and ENDPOINT formats', () => {
  const unreserved = R('cpus:1');
  assert.deepEqual(unreserved.toProto('POST_REFINEMENT'), [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }]);
  assert.deepEqual(unreserved.toProto('PRE_REFINEMENT'), [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' }]);
  assert.deepEqual(unreserved.toProto('ENDPOINT'), [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' }]);

  const dyn = unwrap(unreserved.pushReservation({ type: 'DYNAMIC', role: 'eng', principal: 'p' })).allocate('eng');
  assert.deepEqual(dyn.toProto('POST_REFINEMENT'), [{
    name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'eng' },
    reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }],
  }]);
  assert.deepEqual(dyn.toProto('PRE_REFINEMENT'), [{
    name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservation: { principal: 'p' }, allocation_info: { role: 'eng' },
  }]);
  assert.deepEqual(dyn.toProto('ENDPOINT'), [{
    name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservation: { principal: 'p' }, allocation_info: { role: 'eng' },
    reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }],
  }]);
  const stat = R('cpus(eng):1');
  assert.deepEqual(stat.toProto('PRE_REFINEMENT'), [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng' }]);

  const refined = unwrap(dyn.unallocate().pushReservation({ type: 'DYNAMIC', role: 'eng/a' }));
  assert.deepEqual(refined.toProto('ENDPOINT'), [{
    name: 'cpus', type: 'SCALAR', scalar: { value: 1 },
    reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }, { type: 'DYNAMIC', role: 'eng/a' }],
  }]);
  assert.throws(() => refined.toProto('PRE_REFINEMENT'), /refined/);
  // Every format reads back to the same value.
  for (const format of ['POST_REFINEMENT', 'PRE_REFINEMENT', 'ENDPOINT'] as const) {
    const back = unwrap(Resources.fromProto(dyn.toProto(format)));
    assert.ok(back.equals(dyn), format);
  }
});

test('legacy flat map for /master/state', () => {
  assert.deepEqual(R('cpus:2;mem:1024;ports:[31000-32000]').toLegacyJSON(), { cpus: 2, gpus: 0, mem: 1024, disk: 0, ports: '[31000-32000]' });
  assert.deepEqual(Resources.EMPTY.toLegacyJSON(), { cpus: 0, gpus: 0, mem: 0, disk: 0 });
  const rev = unwrap(Resources.fromProto([
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, revocable: {} },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'eng' },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] }, role: 'eng' },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 5, end: 6 }] } },
    { name: 'foo', type: 'SET', set: { item: ['b', 'a'] } },
  ]));
  assert.deepEqual(rev.toLegacyJSON(), { cpus: 2.5, gpus: 0, mem: 0, disk: 0, cpus_revocable: 1, ports: '[1-2, 5-6]', foo: '{a, b}' });
});
