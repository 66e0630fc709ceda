import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrap, type FrameworkInfo } from '@agora/protocol';
import { Allocator } from './allocator.ts';
import { allocate, fromSnapshot } from './functional.ts';
import { seededRng } from './rng.ts';
import { frameworkSpecFromInfo } from './spec.ts';
import { declineAll, must, Q, R } from './testing/harness.ts';

test('allocate(snapshot, policy, {now, rng}) matches the same cluster built incrementally', () => {
  const snapshot = {
    agents: [
      { id: 'a1', total: R('cpus:4;mem:1024'), allocated: { f1: R('cpus:1;mem:128').allocate('web') } },
      { id: 'a2', total: R('cpus:4;mem:1024;cpus(batch):2') },
    ],
    frameworks: [
      { id: 'f1', spec: { roles: ['web'] } },
      { id: 'f2', spec: { roles: ['batch'] } },
    ],
    roles: [{ role: 'batch', weight: 2, quota: { limits: Q('cpus:10') } }],
  };
  const fn = must(allocate(snapshot, {}, { now: 0, rng: seededRng(1) }));
  const a = must(fromSnapshot(snapshot));
  const inc = a.allocate({ now: 0, rng: seededRng(1) });
  assert.deepEqual(fn.offers.map((o) => [o.frameworkId, o.agentId, o.resources.toString()]), inc.offers.map((o) => [o.frameworkId, o.agentId, o.resources.toString()]));
  assert.ok(fn.offers.length > 0);
});

test('snapshot → fromSnapshot reproduces the state, filters included', () => {
  const a = new Allocator();
  for (let i = 0; i < 3; i++) must(a.addAgent(`a${i}`, {}, R('cpus:2;mem:256;cpus(x):1')));
  must(a.addFramework('f', { roles: ['x', 'y'], capabilities: ['MULTI_ROLE'] }));
  must(a.updateWeights([{ role: 'y', weight: 3 }]));
  must(a.updateQuota('x', { guarantees: Q('cpus:1') }));
  const r = a.allocate({ now: 0, rng: seededRng(2) });
  declineAll(a, { ...r, offers: r.offers.slice(0, 1) }, 0, 100);
  const b = must(fromSnapshot(a.snapshot()));
  assert.deepEqual(b.inspect(), a.inspect());
});

test('frameworkSpecFromInfo reads roles, capabilities and offer_filters', () => {
  const info: FrameworkInfo = {
    user: 'u', name: 'n', failover_timeout: 0, checkpoint: false, roles: ['a', 'b'],
    capabilities: [{ type: 'MULTI_ROLE' }, { type: 'GPU_RESOURCES' }],
    offer_filters: { a: { min_allocatable_resources: { quantities: [{ quantities: { cpus: { value: 2 } } }] } } },
  };
  const spec = must(frameworkSpecFromInfo(info));
  assert.deepEqual(spec.roles, ['a', 'b']);
  assert.deepEqual(spec.capabilities, ['MULTI_ROLE', 'GPU_RESOURCES']);
  assert.deepEqual(spec.minAllocatableResources!.a!.map((q) => q.toRecord()), [{ cpus: 2 }]);
  assert.deepEqual(unwrap(frameworkSpecFromInfo({ user: 'u', name: 'n', failover_timeout: 0, checkpoint: false })).roles, ['*']);
});
