/**
 * The services framework on a real cluster: `agora services` against a real master and three
 * agents with distinct hostnames, apps that run real processes. Deploy with the CLI (follows the
 * deployment until healthy), scale up and down, a Python http.server on $PORT0 behind an HTTP
 * health check, memcached ×3 with UNIQUE hostname, a rolling restart that holds its capacity
 * bounds, a failing health check replaced, a crash loop backed off, hostile JSON answered 422,
 * an agent killed with its instances replaced elsewhere, and a group rolled back to a version
 * recorded before the framework crashed and restarted on its state.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCluster, type Cluster } from './support/cluster.ts';
import { AGORA_BIN, freePorts, ROOT, startAgora, waitFor, type Daemon } from './support/processes.ts';

let cluster: Cluster;
let services: Daemon;
let api: string;
let servicesArgs: string[];

interface TaskView { id: string; host: string; ports: number[]; state: string; version: string; healthCheckResults?: { alive: boolean }[] }
interface AppView { id: string; instances: number; version: string; versionInfo: { lastConfigChangeAt: string }; tasksRunning: number; tasksHealthy: number; tasks: TaskView[]; deployments: Array<{ id: string }>; lastTaskFailure?: { state: string } }

const send = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${api}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const app = async (id: string) => (await send('GET', `/v2/apps${id}?embed=app.tasks&embed=app.lastTaskFailure`)).json.app as AppView;
const settled = (id: string, n: number, timeoutMs = 30_000) =>
  waitFor(`${id} to run ${n} current instances`, async () => {
    const a = await app(id);
    const healthy = a.tasks.filter((t) => t.state === 'TASK_RUNNING' && t.version >= a.versionInfo.lastConfigChangeAt);
    // Settled = the instances run and no deployment holds the app (a change now is not a 409).
    return a.tasks.length === n && healthy.length === n && a.deployments.length === 0 ? a : undefined;
  }, timeoutMs, 200);
const noDeployments = () => waitFor('deployments to finish', async () => ((await send('GET', '/v2/deployments')).json.length === 0 ? true : undefined), 30_000, 200);
const cli = (...args: string[]) => spawnSync(process.execPath, [AGORA_BIN, ...args, `--services=${api}`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
const remove = async (id: string) => {
  await send('DELETE', `/v2/apps${id}`);
  await waitFor(`${id} removed`, async () => ((await send('GET', `/v2/apps${id}`)).status === 404 && (await send('GET', '/v2/tasks')).json.tasks.every((t: TaskView) => !t.id.startsWith(id.slice(1).replace(/\//g, '_') + '.')) ? true : undefined), 30_000, 200);
};

before(async () => {
  cluster = await startCluster({
    agents: 3,
    masterFlags: ['--agent-ping-timeout=500ms', '--max-agent-ping-timeouts=3', '--allocation-interval=200ms'],
    // All agents share this machine's network: disjoint port ranges keep their tasks apart.
    // Port ranges below the kernel's ephemeral range (32768+): no outgoing connection can hold a task's port.
    agentFlags: (i) => [`--hostname=node-${i + 1}`, `--resources=cpus:2;mem:2048;disk:4096;ports:[${21000 + i * 1000}-${21999 + i * 1000}]`],
  });
  const [port] = await freePorts(1);
  api = `http://127.0.0.1:${port}`;
  servicesArgs = ['services', `--master=${cluster.masterUrl}`, `--http-port=${port}`, `--state=${join(cluster.dir, 'services')}`, '--tick-interval=200ms', '--log-level=info'];
  services = startAgora('services', servicesArgs, cluster.dir);
  await waitFor('the services API', async () => ((await send('GET', '/v2/info')).json?.elected === true ? true : undefined), 30_000, 100);
});

after(async () => {
  if (process.env.SERVICES_E2E_DEBUG) process.stderr.write(services?.log() ?? '');
  await services?.stop();
  await cluster?.stop();
});

test('agora app deploy: a Python http.server on $PORT0 behind an HTTP health check, reachable; scale up and down', async () => {
  const file = join(cluster.dir, 'web.json');
  writeFileSync(file, JSON.stringify({
    id: '/web', cmd: 'exec python3 -m http.server $PORT0 --bind 127.0.0.1', cpus: 0.1, mem: 64, instances: 2,
    healthChecks: [{ protocol: 'MESOS_HTTP', path: '/', portIndex: 0, gracePeriodSeconds: 30, intervalSeconds: 1, timeoutSeconds: 1, delaySeconds: 0, maxConsecutiveFailures: 3 }],
  }));
  const r = cli('app', 'deploy', file, '--timeout=60s');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /deployment .* finished/);
  const a = await app('/web');
  assert.equal(a.tasksHealthy, 2);
  for (const t of a.tasks) {
    const res = await fetch(`http://127.0.0.1:${t.ports[0]}/`);
    assert.equal(res.status, 200);
  }
  const up = cli('app', 'scale', '/web', '3', '--timeout=60s');
  assert.equal(up.status, 0, up.stdout + up.stderr);
  assert.equal((await app('/web')).tasksHealthy, 3);
  const down = cli('app', 'scale', '/web', '1', '--timeout=60s');
  assert.equal(down.status, 0, down.stdout + down.stderr);
  await settled('/web', 1);
  const list = cli('app', 'list');
  assert.match(list.stdout, /\/web\s+1\/1/);
  await remove('/web');
});

test('hostile JSON is answered 422 with the field path; the CLI prints it and exits 1', async () => {
  const r = await send('POST', '/v2/apps', { id: '/bad', cmd: 'x', mem: -5, constraints: [['hostname', 'SOMETIMES']] });
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.details.map((d: { path: string }) => d.path).sort(), ['/constraints(0)', '/mem']);
  const file = join(cluster.dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ id: '/bad', cmd: 'x', cpus: 'lots' }));
  const c = cli('app', 'deploy', file);
  assert.equal(c.status, 1);
  assert.match(c.stderr, /\/cpus: error\.expected\.jsnumber/);
});

test('memcached scaled to 3 with UNIQUE hostname: one per agent, each answering on its port', async () => {
  const r = await send('POST', '/v2/apps', {
    id: '/cache/memcached', cmd: 'exec /usr/bin/memcached -u nobody -l 127.0.0.1 -p $PORT0 -U 0 -m 16', cpus: 0.1, mem: 64, instances: 1,
    constraints: [['hostname', 'UNIQUE']],
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  await settled('/cache/memcached', 1);
  assert.equal((await send('PUT', '/v2/apps/cache/memcached', { instances: 3 })).status, 200);
  const a = await settled('/cache/memcached', 3).catch(async (e: unknown) => {
    console.log(JSON.stringify(await app('/cache/memcached')), JSON.stringify((await send('GET', '/v2/deployments')).json), JSON.stringify((await send('GET', '/v2/queue')).json));
    throw e;
  });
  assert.deepEqual(a.tasks.map((t) => t.host).sort(), ['node-1', 'node-2', 'node-3']);
  const ask = (port: number) =>
    new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => s.write('version\r\n'));
      s.once('data', (d) => {
        resolve(d.toString());
        s.end();
      });
      s.once('error', reject);
    });
  // RUNNING means started; memcached binds its port a moment later.
  for (const t of a.tasks) assert.match(await waitFor(`memcached on ${t.ports[0]}`, () => ask(t.ports[0]!), 10_000, 100), /^VERSION /);
  // A fourth cannot be placed: the queue says why.
  await send('PUT', '/v2/apps/cache/memcached', { instances: 4 });
  const q = await waitFor('the queue to explain', async () => {
    const e = (await send('GET', '/v2/queue')).json.queue.find((x: { app: { id: string } }) => x.app.id === '/cache/memcached');
    return e?.processedOffersSummary.rejectSummaryLastOffers.some((x: { reason: string }) => x.reason === 'UnfulfilledConstraint') ? e : undefined;
  }, 20_000, 200);
  assert.equal(q.count, 1);
  await send('PUT', '/v2/apps/cache/memcached?force=true', { instances: 3 });
  await noDeployments();
  await remove('/cache/memcached');
});

test('rolling restart holds minimumHealthCapacity and maximumOverCapacity', async () => {
  await send('POST', '/v2/apps', { id: '/roll', cmd: 'sleep 600', cpus: 0.1, mem: 16, instances: 4, upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.25 } });
  const before = await settled('/roll', 4);
  await noDeployments();
  const r = await send('POST', '/v2/apps/roll/restart');
  assert.equal(r.status, 200);
  let minRunning = Infinity;
  let maxLive = 0;
  for (;;) {
    const a = await app('/roll');
    minRunning = Math.min(minRunning, a.tasks.filter((t) => t.state === 'TASK_RUNNING').length);
    maxLive = Math.max(maxLive, a.tasks.length);
    const deps = (await send('GET', '/v2/deployments')).json;
    if (deps.length === 0) break;
    await new Promise((res) => setTimeout(res, 30));
  }
  assert.ok(minRunning >= 2, `running dropped to ${minRunning} (minimum 2)`);
  assert.ok(maxLive <= 5, `live instances rose to ${maxLive} (maximum 5)`);
  const after = await settled('/roll', 4);
  assert.ok(after.tasks.every((t) => !before.tasks.some((b) => b.id === t.id)), 'every instance was replaced');
  await remove('/roll');
});

test('a failing health check gets the instance killed and replaced', async () => {
  await send('POST', '/v2/apps', {
    id: '/sick', cmd: 'sleep 600', cpus: 0.1, mem: 16,
    healthChecks: [{ protocol: 'COMMAND', command: { value: 'false' }, gracePeriodSeconds: 0, intervalSeconds: 1, timeoutSeconds: 1, delaySeconds: 0, maxConsecutiveFailures: 1 }],
  });
  const seen = new Set<string>();
  await waitFor('a replacement after a health kill', async () => {
    for (const t of (await app('/sick')).tasks) seen.add(t.id);
    return seen.size >= 2 ? true : undefined;
  }, 30_000, 200);
  await send('DELETE', '/v2/apps/sick?force=true');
  await waitFor('/sick removed', async () => ((await send('GET', '/v2/apps/sick')).status === 404 ? true : undefined), 30_000, 200);
});

test('a crash loop is backed off (backoffSeconds × backoffFactor), visible in /v2/queue', async () => {
  await send('POST', '/v2/apps', { id: '/crash', cmd: 'exit 3', cpus: 0.1, mem: 16, backoffSeconds: 1, backoffFactor: 3, maxLaunchDelaySeconds: 60 });
  const start = Date.now();
  const ids = new Set<string>();
  const q = await waitFor('a delayed launch', async () => {
    for (const t of (await app('/crash')).tasks) ids.add(t.id);
    const e = (await send('GET', '/v2/queue')).json.queue.find((x: { app: { id: string } }) => x.app.id === '/crash');
    return e && e.delay.timeLeftSeconds >= 2 ? e : undefined;
  }, 30_000, 100);
  assert.ok(q.delay.timeLeftSeconds <= 9);
  assert.equal((await app('/crash')).lastTaskFailure?.state, 'TASK_FAILED');
  // Delays 1 s then 3 s then 9 s: within 4 s at most 3 launches.
  while (Date.now() - start < 4000) {
    for (const t of (await app('/crash')).tasks) ids.add(t.id);
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(ids.size <= 3, `${ids.size} launches in 4 s`);
  await send('DELETE', '/v2/apps/crash?force=true');
});

test('an agent killed: its instance is replaced on another agent', async () => {
  await send('POST', '/v2/apps', { id: '/spread', cmd: 'sleep 600', cpus: 0.1, mem: 16, instances: 2, constraints: [['hostname', 'UNIQUE']] });
  const a = await settled('/spread', 2);
  const victimHost = a.tasks[0]!.host;
  const index = Number(victimHost.split('-')[1]) - 1;
  await cluster.agents[index]!.kill();
  const replaced = await waitFor('a replacement elsewhere', async () => {
    const now = await app('/spread');
    const running = now.tasks.filter((t) => t.state === 'TASK_RUNNING');
    return running.length === 2 && running.every((t) => t.host !== victimHost) ? now : undefined;
  }, 40_000, 200);
  assert.equal(new Set(replaced.tasks.map((t) => t.host)).size, 2);
});

test('a group rolled back to a version recorded before the framework crashed and restarted', async () => {
  const v1 = await send('POST', '/v2/groups', { id: '/rb', apps: [{ id: 'a', cmd: 'sleep 1000', cpus: 0.05, mem: 16 }] });
  assert.equal(v1.status, 201);
  await settled('/rb/a', 1);
  const v2 = await send('PUT', '/v2/groups/rb', { apps: [{ id: 'a', cmd: 'sleep 2000', cpus: 0.05, mem: 16 }, { id: 'b', cmd: 'sleep 1000', cpus: 0.05, mem: 16 }] });
  assert.equal(v2.status, 200);
  await settled('/rb/a', 1);
  await settled('/rb/b', 1);

  await services.kill();
  services = startAgora('services', servicesArgs, cluster.dir);
  await waitFor('the restarted services API', async () => ((await send('GET', '/v2/info').catch(() => undefined))?.json?.elected === true ? true : undefined), 30_000, 100);
  assert.deepEqual((await send('GET', '/v2/groups/rb/versions')).json, [v2.json.version, v1.json.version]);

  const rolled = await send('PUT', '/v2/groups/rb', { version: v1.json.version });
  assert.equal(rolled.status, 200);
  const a = await settled('/rb/a', 1);
  assert.equal(a.versionInfo.lastConfigChangeAt, rolled.json.version);
  assert.equal((await send('GET', '/v2/apps/rb/a')).json.app.cmd, 'sleep 1000');
  await waitFor('/rb/b and its task gone', async () => ((await send('GET', '/v2/apps/rb/b')).status === 404 && (await send('GET', '/v2/tasks')).json.tasks.every((t: TaskView) => !t.id.startsWith('rb_b.')) ? true : undefined), 30_000, 200);
  await noDeployments();
});
