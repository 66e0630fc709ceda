import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '@agora/resources';
import { Allocator } from './allocator.ts';
import { seededRng } from './rng.ts';
import { must, offeredTo, Q, R } from './testing/harness.ts';
import type { FrameworkSpec } from './types.ts';

const rng = seededRng(13);

function single(total: Resources, spec: FrameworkSpec, options = {}, agentCaps: string[] = []) {
  const a = new Allocator(options);
  must(a.addAgent('a1', { capabilities: agentCaps as never }, total));
  must(a.addFramework('f', spec));
  return a.allocate({ now: 0, rng, explain: true });
}

test('GPU agents are offered only to GPU_RESOURCES frameworks (filterGpuResources)', () => {
  const gpu = R('cpus:4;mem:1024;gpus:1');
  const r = single(gpu, { roles: ['r'] });
  assert.equal(r.offers.length, 0);
  assert.deepEqual(r.explain![0]!.reason, { code: 'MISSING_CAPABILITY', capability: 'GPU_RESOURCES', side: 'FRAMEWORK' });
  assert.equal(single(gpu, { roles: ['r'], capabilities: ['GPU_RESOURCES'] }).offers.length, 1);
  assert.equal(single(gpu, { roles: ['r'] }, { filterGpuResources: false }).offers.length, 1);
});

test('revocable resources only to REVOCABLE_RESOURCES frameworks', () => {
  const total = must(Resources.fromProto([
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 64 } },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 8 }, revocable: {} },
  ]));
  assert.equal(offeredTo(single(total, { roles: ['r'] }), 'f').revocable().size, 0);
  assert.equal(offeredTo(single(total, { roles: ['r'], capabilities: ['REVOCABLE_RESOURCES'] }), 'f').revocable().scalar('cpus'), 8);
  // Only revocable cpus left: not allocatable without the capability.
  const onlyRev = must(Resources.fromProto([{ name: 'cpus', type: 'SCALAR', scalar: { value: 8 }, revocable: {} }]));
  const r = single(onlyRev, { roles: ['r'] });
  assert.deepEqual(r.explain![0]!.reason, { code: 'MISSING_CAPABILITY', capability: 'REVOCABLE_RESOURCES', side: 'FRAMEWORK' });
});

test('refined reservations only to RESERVATION_REFINEMENT frameworks', () => {
  const refined = must(must(R('cpus:2;mem:64').pushReservation({ type: 'DYNAMIC', role: 'eng' })).pushReservation({ type: 'DYNAMIC', role: 'eng/web' }));
  const agentCaps = ['HIERARCHICAL_ROLE'];
  assert.equal(single(refined, { roles: ['eng/web'] }, {}, agentCaps).offers.length, 0);
  assert.equal(single(refined, { roles: ['eng/web'], capabilities: ['RESERVATION_REFINEMENT'] }, {}, agentCaps).offers.length, 1);
});

test('MULTI_ROLE frameworks get nothing from agents without MULTI_ROLE', () => {
  assert.equal(single(R('cpus:1;mem:64'), { roles: ['r'], capabilities: ['MULTI_ROLE'] }).offers.length, 0);
  assert.equal(single(R('cpus:1;mem:64'), { roles: ['r'], capabilities: ['MULTI_ROLE'] }, {}, ['MULTI_ROLE']).offers.length, 1);
});

test('agents in another region only go to REGION_AWARE frameworks', () => {
  const domain = (region: string) => ({ fault_domain: { region: { name: region }, zone: { name: 'z' } } });
  const run = (caps: FrameworkSpec['capabilities']) => {
    const a = new Allocator({ domain: domain('home') });
    must(a.addAgent('far', { domain: domain('away') }, R('cpus:1;mem:64')));
    must(a.addAgent('near', { domain: domain('home') }, R('cpus:1;mem:64')));
    must(a.addFramework('f', { roles: ['r'], capabilities: caps ?? [] }));
    return a.allocate({ now: 0, rng }).offers.map((o) => o.agentId).sort();
  };
  assert.deepEqual(run([]), ['near']);
  assert.deepEqual(run(['REGION_AWARE']), ['far', 'near']);
});

test('min allocatable resources: default cpus:0.01|mem:32, options and per-role framework overrides', () => {
  assert.equal(single(R('cpus:0.005;disk:10'), { roles: ['r'] }).offers.length, 0);
  assert.equal(single(R('mem:32'), { roles: ['r'] }).offers.length, 1);
  const r = single(R('cpus:0.005;disk:10'), { roles: ['r'] });
  assert.deepEqual(r.explain![0]!.reason, { code: 'BELOW_MIN_ALLOCATABLE' });
  assert.equal(single(R('disk:10'), { roles: ['r'] }, { minAllocatableResources: [] }).offers.length, 1);
  assert.equal(single(R('cpus:1;mem:64'), { roles: ['r'], minAllocatableResources: { r: [Q('cpus:2')] } }).offers.length, 0);
  assert.equal(single(R('cpus:2;mem:64'), { roles: ['r'], minAllocatableResources: { r: [Q('cpus:2')] } }).offers.length, 1);
  assert.equal(single(R('disk:1'), { roles: ['r'], minAllocatableResources: { r: [] } }).offers.length, 1);
});
