import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '@agora/protocol';
import { withCheckpointed } from './conversions.ts';
import { Resources } from './resources.ts';

const configured = () => {
  const r = Resources.parse('cpus:4;mem:1024;disk:1000');
  assert.ok(r.ok);
  return r.value;
};
const web = [{ type: 'DYNAMIC' as const, role: 'web', principal: 'ops' }];
const cpus: Resource = { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: web };
const totalWithCheckpointed = (base: Resources, list: Resource[]): Resources => {
  const parsed = Resources.fromProto(list);
  assert.ok(parsed.ok);
  const r = withCheckpointed(base, parsed.value);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
};
const volume: Resource = {
  name: 'disk', type: 'SCALAR', scalar: { value: 100 }, reservations: web,
  disk: { persistence: { id: 'db', principal: 'ops' }, volume: { mode: 'RW', container_path: 'data' } },
};

test('checkpointed reservations and volumes are carved out of the configured resources, not added to them', () => {
  const total = totalWithCheckpointed(configured(), [cpus, volume]);
  assert.equal(total.scalar('cpus'), 4);
  assert.equal(total.scalar('disk'), 1000);
  assert.equal(total.unreserved().scalar('cpus'), 3);
  assert.equal(total.unreserved().scalar('disk'), 900);
  const reserved = total.reservations().get('web');
  assert.ok(reserved);
  assert.equal(reserved.scalar('cpus'), 1);
  assert.equal(reserved.persistentVolumes().scalar('disk'), 100);
});

test('nothing checkpointed: the configured resources; more checkpointed than configured: added on top', () => {
  assert.ok(totalWithCheckpointed(configured(), []).equals(configured()));
  const big: Resource = { ...cpus, scalar: { value: 8 } };
  const total = totalWithCheckpointed(configured(), [big]);
  assert.equal(total.unreserved().scalar('cpus'), 4);
  assert.equal(total.reservations().get('web')!.scalar('cpus'), 8);
});
