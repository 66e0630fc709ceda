import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator } from './allocator.ts';
import { seededRng } from './rng.ts';
import { must, R } from './testing/harness.ts';

const rng = seededRng(17);
const window = { start: { nanoseconds: 1_000_000_000 }, duration: { nanoseconds: 3_600_000_000_000 } };

test('maintenance: offers carry the unavailability; frameworks using the agent get inverse offers', () => {
  const a = new Allocator();
  must(a.addAgent('a1', {}, R('cpus:4;mem:1024')));
  must(a.addAgent('a2', {}, R('cpus:4;mem:1024')));
  must(a.addFramework('f', { roles: ['r'] }));
  must(a.addFramework('g', { roles: ['r'] }));
  const first = a.allocate({ now: 0, rng });
  const onA1 = first.offers.find((o) => o.agentId === 'a1')!;
  must(a.updateUnavailability('a1', window));
  // The holder of a1 gets exactly one inverse offer, outstanding until answered.
  const r = a.allocate({ now: 1, rng });
  assert.deepEqual(r.inverseOffers, [{ frameworkId: onA1.frameworkId, agentId: 'a1', unavailability: window }]);
  assert.equal(a.allocate({ now: 2, rng }).inverseOffers.length, 0);
  // Declined with a filter: no new inverse offer until it expires.
  must(a.updateInverseOffer('a1', onA1.frameworkId, { status: 'DECLINE', refuseSeconds: 10 }, 3));
  assert.equal(a.allocate({ now: 4, rng }).inverseOffers.length, 0);
  assert.equal(a.allocate({ now: 13_000, rng }).inverseOffers.length, 1);
  assert.equal(a.inverseOfferStatuses().get('a1')!.get(onA1.frameworkId)!.status, 'DECLINE');
  // New offers from a1 carry the unavailability.
  must(a.recoverResources(onA1.frameworkId, 'a1', onA1.resources, undefined, 14_000));
  const again = a.allocate({ now: 15_000, rng });
  assert.deepEqual(again.offers.find((o) => o.agentId === 'a1')!.unavailability, window);
  assert.equal(again.offers.find((o) => o.agentId === 'a2'), undefined);
});

test('clearing the schedule stops inverse offers; unknown maintenance is an error', () => {
  const a = new Allocator();
  must(a.addAgent('a1', {}, R('cpus:1;mem:64')));
  must(a.addFramework('f', { roles: ['r'] }));
  a.allocate({ now: 0, rng });
  assert.equal(a.updateInverseOffer('a1', 'f', { status: 'ACCEPT' }, 0).ok, false);
  must(a.updateUnavailability('a1', window));
  assert.equal(a.allocate({ now: 1, rng }).inverseOffers.length, 1);
  must(a.updateUnavailability('a1', undefined));
  assert.equal(a.allocate({ now: 2, rng }).inverseOffers.length, 0);
});
