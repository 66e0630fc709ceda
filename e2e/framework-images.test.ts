/**
 * Both frameworks run tasks from a container image on a real cluster: a busybox image built at
 * test time (packages/agent/src/images/testing.ts) in the agent's --docker-registry, one agent
 * with the cgroups isolators and a host path it allows, and the real `agora services` and
 * `agora cron` daemons. A Marathon app (`container.type: MESOS`, `docker.image`) and a Chronos
 * job (`container.type: DOCKER`, `image`) plus a Metronome job (`run.ucr.image.id`) each read a
 * file that only the image has (/data/hello) and one from a host volume; their sandbox stdout,
 * read through the agent's /files API, proves where they ran. The app stays running; the jobs
 * succeed once. Every task is gone and nothing is mounted when the test ends.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { imageTestsSkipReason, writeDockerSave } from '../packages/agent/src/images/testing.ts';
import { startCluster, type Cluster } from './support/cluster.ts';
import { freePorts, getJson, removeDir, startAgora, tempDir, waitFor, type Daemon } from './support/processes.ts';

const skip = imageTestsSkipReason();
const cgroupRoot = `agora-fwimg-${process.pid}`;
const IMAGE = 'busybox:fw';

let cluster: Cluster;
let services: Daemon | undefined;
let cron: Daemon | undefined;
let servicesApi: string;
let cronApi: string;
let registry: string;
let shared: string;

const send = async (base: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as any) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
};
/** A file in a task's sandbox, through the agent's /files API (executor ID = task ID for command tasks). */
const sandboxFile = async (frameworkId: string, taskId: string, file: string) => {
  const path = `/frameworks/${frameworkId}/executors/${taskId}/runs/latest/${file}`;
  return (await getJson<{ data: string }>(`${cluster.agentUrls[0]}/files/read?path=${encodeURIComponent(path)}&offset=0`)).data;
};
const frameworkId = async (name: string) => (await cluster.state()).frameworks.find((f) => f.name === name)?.id;

before(async () => {
  if (skip) return;
  registry = tempDir('fwimg-registry');
  writeDockerSave(registry, 'busybox', 'fw');
  shared = tempDir('fwimg-shared');
  writeFileSync(join(shared, 'note'), 'from a host volume\n');
  cluster = await startCluster({
    agents: 1,
    masterFlags: ['--allocation-interval=200ms'],
    agentFlags: [
      '--isolation=cgroups/cpu,cgroups/mem', `--cgroups-root=${cgroupRoot}`, '--image-providers=docker', `--docker-registry=${registry}`,
      `--allowed-host-paths=${shared}`, '--resources=cpus:4;mem:2048;disk:4096;ports:[24000-24999]',
    ],
  });
  const [sPort, cPort] = await freePorts(2);
  servicesApi = `http://127.0.0.1:${sPort}`;
  cronApi = `http://127.0.0.1:${cPort}`;
  services = startAgora('services', ['services', `--master=${cluster.masterUrl}`, `--http-port=${sPort}`, `--state=${join(cluster.dir, 'services')}`, '--tick-interval=200ms', '--log-level=info'], cluster.dir);
  cron = startAgora('cron', ['cron', `--master=${cluster.masterUrl}`, `--http-port=${cPort}`, `--state=${join(cluster.dir, 'cron')}`, '--offer-hold=PT2S', '--log-level=info'], cluster.dir);
  await waitFor('the services API', async () => ((await send(servicesApi, 'GET', '/v2/info')).json?.elected === true ? true : undefined), 30_000, 100);
  await waitFor('the cron daemon to lead', async () => ((await send(cronApi, 'GET', '/leader')).json?.leader === cronApi.slice(7) ? true : undefined), 30_000, 100);
});

after(async () => {
  if (skip) return;
  if (process.env.FWIMG_E2E_DEBUG) process.stderr.write(`${services?.log() ?? ''}\n${cron?.log() ?? ''}\n`);
  await services?.stop();
  await cron?.stop();
  await cluster?.stop();
  // runc creates the agent's cgroup root in every hierarchy.
  for (const c of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', c, cgroupRoot);
    if (existsSync(dir)) rmdirSync(dir);
  }
  removeDir(registry);
  removeDir(shared);
});

test('services: a Marathon app with container.docker.image runs from the image (and a host volume) and stays running', { skip }, async () => {
  const r = await send(servicesApi, 'POST', '/v2/apps', {
    id: '/boxed', cmd: 'cat /data/hello /shared/note && exec sleep 600', cpus: 0.1, mem: 32, instances: 1,
    container: { type: 'MESOS', docker: { image: IMAGE }, volumes: [{ containerPath: '/shared', hostPath: shared, mode: 'RO' }] },
  });
  assert.equal(r.status, 201, r.text);
  const task = await waitFor('the app to run', async () => {
    const a = (await send(servicesApi, 'GET', '/v2/apps/boxed?embed=app.tasks&embed=app.lastTaskFailure')).json.app;
    assert.equal(a.lastTaskFailure, undefined, JSON.stringify(a.lastTaskFailure));
    return a.tasksRunning === 1 ? (a.tasks[0] as { id: string; state: string }) : undefined;
  }, 60_000, 200);
  const fw = (await frameworkId('marathon'))!;
  assert.ok(fw, 'the services framework is registered');
  const out = await waitFor('the app\'s stdout', async () => {
    const data = await sandboxFile(fw, task.id, 'stdout');
    return data.includes('from a host volume') ? data : undefined;
  }, 20_000, 200);
  assert.equal(out, 'hello from the image\nfrom a host volume\n');
  // Still running a moment later: the same task, no replacement, no failure.
  await new Promise((res) => setTimeout(res, 1000));
  const a = (await send(servicesApi, 'GET', '/v2/apps/boxed?embed=app.tasks')).json.app;
  assert.deepEqual([a.tasksRunning, a.tasks.map((x: { id: string }) => x.id)], [1, [task.id]]);

  assert.equal((await send(servicesApi, 'DELETE', '/v2/apps/boxed')).status, 200);
  await waitFor('the app\'s task to end', async () => ((await cluster.state()).frameworks.find((f) => f.id === fw)?.tasks.length === 0 ? true : undefined), 30_000, 200);
});

test('cron: a Chronos job with container.image (R1, scheduled) and a Metronome job with run.ucr.image.id succeed once, in the image', { skip }, async () => {
  const start = new Date(Date.now() + 1500).toISOString();
  const chronos = await send(cronApi, 'POST', '/v1/scheduler/iso8601', {
    name: 'boxed-job', command: 'cat /data/hello /shared/note', schedule: `R1/${start}/PT1H`, epsilon: 'PT30S', retries: 0, cpus: 0.1, mem: 32, disk: 0,
    container: { type: 'DOCKER', image: IMAGE, volumes: [{ containerPath: '/shared', hostPath: shared, mode: 'RO' }] },
  });
  assert.equal(chronos.status, 204, chronos.text);
  const metronome = await send(cronApi, 'POST', '/v1/jobs', { id: 'ucr-job', run: { cmd: 'cat /data/hello', cpus: 0.1, mem: 32, ucr: { image: { id: IMAGE } } } });
  assert.equal(metronome.status, 201, metronome.text);
  const runId = (await send(cronApi, 'POST', '/v1/jobs/ucr-job/runs')).json.id as string;

  const job = await waitFor('the Chronos job to succeed', async () => {
    const j = (await send(cronApi, 'GET', '/v1/scheduler/job/boxed-job')).json;
    assert.equal(j.errorCount, 0, JSON.stringify((await send(cronApi, 'GET', '/v1/scheduler/job/boxed-job/history')).json));
    return j.successCount === 1 ? j : undefined;
  }, 60_000, 200);
  assert.equal(job.container.image, IMAGE);
  const h = (await send(cronApi, 'GET', '/v1/scheduler/job/boxed-job/history')).json as { history: { status: string; exitCode: number; sandbox: string }[] };
  assert.deepEqual([h.history.length, h.history[0]!.status, h.history[0]!.exitCode], [1, 'SUCCESS', 0]);
  const stdout = (await getJson<{ data: string }>(h.history[0]!.sandbox)).data;
  assert.equal(stdout, 'hello from the image\nfrom a host volume\n');

  const run = await waitFor('the Metronome run to succeed', async () => {
    const j = (await send(cronApi, 'GET', '/v1/jobs/ucr-job?embed=history')).json;
    if (j.history.failedFinishedRuns.length > 0) assert.fail(JSON.stringify(j.history));
    return j.history.successfulFinishedRuns.find((x: { id: string }) => x.id === runId);
  }, 60_000, 200);
  assert.ok(run);
  const fw = (await frameworkId('agora-cron'))!;
  assert.equal(await sandboxFile(fw, runId, 'stdout'), 'hello from the image\n');
  // Runs once: nothing more is scheduled for R1.
  assert.equal((await send(cronApi, 'GET', '/v1/scheduler/job/boxed-job')).json.successCount, 1);
});

test('nothing left: no container root filesystems, runc state or mounts in the agent\'s image store', { skip }, async () => {
  const store = join(cluster.dir, 'agent-1', 'store', 'docker');
  const entries = (d: string) => (existsSync(join(store, d)) ? readdirSync(join(store, d)) : []);
  await waitFor('container root filesystems removed', () => (entries('containers').length === 0 && entries('runc').length === 0 ? true : undefined), 15_000, 200);
  assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(store), false);
});
