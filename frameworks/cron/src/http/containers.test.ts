/**
 * Jobs with a container, through both APIs: validation naming the field, the job shown as it was
 * written, and the launched TaskInfo carrying the image (MESOS containerizer, DOCKER image) and
 * its volumes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FUTURE, offer, setup, waitUntil } from './testing.ts';

const field = (r: { json: unknown }) => (r.json as { field?: string }).field;
const path422 = (r: { json: unknown }) => (r.json as { details: { path: string }[] }).details[0]!.path;

test('Chronos: container.image runs under the Mesos containerizer with its volumes; bad containers are 400s naming the field', async (t) => {
  const { call, master, cron } = await setup(t);
  const job = (container: unknown) => ({ name: 'boxed', command: 'cat /data/hello', schedule: `R/${FUTURE}/PT1H`, container });
  for (const [container, expected] of [
    [{ type: 'DOCKER' }, 'container.image'],
    [{ type: 'DOCKER', image: 'has space' }, 'container.image'],
    [{ type: 'LXC', image: 'busybox' }, 'container.type'],
    [{ image: 'busybox', volumes: [{ containerPath: '/x' }] }, 'container.volumes[0].hostPath'],
    [{ image: 'busybox', volumes: [{ hostPath: '/x' }] }, 'container.volumes[0].containerPath'],
    [{ image: 'busybox', volumes: [{ containerPath: '/x', hostPath: '/y', mode: 'RX' }] }, 'container.volumes[0].mode'],
    [{ image: 'busybox', volumes: {} }, 'container.volumes'],
    [{ image: 'busybox', network: 'OVERLAY' }, 'container.network'],
    [{ image: 'busybox', forcePullImage: 'yes' }, 'container.forcePullImage'],
    ['busybox', 'container'],
  ] as const) {
    const r = await call('POST', '/v1/scheduler/iso8601', job(container));
    assert.deepEqual([r.status, field(r)], [400, expected], `${JSON.stringify(container)}: ${r.text}`);
  }
  const container = { type: 'DOCKER', image: 'busybox:test', network: 'BRIDGE', forcePullImage: true, volumes: [{ containerPath: '/shared', hostPath: '/srv/shared', mode: 'RO' }, { containerPath: 'scratch', hostPath: 'scratch' }], parameters: [{ key: 'memory-swap', value: '0' }] };
  assert.equal((await call('POST', '/v1/scheduler/iso8601', job(container))).status, 204);
  const shown = (await call('GET', '/v1/scheduler/job/boxed')).json as { container: unknown };
  assert.deepEqual(shown.container, { ...container, volumes: [container.volumes[0], { ...container.volumes[1], mode: 'RW' }] });

  const sub = await master.nextSubscription();
  await waitUntil(() => cron.framework!.isReconciled);
  assert.equal((await call('PUT', '/v1/scheduler/job/boxed')).status, 204);
  sub.offers([offer('o1')]);
  const task = (await master.nextCall('ACCEPT')).call.accept!.operations![0]!.launch!.task_infos![0]!;
  assert.deepEqual(task.container, {
    type: 'MESOS',
    mesos: { image: { type: 'DOCKER', docker: { name: 'busybox:test' }, cached: false } },
    volumes: [
      { container_path: '/shared', host_path: '/srv/shared', mode: 'RO' },
      { container_path: 'scratch', mode: 'RW', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'SELF', path: 'scratch' } } },
    ],
  });
  assert.deepEqual([task.command?.shell, task.command?.value], [true, 'cat /data/hello']);

  // MESOS type: the same containerizer; a job without a container gets none.
  assert.equal((await call('POST', '/v1/scheduler/iso8601', { ...job({ type: 'MESOS', image: 'registry.local:5000/tools/busybox@sha256:abc' }), name: 'ucr' })).status, 204);
  assert.equal((await call('POST', '/v1/scheduler/iso8601', { ...job(null), name: 'plain' })).status, 204);
  await call('PUT', '/v1/scheduler/job/ucr');
  await call('PUT', '/v1/scheduler/job/plain');
  sub.offers([offer('o2')]);
  const tasks = (await master.nextCall('ACCEPT')).call.accept!.operations![0]!.launch!.task_infos!;
  const byJob = Object.fromEntries(tasks.map((x) => [x.task_id.value.split('.')[1], x]));
  assert.deepEqual(byJob.ucr?.container?.mesos?.image, { type: 'DOCKER', docker: { name: 'registry.local:5000/tools/busybox@sha256:abc' }, cached: true });
  assert.equal(byJob.plain?.container, undefined);
});

test('Metronome: run.docker.image and run.ucr.image.id (+ run.volumes) launch from the image; 422 paths name the field', async (t) => {
  const { call, master, cron } = await setup(t);
  for (const [run, expected] of [
    [{ cmd: 'true', docker: {} }, '/run/docker/image'],
    [{ cmd: 'true', ucr: { image: {} } }, '/run/ucr/image/id'],
    [{ cmd: 'true', ucr: {} }, '/run/ucr/image'],
    [{ cmd: 'true', ucr: { image: { id: 'busybox', kind: 'appc' } } }, '/run/ucr/image/kind'],
    [{ cmd: 'true', docker: { image: 'a' }, ucr: { image: { id: 'b' } } }, '/run/ucr'],
    [{ cmd: 'true', volumes: [{ containerPath: '/a', hostPath: '/b', mode: 'RW' }] }, '/run/volumes'],
    [{ cmd: 'true', docker: { image: 'busybox' }, volumes: [{ containerPath: '/a' }] }, '/run/volumes/0/hostPath'],
  ] as const) {
    const r = await call('POST', '/v1/jobs', { id: 'bad', run });
    assert.deepEqual([r.status, path422(r)], [422, expected], `${JSON.stringify(run)}: ${r.text}`);
  }
  const docker = await call('POST', '/v1/jobs', { id: 'dock', run: { cmd: 'cat /data/hello', cpus: 0.1, mem: 32, docker: { image: 'busybox:test' }, volumes: [{ containerPath: '/in', hostPath: '/srv/in', mode: 'RO' }] } });
  assert.equal(docker.status, 201, docker.text);
  assert.deepEqual((docker.json as { run: { docker: unknown; volumes: unknown } }).run.docker, { image: 'busybox:test', forcePullImage: false });
  assert.deepEqual((docker.json as { run: { volumes: unknown } }).run.volumes, [{ containerPath: '/in', hostPath: '/srv/in', mode: 'RO' }]);
  const ucr = await call('POST', '/v1/jobs', { id: 'ucr', run: { cmd: 'cat /data/hello', cpus: 0.1, mem: 32, ucr: { image: { id: 'busybox:test', forcePull: true } } } });
  assert.equal(ucr.status, 201, ucr.text);
  assert.deepEqual((ucr.json as { run: { ucr: unknown } }).run.ucr, { image: { id: 'busybox:test', kind: 'docker', forcePull: true } });

  const sub = await master.nextSubscription();
  await waitUntil(() => cron.framework!.isReconciled);
  assert.equal((await call('POST', '/v1/jobs/dock/runs')).status, 201);
  assert.equal((await call('POST', '/v1/jobs/ucr/runs')).status, 201);
  sub.offers([offer('o1')]);
  const tasks = (await master.nextCall('ACCEPT')).call.accept!.operations![0]!.launch!.task_infos!;
  const byJob = Object.fromEntries(tasks.map((x) => [x.task_id.value.split('.')[1], x.container]));
  assert.deepEqual(byJob.dock, { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'busybox:test' }, cached: true } }, volumes: [{ container_path: '/in', host_path: '/srv/in', mode: 'RO' }] });
  assert.deepEqual(byJob.ucr, { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'busybox:test' }, cached: false } } });
});
