import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conversionsFor, Resources } from '@agora/resources';
import { Allocator } from './allocator.ts';
import { seededRng } from './rng.ts';
import { declineAll, must, offeredTo, offersOf, R } from './testing/harness.ts';

const rng = seededRng(1);

test('an agent is offered whole to one framework, with the allocation role set', () => {
  const a = new Allocator();
  must(a.addAgent('a1', {}, R('cpus:4;mem:1024;ports:[31000-32000]')));
  must(a.addFramework('f1', { roles: ['web'] }));
  const r = a.allocate({ now: 0, rng });
  assert.equal(r.offers.length, 1);
  const [o] = r.offers;
  assert.equal(o!.role, 'web');
  assert.equal(o!.resources.allocationRole(), 'web');
  assert.ok(o!.resources.unallocate().equals(R('cpus:4;mem:1024;ports:[31000-32000]')));
  // Offered resources count as allocated until recovered.
  assert.ok(a.available('a1')!.isEmpty());
  assert.equal(a.allocate({ now: 1, rng }).offers.length, 0);
  must(a.recoverResources('f1', 'a1', o!.resources, undefined, 2));
  assert.ok(a.available('a1')!.equals(R('cpus:4;mem:1024;ports:[31000-32000]')));
  assert.equal(a.allocate({ now: 3, rng }).offers.length, 1);
});

test('one offer per (framework, agent, role); a multi-role framework gets one per role', () => {
  const a = new Allocator();
  must(a.addAgent('a1', { capabilities: ['MULTI_ROLE'] }, R('cpus:4;mem:1024;cpus(x):1;mem(x):64')));
  must(a.addFramework('f', { roles: ['x', 'y'], capabilities: ['MULTI_ROLE'] }));
  const r = a.allocate({ now: 0, rng });
  const keys = r.offers.map((o) => `${o.frameworkId}/${o.agentId}/${o.role}`);
  assert.equal(new Set(keys).size, keys.length);
  const total = Resources.sum(r.offers.map((o) => o.resources.unallocate()));
  assert.ok(total.equals(R('cpus:4;mem:1024;cpus(x):1;mem(x):64')));
  for (const o of r.offers) if (o.role === 'y') assert.equal(o.resources.reserved().size, 0, 'reservations of x never go to y');
});

test('reserved resources go only to frameworks of their role (or its descendants)', () => {
  const a = new Allocator();
  must(a.addAgent('a1', { capabilities: ['HIERARCHICAL_ROLE'] }, R('cpus(eng):2;mem(eng):256')));
  must(a.addFramework('other', { roles: ['ops'] }));
  let r = a.allocate({ now: 0, rng, explain: true });
  assert.equal(r.offers.length, 0);
  assert.deepEqual(r.outcomes[0]!.reasons, { RESERVED_FOR_OTHER_ROLE: 1 });
  must(a.addFramework('child', { roles: ['eng/web'] }));
  r = a.allocate({ now: 1, rng });
  assert.equal(r.offers.length, 1);
  assert.equal(r.offers[0]!.frameworkId, 'child');
  assert.ok(r.offers[0]!.resources.unallocate().equals(R('cpus(eng):2;mem(eng):256')));
});

test('API errors are values and leave the state unchanged', () => {
  const a = new Allocator();
  must(a.addAgent('a1', {}, R('cpus:1;mem:64')));
  must(a.addFramework('f', { roles: ['r'] }));
  assert.equal(a.addAgent('a1', {}, R('cpus:1')).ok, false);
  assert.equal(a.addFramework('f', { roles: ['r'] }).ok, false);
  assert.equal(a.addFramework('g', { roles: ['a//b'] }).ok, false);
  assert.equal(a.addFramework('g', { roles: ['r', 'r'] }).ok, false);
  assert.equal(a.removeFramework('nope').ok, false);
  assert.equal(a.updateQuota('a/b', {}).ok, false);
  assert.equal(a.updateWeights([{ role: 'r', weight: 0 }]).ok, false);
  const before = JSON.stringify(a.inspect());
  const offer = a.allocate({ now: 0, rng }).offers[0]!;
  assert.equal(a.recoverResources('f', 'a1', R('cpus:5').allocate('r'), undefined, 0).ok, false, 'more than held');
  assert.equal(a.recoverResources('f', 'a1', R('cpus:1'), undefined, 0).ok, false, 'no allocation role');
  assert.ok(a.recoverResources('gone', 'a1', offer.resources, undefined, 0).ok, 'unknown framework: nothing to do');
  must(a.recoverResources('f', 'a1', offer.resources, undefined, 0));
  assert.equal(JSON.stringify(a.inspect()), before);
});

test('removing a framework or an agent frees and forgets everything', () => {
  const a = new Allocator();
  must(a.addAgent('a1', {}, R('cpus:4;mem:1024')));
  must(a.addAgent('a2', {}, R('cpus:4;mem:1024')));
  must(a.addFramework('f', { roles: ['r'] }));
  a.allocate({ now: 0, rng });
  must(a.removeFramework('f'));
  assert.ok(a.available('a1')!.equals(R('cpus:4;mem:1024')));
  assert.equal(a.inspect().roles.length, 0, 'the role disappears with its last framework');
  must(a.addFramework('g', { roles: ['r'] }));
  a.allocate({ now: 1, rng });
  must(a.removeAgent('a1'));
  assert.deepEqual(a.inspect().totals, { cpus: 4, mem: 1024 });
  assert.equal(a.allocation('g').size, 1);
});

test('used resources on addAgent / addFramework are tracked in either order', () => {
  const used = R('cpus:1;mem:128').allocate('r');
  const x = new Allocator();
  must(x.addAgent('a1', {}, R('cpus:4;mem:1024'), { used: { f: used } }));
  assert.ok(x.available('a1')!.equals(R('cpus:3;mem:896')));
  must(x.addFramework('f', { roles: ['r'] }, { used: { a1: used } }));
  const y = new Allocator();
  must(y.addFramework('f', { roles: ['r'] }));
  must(y.addAgent('a1', {}, R('cpus:4;mem:1024'), { used: { f: used } }));
  assert.deepEqual(x.inspect(), y.inspect());
  assert.equal(x.inspect().clients[0]!.share, 0.25);
});

test('updateAllocation applies RESERVE to an offer; updateAvailable to free resources', () => {
  const a = new Allocator();
  must(a.addAgent('a1', {}, R('cpus:4;mem:1024')));
  must(a.addFramework('f', { roles: ['eng'] }));
  const o = a.allocate({ now: 0, rng }).offers[0]!;
  const reserve = must(R('cpus:1').pushReservation({ type: 'DYNAMIC', role: 'eng', principal: 'p' })).allocate('eng');
  must(a.updateAllocation('f', 'a1', o.resources, must(conversionsFor({ type: 'RESERVE', resources: reserve }))));
  const held = a.allocation('f').get('a1')!;
  assert.equal(held.reserved('eng').scalar('cpus'), 1);
  assert.equal(held.unreserved().scalar('cpus'), 3);
  assert.equal(a.inspect().roles[0]!.reserved.cpus, 1, 'the reservation now counts for the role');
  assert.equal(a.updateAllocation('f', 'a1', R('cpus:9').allocate('eng'), []).ok, false);
  must(a.recoverResources('f', 'a1', held, undefined, 1));
  const unreserve = must(R('cpus:1').pushReservation({ type: 'DYNAMIC', role: 'eng', principal: 'p' }));
  must(a.updateAvailable('a1', [{ consumed: unreserve, converted: R('cpus:1') }]));
  assert.ok(a.available('a1')!.equals(R('cpus:4;mem:1024')));
  assert.equal(a.updateAvailable('a1', [{ consumed: unreserve, converted: R('cpus:1') }]).ok, false);
});

test('deactivated and draining agents get no offers (AGENT_UNAVAILABLE)', () => {
  const a = new Allocator();
  must(a.addAgent('a1', {}, R('cpus:4;mem:1024')));
  must(a.addAgent('a2', {}, R('cpus:4;mem:1024')));
  must(a.addFramework('f', { roles: ['r'] }));
  must(a.deactivateAgent('a1'));
  must(a.setAgentDraining('a2', true));
  const r = a.allocate({ now: 0, rng, explain: true });
  assert.equal(r.offers.length, 0);
  assert.deepEqual(r.outcomes[0]!.reasons, { AGENT_UNAVAILABLE: 2 });
  assert.deepEqual(r.explain!.map((p) => p.reason).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))), [
    { code: 'AGENT_UNAVAILABLE', state: 'DEACTIVATED' }, { code: 'AGENT_UNAVAILABLE', state: 'DRAINING' },
  ]);
  must(a.activateAgent('a1'));
  assert.equal(offersOf(a.allocate({ now: 1, rng }), 'f').length, 1);
});

test('a cycle restricted to some agents considers only those', () => {
  const a = new Allocator();
  for (const id of ['a1', 'a2', 'a3']) must(a.addAgent(id, {}, R('cpus:1;mem:64')));
  must(a.addFramework('f', { roles: ['r'] }));
  const r = a.allocate({ now: 0, rng, agentIds: ['a2', 'missing'] });
  assert.deepEqual(r.offers.map((o) => o.agentId), ['a2']);
  assert.equal(r.stats.candidates, 1);
});

test('a decline with refuse_seconds 0 installs no filter; unused offers come back', () => {
  const a = new Allocator();
  must(a.addAgent('a1', {}, R('cpus:1;mem:64')));
  must(a.addFramework('f', { roles: ['r'] }));
  const r = a.allocate({ now: 0, rng });
  declineAll(a, r, 0, 0);
  assert.ok(offeredTo(a.allocate({ now: 1, rng }), 'f').equals(R('cpus:1;mem:64')));
});

test('CREATE and DESTROY of a persistent volume in an offer change the agent total and the allocation', () => {
  const a = new Allocator();
  must(a.addAgent('a1', {}, R('cpus:2;mem:256;disk(eng):100')));
  must(a.addFramework('f', { roles: ['eng'] }));
  const o = a.allocate({ now: 0, rng }).offers[0]!;
  const volume = must(Resources.fromProto([{
    name: 'disk', type: 'SCALAR', scalar: { value: 100 }, reservations: [{ type: 'STATIC', role: 'eng' }],
    disk: { persistence: { id: 'v1' }, volume: { container_path: 'data', mode: 'RW' } }, allocation_info: { role: 'eng' },
  }]));
  must(a.updateAllocation('f', 'a1', o.resources, must(conversionsFor({ type: 'CREATE', volumes: volume }))));
  assert.equal(a.allocation('f').get('a1')!.persistentVolumes().size, 1);
  const held = a.allocation('f').get('a1')!;
  must(a.recoverResources('f', 'a1', held, undefined, 1));
  assert.equal(a.available('a1')!.persistentVolumes().size, 1, 'the volume stays on the agent');
  const again = a.allocate({ now: 2, rng }).offers[0]!;
  assert.equal(again.resources.persistentVolumes().size, 1, 'and is offered back to its role');
  must(a.updateAllocation('f', 'a1', again.resources, must(conversionsFor({ type: 'DESTROY', volumes: volume }))));
  must(a.recoverResources('f', 'a1', a.allocation('f').get('a1')!, undefined, 3));
  assert.ok(a.available('a1')!.equals(R('cpus:2;mem:256;disk(eng):100')));
});
