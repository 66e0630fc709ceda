import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceLimits, Resources } from '@agora/resources';
import { Allocator } from './allocator.ts';
import { seededRng } from './rng.ts';
import { must, offeredTo, Q, R } from './testing/harness.ts';

const rng = seededRng(5);

test('quota guarantees are satisfied first (stage 1), even against a lower DRF share', () => {
  const a = new Allocator();
  for (let i = 0; i < 4; i++) must(a.addAgent(`a${i}`, {}, R('cpus:2;mem:512')));
  must(a.addFramework('guaranteed', { roles: ['gold'] }));
  must(a.addFramework('other', { roles: ['bronze'] }));
  must(a.updateQuota('gold', { guarantees: Q('cpus:6') }));
  const r = a.allocate({ now: 0, rng });
  assert.ok(offeredTo(r, 'guaranteed').scalar('cpus') >= 6);
  assert.ok(r.stats.quotaOffers >= 3);
});

test('headroom: unallocated resources are held back for unmet guarantees of other roles', () => {
  const a = new Allocator();
  for (let i = 0; i < 4; i++) must(a.addAgent(`a${i}`, {}, R('cpus:2;mem:512')));
  // The guaranteed role has no framework yet: its guarantee is unmet, so 4 cpus stay free.
  must(a.updateQuota('gold', { guarantees: Q('cpus:4') }));
  // `other` only wants offers with at least a cpu, so agents whose cpus are held back are skipped.
  must(a.addFramework('other', { roles: ['bronze'], minAllocatableResources: { bronze: [Q('cpus:1')] } }));
  const r = a.allocate({ now: 0, rng });
  assert.equal(offeredTo(r, 'other').scalar('cpus'), 4);
  assert.deepEqual(a.inspect().requiredHeadroom, { cpus: 4 });
  assert.deepEqual(r.outcomes[0]!.reasons, { QUOTA_HEADROOM: 2 });
  // Once gold's framework arrives it gets the held-back cpus.
  must(a.addFramework('g', { roles: ['gold'] }));
  const r2 = a.allocate({ now: 1, rng });
  assert.equal(offeredTo(r2, 'g').scalar('cpus'), 4);
  assert.deepEqual(a.inspect().requiredHeadroom, {});
});

test('quota limits cap what a role is offered (chopping an agent if needed)', () => {
  const a = new Allocator();
  for (let i = 0; i < 3; i++) must(a.addAgent(`a${i}`, {}, R('cpus:4;mem:1024;ports:[1-10]')));
  must(a.updateQuota('capped', { limits: Q('cpus:5') }));
  must(a.addFramework('f', { roles: ['capped'] }));
  const r = a.allocate({ now: 0, rng });
  const got = offeredTo(r, 'f');
  assert.equal(got.scalar('cpus'), 5);
  assert.equal(got.scalar('mem'), 3072, 'names without a limit are not capped');
  const r2 = a.allocate({ now: 1, rng, explain: true });
  assert.equal(r2.offers.length, 0);
  assert.ok(r2.explain!.some((p) => p.reason?.code === 'QUOTA_LIMIT'), 'mem alone is still allocatable? no: cpus limit reached');
});

test('quota limits apply to the whole subtree of a top-level role', () => {
  const a = new Allocator();
  for (let i = 0; i < 4; i++) must(a.addAgent(`a${i}`, { capabilities: ['HIERARCHICAL_ROLE'] }, R('cpus:2;mem:64')));
  must(a.updateQuota('eng', { limits: Q('cpus:3') }));
  must(a.addFramework('w', { roles: ['eng/web'] }));
  must(a.addFramework('d', { roles: ['eng/db'] }));
  const r = a.allocate({ now: 0, rng });
  const cpus = r.offers.reduce((n, o) => n + o.resources.scalar('cpus'), 0);
  assert.equal(cpus, 3);
});

test('reservations count towards quota consumption', () => {
  const a = new Allocator();
  must(a.addAgent('a0', {}, R('cpus(gold):3;mem(gold):64')));
  must(a.addAgent('a1', {}, R('cpus:4;mem:64')));
  must(a.updateQuota('gold', { guarantees: Q('cpus:3'), limits: Q('cpus:4') }));
  must(a.addFramework('g', { roles: ['gold'] }));
  const r = a.allocate({ now: 0, rng });
  // 3 reserved cpus already consume the guarantee; the limit allows 1 more unreserved cpu.
  const got = offeredTo(r, 'g');
  assert.equal(got.reserved('gold').scalar('cpus'), 3);
  assert.equal(got.unreserved().scalar('cpus'), 1);
});

test('updateQuota rejects nested roles and guarantees above limits', () => {
  const a = new Allocator();
  assert.equal(a.updateQuota('a/b', { limits: Q('cpus:1') }).ok, false);
  assert.equal(a.updateQuota('a', { guarantees: Q('cpus:2'), limits: Q('cpus:1') }).ok, false);
  assert.equal(a.updateQuota('*', { limits: Q('cpus:1') }).ok, false);
  must(a.updateQuota('a', { guarantees: Q('cpus:1'), limits: Q('cpus:1') }));
  must(a.updateQuota('a', {}));
  assert.equal(a.inspect().roles.length, 0, 'clearing quota drops the empty role');
});

test('a role at its limit still gets its reservations and, if capable, revocable resources', () => {
  const a = new Allocator();
  must(a.addAgent('plain', {}, R('cpus:4;mem:1024')));
  must(a.addAgent('reserved', {}, R('cpus:4;mem:1024;cpus(capped):1;mem(capped):64')));
  must(a.addAgent('revocable', {}, R('cpus:4;mem:1024').plus(must(Resources.fromProto([{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, revocable: {} }])))));
  must(a.updateQuota('capped', { limits: must(ResourceLimits.parse('cpus:0;mem:0')) }));
  must(a.addFramework('f', { roles: ['capped'], capabilities: ['REVOCABLE_RESOURCES'] }));
  const r = a.allocate({ now: 0, rng, explain: true });
  const byAgent = new Map(r.offers.map((o) => [o.agentId, o.resources.unallocate()]));
  assert.ok(byAgent.get('reserved')!.equals(R('cpus(capped):1;mem(capped):64')));
  assert.equal(byAgent.get('revocable')!.revocable().scalar('cpus'), 2);
  assert.equal(byAgent.get('revocable')!.unreserved().nonRevocable().size, 0);
  assert.equal(byAgent.has('plain'), false);
  assert.deepEqual(r.explain!.find((p) => p.agentId === 'plain')!.reason, { code: 'QUOTA_LIMIT', role: 'capped' });
  assert.deepEqual(must(a.whyNoOffer('f', 'plain', 1))[0], {
    role: 'capped', offerable: false, holding: Resources.EMPTY, reason: { code: 'QUOTA_LIMIT', role: 'capped' },
  });
});
