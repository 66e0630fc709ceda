/**
 * Image containers end to end, without a Docker daemon: a busybox image built at test time from
 * Debian's busybox-static and saved as `docker save` would (packages/agent/src/images/testing.ts),
 * in the agent's --docker-registry directory; command tasks with ContainerInfo MESOS + DOCKER image
 * run under runc in the cgroups of cgroups/cpu and cgroups/mem — with the executor host (agent 1)
 * and command executor processes (agent 2). They see the image's root filesystem (whiteouts
 * applied), the image's env and workdir, the sandbox at /mnt/mesos/sandbox, a sandbox volume and
 * their memory limit; a task without a command runs the image's Cmd. Nothing stays mounted and no
 * cgroup or runc state is left once the tasks are done.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ContainerInfo, Offer } from '@agora/protocol';
import { imageTestsSkipReason, writeDockerSave } from '../packages/agent/src/images/testing.ts';
import { startCluster, type Cluster } from './support/cluster.ts';
import { TestFramework } from './support/framework.ts';
import { tempDir, waitFor } from './support/processes.ts';

const skip = imageTestsSkipReason();
const roots = [`agora-img-${process.pid}-1`, `agora-img-${process.pid}-2`];
const image: ContainerInfo = { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'busybox:test' }, cached: true } } };

let cluster: Cluster;
let fw: TestFramework;
let agentIds: string[];
let registry: string;

function roomyOffer(agentId: string): Promise<Offer> {
  return waitFor(`an offer from ${agentId}`, () => {
    const i = fw.offers.findIndex((o) => o.agent_id.value === agentId && (o.resources ?? []).some((r) => r.name === 'mem' && (r.scalar?.value ?? 0) >= 64));
    return i < 0 ? undefined : fw.offers.splice(i, 1)[0];
  });
}

const sandboxOf = (i: number, taskId: string) => {
  const base = join(cluster.dir, `agent-${i + 1}`, 'slaves', agentIds[i]!, 'frameworks', fw.id, 'executors', taskId, 'runs', 'latest');
  return base;
};

before(async () => {
  if (skip) return;
  registry = tempDir('registry');
  writeDockerSave(registry, 'busybox', 'test');
  cluster = await startCluster({
    agents: 2,
    agentFlags: (i) => [
      '--isolation=cgroups/cpu,cgroups/mem', `--cgroups-root=${roots[i]}`,
      '--image-providers=docker', `--docker-registry=${registry}`,
      ...(i === 1 ? ['--command-executor=process', '--image-provisioner-backend=copy'] : []),
    ],
  });
  agentIds = await cluster.agentIds();
  fw = new TestFramework(cluster.masterUrl, { name: 'images', user: 'root' }).start();
  await fw.subscribed();
});

after(async () => {
  if (skip) return;
  await fw.teardown().catch(() => undefined);
  await cluster.stop();
  // runc creates the agent's root in every hierarchy (the unified one of a hybrid host too).
  for (const root of roots) for (const c of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', c, root);
    if (existsSync(dir)) rmdirSync(dir);
  }
});

for (const [i, mode] of [[0, 'executor host, overlay'], [1, 'process, copy']] as const) {
  test(`${mode}: a busybox task runs from the image under runc, in its cgroups`, { skip }, async () => {
    const offer = await roomyOffer(agentIds[i]!);
    const [t] = await fw.launch(offer, [{
      name: 'busybox',
      command: [
        'test -f /data/hello', 'test ! -e /data/gone', 'test ! -e /data/opaque/old', 'test -f /bin/busybox',
        'test "$IMAGE_VAR" = from-image', 'test "$(pwd)" = /data', 'test "$MESOS_SANDBOX" = /mnt/mesos/sandbox',
        'test -d /mnt/mesos/sandbox/cache', 'echo in-volume > /mnt/mesos/sandbox/cache/f',
        'cat /proc/self/cgroup > /mnt/mesos/sandbox/cgroup', 'echo done > /mnt/mesos/sandbox/out',
      ].join(' && '),
      resources: { cpus: 0.2, mem: 48 },
      extra: { container: { ...image, volumes: [{ container_path: 'cache', mode: 'RW', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'SELF', path: 'vol' } } }] } },
    }]);
    const end = await waitFor(`busybox to end (${fw.statesOf(t!.task_id.value).join(',')})`, () =>
      fw.updates.find((u) => u.task_id.value === t!.task_id.value && ['TASK_FINISHED', 'TASK_FAILED', 'TASK_ERROR'].includes(u.state)), 60_000);
    const sandbox = sandboxOf(i, t!.task_id.value);
    assert.equal(end.state, 'TASK_FINISHED', `${end.message}\n${readFileSync(join(sandbox, 'stderr'), 'utf8').slice(-2000)}`);
    assert.equal(readFileSync(join(sandbox, 'out'), 'utf8'), 'done\n');
    assert.equal(readFileSync(join(sandbox, 'vol', 'f'), 'utf8'), 'in-volume\n');
    const cg = readFileSync(join(sandbox, 'cgroup'), 'utf8');
    assert.match(cg, new RegExp(`memory:/${roots[i]}/[0-9a-f-]+$`, 'm'), cg);
  });

  test(`${mode}: a task without a command runs the image's Cmd`, { skip }, async () => {
    const offer = await roomyOffer(agentIds[i]!);
    const [t] = await fw.launch(offer, [{ name: 'cmd', command: [''], shell: false, resources: { cpus: 0.1, mem: 32 }, extra: { container: image } }]);
    const end = await waitFor('cmd to end', () => fw.updates.find((u) => u.task_id.value === t!.task_id.value && ['TASK_FINISHED', 'TASK_FAILED', 'TASK_ERROR'].includes(u.state)), 60_000);
    assert.equal(end.state, 'TASK_FINISHED', end.message);
    assert.match(readFileSync(join(sandboxOf(i, t!.task_id.value), 'stdout'), 'utf8'), /from-image-cmd/);
  });
}

for (const [i, mode] of [[0, 'executor host'], [1, 'process']] as const) {
  test(`${mode}: a COMMAND health check runs inside the image container (its files, its environment, the sandbox as the task sees it)`, { skip }, async () => {
    const offer = await roomyOffer(agentIds[i]!);
    // /data/hello and IMAGE_VAR exist only in the image: on the host this check would fail.
    const check = 'test -f /data/hello && test "$IMAGE_VAR" = from-image && test "$(pwd)" = /mnt/mesos/sandbox && test "$CHECK_VAR" = set';
    const [t] = await fw.launch(offer, [{
      name: 'checked', command: 'sleep 300', resources: { cpus: 0.1, mem: 32 },
      extra: {
        container: image,
        health_check: {
          type: 'COMMAND', command: { shell: true, value: check, environment: { variables: [{ name: 'CHECK_VAR', type: 'VALUE', value: 'set' }] } },
          delay_seconds: 0, interval_seconds: 1, timeout_seconds: 10, consecutive_failures: 30, grace_period_seconds: 30,
        },
      },
    }]);
    const id = t!.task_id.value;
    const healthy = await waitFor(`a healthy update (${fw.statesOf(id).join(',')})`, () => fw.updates.find((u) => u.task_id.value === id && u.healthy !== undefined), 60_000);
    assert.equal(healthy.healthy, true, readFileSync(join(sandboxOf(i, id), 'stderr'), 'utf8').slice(-2000));
    await fw.driver.kill(t!.task_id);
    await fw.waitForState(id, 'TASK_KILLED', 60_000);
  });
}

test('killing an image task: SIGTERM reaches the command through the container\'s init, no grace period waited out', { skip }, async () => {
  const offer = await roomyOffer(agentIds[0]!);
  const [t] = await fw.launch(offer, [{ name: 'sleeper', command: 'sleep 300', killGracePeriodSeconds: 90, resources: { cpus: 0.1, mem: 32 }, extra: { container: image } }]);
  await fw.waitForState(t!.task_id.value, 'TASK_RUNNING');
  const start = Date.now();
  await fw.driver.kill(t!.task_id);
  // Without the init forwarding SIGTERM this takes the whole 90 s grace period; a loaded machine needs some slack.
  await fw.waitForState(t!.task_id.value, 'TASK_KILLED', 80_000);
  assert.ok(Date.now() - start < 45_000, `killed after ${Date.now() - start} ms (grace 90 s)`);
});

test('an image that is not in the store fails the task cleanly (REASON_CONTAINER_LAUNCH_FAILED, the isolator named)', { skip }, async () => {
  const offer = await roomyOffer(agentIds[0]!);
  const [t] = await fw.launch(offer, [{ name: 'missing', command: 'true', resources: { cpus: 0.1, mem: 32 }, extra: { container: { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'nothere:1' }, cached: true } } } } }]);
  const failed = await fw.waitForState(t!.task_id.value, 'TASK_FAILED');
  assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  assert.match(failed.message ?? '', /^Failed to launch container: Failed to prepare isolator docker\/runtime: image 'nothere:1' not found in --docker-registry /);
});

test('nothing left: no mounts, no container root filesystems, no runc state, no cgroups', { skip }, async () => {
  for (const [i] of roots.entries()) {
    const store = join(cluster.dir, `agent-${i + 1}`, 'store', 'docker');
    const entries = (d: string) => (existsSync(join(store, d)) ? readdirSync(join(store, d)) : []);
    await waitFor('container root filesystems removed', () => (entries('containers').length === 0 ? true : undefined), 10_000);
    assert.deepEqual(entries('runc'), []);
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(store), false);
    for (const c of readdirSync('/sys/fs/cgroup')) {
      const dir = join('/sys/fs/cgroup', c, roots[i]!);
      assert.deepEqual(existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [], [], `${c} cgroups of agent ${i + 1}`);
    }
  }
  mkdirSync(registry, { recursive: true });
});
