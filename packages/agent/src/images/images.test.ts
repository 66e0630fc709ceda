/**
 * Images without a Docker daemon: names, the local store (docker save and OCI layouts, whiteouts,
 * cache by digest), per-container root filesystems (overlay and copy), the container process and
 * volumes. The image is built at test time from busybox-static (testing.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { containerProcess } from './process.ts';
import { detectBackend, isMounted, Provisioner } from './provisioner.ts';
import { parseImageReference, storeCandidates } from './reference.ts';
import { ImageStore } from './store.ts';
import { hasBusybox, writeDockerSave, writeOciLayout } from './testing.ts';
import { volumeMounts } from './volumes.ts';

const skip = !hasBusybox() ? 'busybox-static is not installed (/bin/busybox)' : undefined;

test('image references: tags, digests, registry hosts; store candidates', () => {
  assert.deepEqual(parseImageReference('busybox'), { ok: true, value: { repository: 'busybox', tag: 'latest', digest: undefined } });
  assert.deepEqual(parseImageReference('registry.local:5000/team/app:1.2'), { ok: true, value: { repository: 'team/app', tag: '1.2', digest: undefined } });
  const d = `sha256:${'a'.repeat(64)}`;
  assert.equal(parseImageReference(`busybox@${d}`).ok && parseImageReference(`busybox@${d}`).ok, true);
  assert.match(parseImageReference('busybox@sha256:12').ok ? '' : (parseImageReference('busybox@sha256:12') as { error: string }).error, /digest/);
  assert.equal(parseImageReference('Bad/Name').ok, false);
  assert.deepEqual(storeCandidates({ repository: 'busybox', tag: 'latest', digest: undefined }).slice(0, 4), ['busybox:latest.tar', 'busybox:latest', 'busybox.tar', 'busybox']);
});

for (const format of ['docker save', 'OCI layout'] as const) {
  test(`store (${format}): layers unpacked in order with whiteouts, cached by digest, shared by concurrent requests`, { skip }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agora-store-'));
    try {
      const registry = join(dir, 'registry');
      const digest = format === 'docker save' ? writeDockerSave(registry, 'busybox', 'test') : writeOciLayout(registry, 'busybox', 'test');
      const store = new ImageStore({ registryDir: registry, storeDir: join(dir, 'store') });
      const [a, b] = await Promise.all([store.get('busybox:test'), store.get('busybox:test')]);
      assert.ok(a.ok, a.ok ? '' : a.error);
      assert.deepEqual(b, a);
      assert.equal(a.value.digest, digest);
      const r = a.value.rootfs;
      assert.equal(readFileSync(join(r, 'data', 'hello'), 'utf8'), 'hello from the image\n');
      assert.equal(existsSync(join(r, 'data', 'gone')), false, 'deleted by a whiteout');
      assert.equal(existsSync(join(r, 'data', '.wh.gone')), false, 'whiteouts never land');
      assert.equal(existsSync(join(r, 'data', 'opaque', 'old')), false, 'hidden by the opaque whiteout');
      assert.equal(existsSync(join(r, 'data', 'opaque', 'new')), true);
      assert.ok(statSync(join(r, 'bin', 'busybox')).mode & 0o100);
      assert.deepEqual(a.value.config.Cmd, ['/bin/sh', '-c', 'echo from-image-cmd']);
      const again = await store.get('busybox:test');
      assert.ok(again.ok && again.value.rootfs === r);
      const missing = await store.get('nothere:1');
      assert.ok(!missing.ok && /not found in --docker-registry/.test(missing.error));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

for (const backend of ['overlay', 'copy'] as const) {
  test(`provisioner (${backend}): a private root filesystem per container; destroy removes it`, { skip: skip ?? (process.getuid?.() !== 0 ? 'mounting needs root' : backend === 'overlay' && detectBackend('auto') !== 'overlay' ? 'no overlayfs here' : undefined) }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agora-prov-'));
    try {
      writeDockerSave(join(dir, 'registry'), 'busybox', 'test');
      const img = await new ImageStore({ registryDir: join(dir, 'registry'), storeDir: join(dir, 'store') }).get('busybox:test');
      assert.ok(img.ok);
      const p = new Provisioner(join(dir, 'containers'), backend);
      const r = await p.provision('c1', img.value.rootfs);
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.equal(isMounted(r.value), backend === 'overlay');
      writeFileSync(join(r.value, 'data', 'hello'), 'changed in the container\n');
      assert.equal(readFileSync(join(img.value.rootfs, 'data', 'hello'), 'utf8'), 'hello from the image\n', 'the image is untouched');
      assert.deepEqual(await p.containersOnDisk(), ['c1']);
      assert.ok((await p.destroy('c1')).ok);
      assert.equal(isMounted(r.value), false);
      assert.deepEqual(await p.containersOnDisk(), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('container process: task command, or the image Entrypoint/Cmd; env layers; workdir; user', () => {
  const image = { Entrypoint: ['/bin/tool'], Cmd: ['--default'], Env: ['A=image', 'PATH=/bin'], WorkingDir: '/work', User: '1000:100' };
  const task = (command: object) => ({ name: 't', task_id: { value: 't1' }, agent_id: { value: 'a' }, resources: [], command }) as never;
  const env = { MESOS_FRAMEWORK_ID: 'f', MESOS_DIRECTORY: '/host/path', AGORA_CONTAINER_ID: 'c' };
  const shell = containerProcess(task({ value: 'echo hi', environment: { variables: [{ name: 'A', value: 'task' }] } }), image, env, undefined);
  assert.ok(shell.ok);
  assert.deepEqual(shell.value.args, ['/bin/sh', '-c', 'echo hi']);
  assert.deepEqual([shell.value.env.A, shell.value.env.PATH, shell.value.env.MESOS_SANDBOX, shell.value.env.MESOS_FRAMEWORK_ID, shell.value.env.MESOS_DIRECTORY, shell.value.env.AGORA_CONTAINER_ID], ['task', '/bin', '/mnt/mesos/sandbox', 'f', undefined, undefined]);
  assert.deepEqual([shell.value.cwd, shell.value.uid, shell.value.gid], ['/work', 1000, 100]);
  const fromImage = containerProcess(task({ shell: false }), image, env, 'root');
  assert.ok(fromImage.ok);
  assert.deepEqual([fromImage.value.args, fromImage.value.uid], [['/bin/tool', '--default'], 0]);
  const args = containerProcess(task({ shell: false, arguments: ['--x'] }), image, env, undefined);
  assert.deepEqual(args.ok && args.value.args, ['/bin/tool', '--x']);
  const none = containerProcess(task({ shell: false }), {}, env, undefined);
  assert.ok(!none.ok && /no Entrypoint or Cmd/.test(none.error));
  const nobody = containerProcess(task({ value: 'x' }), {}, env, 'no-such-user-here');
  assert.ok(!nobody.ok && /no such user/.test(nobody.error));
});

test('volumes: sandbox paths stay in the sandbox; host paths only from the allow-list; RO', () => {
  const ok = volumeMounts([
    { container_path: 'cache', mode: 'RW', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'SELF', path: 'shared' } } },
    { container_path: '/etc/ro', mode: 'RO', host_path: '/etc' },
  ] as never, '/sb', ['/etc']);
  assert.deepEqual(ok, { ok: true, value: [
    { destination: '/mnt/mesos/sandbox/cache', type: 'bind', source: '/sb/shared', options: ['rbind', 'rw'] },
    { destination: '/etc/ro', type: 'bind', source: '/etc', options: ['rbind', 'ro'] },
  ] });
  const escape = volumeMounts([{ container_path: 'x', source: { sandbox_path: { path: '../../etc' } } }] as never, '/sb', []);
  assert.ok(!escape.ok && /leaves the sandbox/.test(escape.error));
  const host = volumeMounts([{ container_path: '/h', host_path: '/root' }] as never, '/sb', ['/etc']);
  assert.ok(!host.ok && host.error === "container.volumes[0].host_path '/root' is not under --allowed-host-paths");
});
