import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator } from './allocator.ts';
import { seededRng } from './rng.ts';
import { declineAll, must, offersOf, R } from './testing/harness.ts';

const rng = seededRng(11);

function oneAgentOneFramework(options = {}) {
  const a = new Allocator(options);
  must(a.addAgent('a1', {}, R('cpus:4;mem:1024')));
  must(a.addFramework('f', { roles: ['r'] }));
  return a;
}

test('a decline filter holds until it expires', () => {
  const a = oneAgentOneFramework();
  declineAll(a, a.allocate({ now: 0, rng }), 0, 5);
  const held = a.allocate({ now: 4000, rng });
  assert.equal(held.offers.length, 0);
  assert.deepEqual(held.outcomes[0]!.reasons, { FILTERED: 1 });
  const r = a.allocate({ now: 5000, rng });
  assert.equal(r.offers.length, 1);
  assert.equal(r.stats.filtersExpired, 1);
});

test('a filter lasts at least one allocation interval (MESOS-4302)', () => {
  const a = oneAgentOneFramework({ allocationIntervalMs: 3000 });
  declineAll(a, a.allocate({ now: 0, rng }), 0, 0.5);
  assert.equal(a.allocate({ now: 2000, rng }).offers.length, 0);
  assert.equal(a.allocate({ now: 3000, rng }).offers.length, 1);
});

test('offering more than was refused breaks through the filter', () => {
  const a = new Allocator();
  must(a.addAgent('a1', {}, R('cpus:4;mem:1024')));
  must(a.addFramework('f', { roles: ['r'] }));
  must(a.addFramework('g', { roles: ['r'] }));
  let r = a.allocate({ now: 0, rng });
  const holder = r.offers[0]!.frameworkId;
  const other = holder === 'f' ? 'g' : 'f';
  // The holder keeps half of it; the other framework declines the remaining half for long.
  const half = R('cpus:2;mem:512').allocate('r');
  must(a.recoverResources(holder, 'a1', half, undefined, 0));
  r = a.allocate({ now: 1, rng });
  assert.equal(offersOf(r, other).length, 1);
  declineAll(a, r, 1, 3600);
  const r1 = a.allocate({ now: 2, rng });
  assert.equal(offersOf(r1, other).length, 0, 'filtered: the same half again');
  // Now the holder returns everything: the agent offers more than was refused.
  must(a.recoverResources(holder, 'a1', R('cpus:4;mem:1024').allocate('r'), { refuseSeconds: 3600 }, 3));
  const r2 = a.allocate({ now: 4, rng });
  assert.equal(offersOf(r2, other).length, 1);
  assert.ok(offersOf(r2, other)[0]!.resources.unallocate().equals(R('cpus:4;mem:1024')));
});

test('REVIVE clears the role\'s filters; SUPPRESS stops offers until revived', () => {
  const a = oneAgentOneFramework();
  declineAll(a, a.allocate({ now: 0, rng }), 0, 3600);
  assert.equal(a.allocate({ now: 1, rng }).offers.length, 0);
  must(a.reviveOffers('f'));
  const r = a.allocate({ now: 2, rng });
  assert.equal(r.offers.length, 1);
  declineAll(a, r, 2);
  must(a.suppressOffers('f', ['r']));
  const s = a.allocate({ now: 3, rng, explain: true });
  assert.equal(s.offers.length, 0);
  assert.deepEqual(s.outcomes[0]!.reasons, { SUPPRESSED: 1 });
  assert.deepEqual(s.explain![0]!.reason, { code: 'SUPPRESSED' });
  must(a.reviveOffers('f', ['r']));
  assert.equal(a.allocate({ now: 4, rng }).offers.length, 1);
});

test('deactivating a framework drops its filters; inactive frameworks get nothing', () => {
  const a = oneAgentOneFramework();
  declineAll(a, a.allocate({ now: 0, rng }), 0, 3600);
  must(a.deactivateFramework('f'));
  const r = a.allocate({ now: 1, rng });
  assert.deepEqual(r.outcomes[0]!.reasons, { INACTIVE: 1 });
  assert.equal(a.inspect().filters, 0);
  must(a.activateFramework('f'));
  assert.equal(a.allocate({ now: 2, rng }).offers.length, 1);
});

test('changed agent attributes clear the filters on that agent', () => {
  const a = oneAgentOneFramework();
  declineAll(a, a.allocate({ now: 0, rng }), 0, 3600);
  const changed = must(a.updateAgent('a1', { spec: { attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r2' } }] } }));
  assert.equal(changed, true);
  assert.equal(a.allocate({ now: 1, rng }).offers.length, 1);
});

test('agents that every framework filters are skipped in O(1) on later cycles', () => {
  const a = new Allocator();
  for (let i = 0; i < 5; i++) must(a.addAgent(`a${i}`, {}, R('cpus:4;mem:1024')));
  for (const f of ['f1', 'f2', 'f3']) must(a.addFramework(f, { roles: ['r'] }));
  // Every framework declines every agent for a long time.
  for (let k = 0; k < 3; k++) declineAll(a, a.allocate({ now: k, rng }), k, 3600);
  const cold = a.allocate({ now: 10, rng });
  assert.equal(cold.offers.length, 0);
  assert.equal(cold.stats.skippedFiltered, 0);
  const warm = a.allocate({ now: 11, rng });
  assert.equal(warm.offers.length, 0);
  assert.equal(warm.stats.skippedFiltered, 5);
  for (const o of warm.outcomes) assert.deepEqual(o.reasons, { FILTERED: 5 });
  // Anything that changes the picture invalidates the shortcut.
  must(a.reviveOffers('f2'));
  const after = a.allocate({ now: 12, rng });
  assert.equal(after.offers.length, 5);
  assert.ok(after.offers.every((o) => o.frameworkId === 'f2'));
});

test('refuse_seconds: negative means the default 5 s, huge values are capped', () => {
  const a = oneAgentOneFramework();
  declineAll(a, a.allocate({ now: 0, rng }), 0, -1);
  assert.equal(a.allocate({ now: 4999, rng }).offers.length, 0);
  assert.equal(a.allocate({ now: 5000, rng }).offers.length, 1);
});
