import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrap } from '@agora/protocol';
import { Resources } from './resources.ts';
import { isStrictSubrole, roleAncestors, roleProblem, topLevelRole } from './roles.ts';

const R = (text: string, role?: string): Resources => unwrap(Resources.parse(text, role));

test('role names follow Mesos rules', () => {
  for (const ok of ['*', 'eng', 'eng/backend', 'a.b', 'a-b', 'a/b/c', '.a', 'a..b']) assert.equal(roleProblem(ok), undefined, ok);
  for (const bad of ['', '/a', 'a/', 'a//b', '.', '..', 'a/./b', 'a/../b', 'a/*', '*/a', '-a', 'a/-b', 'a b', 'a\tb', 'a\\b', 'a\u0001']) {
    assert.notEqual(roleProblem(bad), undefined, JSON.stringify(bad));
  }
  assert.ok(isStrictSubrole('a/b', 'a'));
  assert.ok(!isStrictSubrole('ab', 'a'));
  assert.ok(!isStrictSubrole('a', 'a'));
  assert.deepEqual(roleAncestors('a/b/c'), ['a/b', 'a']);
  assert.equal(topLevelRole('a/b/c'), 'a');
});

test('push and pop reservations (refinement stack)', () => {
  const base = R('cpus:2;mem:64');
  const eng = unwrap(base.pushReservation({ type: 'DYNAMIC', role: 'eng', principal: 'ops' }));
  assert.equal(eng.reserved('eng').scalar('cpus'), 2);
  const fe = unwrap(eng.pushReservation({ type: 'DYNAMIC', role: 'eng/fe' }));
  assert.equal(fe.reserved('eng/fe').scalar('cpus'), 2);
  assert.equal(fe.entries[0]!.id.reservations.length, 2);
  assert.ok(unwrap(fe.popReservation()).equals(eng));
  assert.ok(unwrap(unwrap(fe.popReservation()).popReservation()).equals(base));
  assert.ok(fe.toUnreserved().equals(base));
  // Violations are errors.
  assert.equal(eng.pushReservation({ type: 'DYNAMIC', role: 'ops' }).ok, false, 'not a refinement');
  assert.equal(eng.pushReservation({ type: 'STATIC', role: 'eng/x' }).ok, false, 'refinement cannot be STATIC');
  assert.equal(base.pushReservation({ type: 'DYNAMIC', role: '*' }).ok, false);
  assert.equal(base.pushReservation({ type: 'DYNAMIC', role: 'a//b' }).ok, false);
  assert.equal(base.popReservation().ok, false);
});

test('flatten to unreserved or to a single static role', () => {
  const r = R('cpus(a):1;cpus:2;mem(b):3');
  assert.ok(r.flatten().equals(R('cpus:3;mem:3')));
  assert.ok(r.flatten('*').equals(R('cpus:3;mem:3')));
  assert.ok(r.flatten('x').equals(R('cpus(x):3;mem(x):3')));
});

test('default role statically reserves entries without a role', () => {
  const r = R('cpus:1;mem(*):2', 'ads');
  assert.equal(r.reserved('ads').scalar('cpus'), 1);
  assert.equal(r.unreserved().scalar('mem'), 2);
  assert.ok(r.entries[0]!.id.isStaticallyReserved);
});
