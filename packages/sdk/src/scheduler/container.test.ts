import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContainerInfo, decode, encodeJson } from '@agora/protocol';
import { imageContainer } from './container.ts';

test('imageContainer: MESOS type with a DOCKER image; host and sandbox volumes as mesos.proto reads host_path; valid on the wire', () => {
  const c = imageContainer({
    image: 'library/busybox:1.36',
    forcePull: true,
    volumes: [{ containerPath: '/etc/shared', hostPath: '/srv/shared', mode: 'RO' }, { containerPath: 'cache', hostPath: 'cache-dir' }],
  });
  assert.deepEqual(c, {
    type: 'MESOS',
    network_infos: [],
    mesos: { image: { type: 'DOCKER', docker: { name: 'library/busybox:1.36' }, cached: false } },
    volumes: [
      { container_path: '/etc/shared', host_path: '/srv/shared', mode: 'RO' },
      { container_path: 'cache', mode: 'RW', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'SELF', path: 'cache-dir' } } },
    ],
  });
  const decoded = decode(ContainerInfo, JSON.parse(encodeJson(c)));
  assert.ok(decoded.ok, JSON.stringify(decoded));
  assert.equal(imageContainer({ image: 'busybox' }).mesos?.image?.cached, true, 'cached unless a pull is forced');
  assert.deepEqual(imageContainer({ image: 'busybox' }).volumes, []);
});
