import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrap } from '@agora/protocol';
import { Resources } from './resources.ts';
import { ResourceQuantities } from './quantities.ts';
import { Flag } from './identity.ts';

const R = (text: string, role?: string): Resources => unwrap(Resources.parse(text, role));

test('arithmetic table: plus, minus, contains', () => {
  const cases: { a: string; b: string; sum: string; diff: string; contains: boolean }[] = [
    { a: 'cpus:1;mem:512', b: 'cpus:2', sum: 'cpus:3;mem:512', diff: 'mem:512', contains: false },
    { a: 'cpus:4;mem:512', b: 'cpus:1.5;mem:12', sum: 'cpus:5.5;mem:524', diff: 'cpus:2.5;mem:500', contains: true },
    { a: 'ports:[1-10]', b: 'ports:[5-15]', sum: 'ports:[1-15]', diff: 'ports:[1-4]', contains: false },
    { a: 'ports:[1-10]', b: 'ports:[3-4]', sum: 'ports:[1-10]', diff: 'ports:[1-2,5-10]', contains: true },
    { a: 'foo:{a,b}', b: 'foo:{b,c}', sum: 'foo:{a,b,c}', diff: 'foo:{a}', contains: false },
    { a: 'cpus(eng):2;cpus:1', b: 'cpus:1', sum: 'cpus(eng):2;cpus:2', diff: 'cpus(eng):2', contains: true },
    { a: 'cpus(eng):2', b: 'cpus:1', sum: 'cpus(eng):2;cpus:1', diff: 'cpus(eng):2', contains: false },
    { a: 'cpus:1', b: 'cpus:0.999', sum: 'cpus:1.999', diff: 'cpus:0.001', contains: true },
    { a: '', b: 'mem:1', sum: 'mem:1', diff: '', contains: false },
  ];
  for (const c of cases) {
    const a = R(c.a);
    const b = R(c.b);
    assert.ok(a.plus(b).equals(R(c.sum)), `${c.a} + ${c.b} = ${a.plus(b).toString()}`);
    assert.ok(a.minus(b).equals(R(c.diff)), `${c.a} - ${c.b} = ${a.minus(b).toString()}`);
    assert.equal(a.contains(b), c.contains, `${c.a} ⊇ ${c.b}`);
  }
});

test('minus clamps each scalar entry at empty and ignores what is absent', () => {
  assert.ok(R('cpus:1;mem:10').minus(R('cpus:5;disk:3')).equals(R('mem:10')));
  assert.ok(R('cpus:1').minus(R('cpus(eng):1')).equals(R('cpus:1')));
});

test('fixed point: three decimals, exact sums, rounding to nearest 0.001', () => {
  assert.ok(R('cpus:0.1').plus(R('cpus:0.2')).equals(R('cpus:0.3')));
  assert.equal(R('cpus:0.1').plus(R('cpus:0.2')).scalar('cpus'), 0.3);
  assert.equal(Resources.parse('cpus:0.0004').ok, false, 'a positive value that rounds to 0 is invalid (Mesos)');
  assert.equal(R('cpus:1.0005').scalar('cpus'), 1.001);
  assert.equal(R('cpus:1.0004').scalar('cpus'), 1);
  let acc = Resources.EMPTY;
  for (let i = 0; i < 1000; i++) acc = acc.plus(R('cpus:0.001'));
  assert.ok(acc.equals(R('cpus:1')));
  for (let i = 0; i < 999; i++) acc = acc.minus(R('cpus:0.001'));
  assert.equal(acc.toString(), 'cpus:0.001');
});

test('zero-valued entries are dropped; equality ignores order', () => {
  assert.ok(R('cpus:0;mem:1').equals(R('mem:1')));
  assert.ok(R('mem:1;cpus:2').equals(R('cpus:2;mem:1')));
  assert.ok(!R('mem:1').equals(R('mem:1;cpus:1')));
  assert.ok(R('').isEmpty());
  assert.equal(R('{}').size, 0);
});

test('filters: reserved, unreserved, allocatableTo with ancestors, revocable', () => {
  const r = unwrap(Resources.fromProto([
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 } },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'STATIC', role: 'a' }] },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, reservations: [{ type: 'STATIC', role: 'a' }, { type: 'DYNAMIC', role: 'a/b' }] },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 8 }, reservations: [{ type: 'STATIC', role: 'c' }] },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 16 }, revocable: {} },
  ]));
  assert.equal(r.reserved().scalar('cpus'), 14);
  assert.equal(r.reserved('a').scalar('cpus'), 2);
  assert.equal(r.reserved('a/b').scalar('cpus'), 4);
  assert.equal(r.unreserved().scalar('cpus'), 17);
  assert.equal(r.allocatableTo('a').scalar('cpus'), 1 + 2 + 16);
  assert.equal(r.allocatableTo('a/b').scalar('cpus'), 1 + 2 + 4 + 16);
  assert.equal(r.allocatableTo('a/b/c').scalar('cpus'), 1 + 2 + 4 + 16);
  assert.equal(r.allocatableTo('ab').scalar('cpus'), 1 + 16);
  assert.equal(r.reservedToSubtree('a').scalar('cpus'), 6);
  assert.equal(r.revocable().scalar('cpus'), 16);
  assert.equal(r.nonRevocable().scalar('cpus'), 15);
  assert.ok(r.has(Flag.REFINED) && r.has(Flag.REVOCABLE) && r.has(Flag.RESERVED));
  assert.deepEqual([...r.reservations().keys()].sort(), ['a', 'a/b', 'c']);
});

test('allocate / unallocate / allocations', () => {
  const r = R('cpus:1;mem:10');
  const a = r.allocate('eng');
  assert.equal(a.allocationRole(), 'eng');
  assert.ok(!a.equals(r));
  assert.ok(a.unallocate().equals(r));
  const mixed = a.plus(r.allocate('ops'));
  assert.equal(mixed.allocationRole(), undefined);
  assert.deepEqual([...mixed.allocations().keys()].sort(), ['eng', 'ops']);
  assert.ok(mixed.unallocate().equals(R('cpus:2;mem:20')));
  assert.ok(mixed.allocate('x').equals(R('cpus:2;mem:20').allocate('x')));
  assert.equal(mixed.allocatedToSubtree('eng').scalar('cpus'), 1);
});

test('quantities and min-allocatable containment', () => {
  const r = R('cpus:1.5;mem:512;ports:[1-10];foo:{a,b};cpus(eng):1');
  assert.deepEqual(r.quantities().toRecord(), { cpus: 2.5, mem: 512 });
  assert.strictEqual(r.quantities(), r.quantities(), 'cached per value');
  assert.ok(r.containsQuantities(unwrap(ResourceQuantities.parse('cpus:0.01'))));
  assert.ok(r.containsQuantities(unwrap(ResourceQuantities.parse('ports:10;foo:2'))));
  assert.ok(!r.containsQuantities(unwrap(ResourceQuantities.parse('ports:11'))));
  assert.ok(!r.containsQuantities(unwrap(ResourceQuantities.parse('gpus:1'))));
});

test('capScalars: limits keep missing names, targets drop them, indivisible disks stay whole', () => {
  const r = R('cpus:4;mem:100;ports:[1-2]');
  const limit = unwrap(ResourceQuantities.parse('cpus:1.5'));
  assert.ok(r.capScalars(limit, 'keep').equals(R('cpus:1.5;mem:100;ports:[1-2]')));
  assert.ok(r.capScalars(limit, 'drop').equals(R('cpus:1.5;ports:[1-2]')));
  assert.strictEqual(r.capScalars(unwrap(ResourceQuantities.parse('cpus:10')), 'keep'), r);
  const mount = unwrap(Resources.fromProto([{ name: 'disk', type: 'SCALAR', scalar: { value: 100 }, disk: { source: { type: 'MOUNT', mount: { root: '/mnt' } } } }]));
  assert.ok(mount.capScalars(unwrap(ResourceQuantities.parse('disk:50')), 'keep').isEmpty());
});

test('applyConversions fails when the consumed part is missing', () => {
  const r = R('cpus:4;mem:100');
  const reserved = unwrap(R('cpus:1').pushReservation({ type: 'DYNAMIC', role: 'eng', principal: 'p' }));
  const out = unwrap(r.applyConversions([{ consumed: R('cpus:1'), converted: reserved }]));
  assert.ok(out.equals(R('cpus:3;mem:100').plus(reserved)));
  assert.equal(r.applyConversions([{ consumed: R('cpus:5'), converted: reserved }]).ok, false);
});

test('exclusive disks and persistent volumes do not merge; contains matches them one-to-one', () => {
  const vol = (id: string) => ({
    name: 'disk', type: 'SCALAR' as const, scalar: { value: 10 }, reservations: [{ type: 'DYNAMIC' as const, role: 'eng' }],
    disk: { persistence: { id }, volume: { container_path: 'data', mode: 'RW' as const } },
  });
  const two = unwrap(Resources.fromProto([vol('v1'), vol('v1')]));
  assert.equal(two.size, 2);
  const one = unwrap(Resources.fromProto([vol('v1')]));
  assert.ok(two.contains(one));
  assert.ok(two.contains(two));
  assert.ok(!one.contains(two));
  assert.ok(two.minus(one).equals(one));
  assert.equal(two.persistentVolumes().size, 2);
  const shared = { ...vol('s1'), shared: {} };
  const s2 = unwrap(Resources.fromProto([shared, shared]));
  assert.equal(s2.size, 1);
  assert.equal(s2.entries[0]!.count, 2);
  assert.ok(s2.contains(unwrap(Resources.fromProto([shared]))));
  assert.ok(s2.minus(unwrap(Resources.fromProto([shared]))).equals(unwrap(Resources.fromProto([shared]))));
});
