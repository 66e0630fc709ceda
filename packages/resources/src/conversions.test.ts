import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrap } from '@agora/protocol';
import { conversionsFor } from './conversions.ts';
import { Resources } from './resources.ts';

const R = (text: string): Resources => unwrap(Resources.parse(text));

test('RESERVE, UNRESERVE, CREATE and DESTROY as conversions applied to an agent', () => {
  const agent = R('cpus:4;mem:1024;disk:100');
  const reserved = unwrap(R('cpus:1;disk:50').pushReservation({ type: 'DYNAMIC', role: 'eng', principal: 'p' }));
  const afterReserve = unwrap(agent.applyConversions(unwrap(conversionsFor({ type: 'RESERVE', resources: reserved }))));
  assert.ok(afterReserve.equals(R('cpus:3;mem:1024;disk:50').plus(reserved)));

  const volume = unwrap(Resources.fromProto([{
    name: 'disk', type: 'SCALAR', scalar: { value: 50 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }],
    disk: { persistence: { id: 'v1' }, volume: { container_path: 'data', mode: 'RW' } },
  }]));
  const afterCreate = unwrap(afterReserve.applyConversions(unwrap(conversionsFor({ type: 'CREATE', volumes: volume }))));
  assert.equal(afterCreate.persistentVolumes().size, 1);
  assert.equal(afterCreate.reserved('eng').scalar('disk'), 50);

  const afterDestroy = unwrap(afterCreate.applyConversions(unwrap(conversionsFor({ type: 'DESTROY', volumes: volume }))));
  assert.ok(afterDestroy.equals(afterReserve));
  const afterUnreserve = unwrap(afterDestroy.applyConversions(unwrap(conversionsFor({ type: 'UNRESERVE', resources: reserved }))));
  assert.ok(afterUnreserve.equals(agent));

  assert.equal(conversionsFor({ type: 'UNRESERVE', resources: R('cpus:1') }).ok, false);
  assert.equal(conversionsFor({ type: 'CREATE', volumes: R('disk:1') }).ok, false);
  // Creating a volume that is not backed by the agent's reserved disk fails when applied.
  assert.equal(agent.applyConversions(unwrap(conversionsFor({ type: 'CREATE', volumes: volume }))).ok, false);
});
