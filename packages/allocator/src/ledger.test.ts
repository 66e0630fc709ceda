import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OfferLedger } from './ledger.ts';
import { must, R } from './testing/harness.ts';

test('offer ledger: index by framework and agent, timeouts, removal', () => {
  const l = new OfferLedger();
  const res = R('cpus:1').allocate('r');
  must(l.add({ id: 'o1', frameworkId: 'f', agentId: 'a1', role: 'r', resources: res, created: 0, expires: 100 }));
  must(l.add({ id: 'o2', frameworkId: 'f', agentId: 'a2', role: 'r', resources: res, created: 0, expires: 50 }));
  must(l.add({ id: 'o3', frameworkId: 'g', agentId: 'a1', role: 'r', resources: res, created: 0 }));
  assert.equal(l.add({ id: 'o1', frameworkId: 'f', agentId: 'a1', role: 'r', resources: res, created: 0 }).ok, false);
  assert.equal(l.size, 3);
  assert.deepEqual(l.ofFramework('f').map((o) => o.id).sort(), ['o1', 'o2']);
  assert.deepEqual(l.ofAgent('a1').map((o) => o.id).sort(), ['o1', 'o3']);
  assert.deepEqual(l.expired(49), []);
  assert.deepEqual(l.expired(100).map((o) => o.id), ['o2', 'o1']);
  assert.equal(l.nextExpiry(), 50);
  assert.equal(l.remove('o2')!.agentId, 'a2');
  assert.equal(l.remove('o2'), undefined);
  assert.deepEqual(l.expired(1000).map((o) => o.id), ['o1']);
  assert.equal(l.nextExpiry(), 100);
  l.remove('o1');
  assert.deepEqual(l.ofFramework('f'), []);
  assert.equal(l.nextExpiry(), undefined);
  assert.ok(l.has('o3') && l.get('o3')!.frameworkId === 'g');
});
