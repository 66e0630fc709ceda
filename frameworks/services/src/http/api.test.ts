import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from './testing.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const deploymentsDone = () => h.waitFor('deployments to finish', async () => ((await h.api('GET', '/v2/deployments')).json.length === 0 ? true : undefined));
const running = (id: string, n: number) =>
  h.waitFor(`${n} running instances of ${id}`, async () => {
    const r = await h.api('GET', `/v2/apps${id}`);
    return r.json.app.tasksRunning === n && r.json.app.tasksStaged === 0 ? r.json.app : undefined;
  });

test('ping, info, leader', async () => {
  const p = await h.api('GET', '/ping');
  assert.equal(p.text, 'pong');
  const i = await h.api('GET', '/v2/info');
  assert.equal(i.json.elected, true);
  assert.equal(i.headers.get('content-type'), 'application/json');
  const l = await h.api('GET', '/v2/leader');
  assert.equal(l.json.leader, new URL(h.url).host);
});

test('create (201, Location, Marathon-Deployment-Id), show, list with embed, tasks, scale, delete', async () => {
  const r = await h.api('POST', '/v2/apps', { id: '/prod/web', cmd: 'python3 -m http.server $PORT0', cpus: 0.1, mem: 32, instances: 2 });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('location'), '/v2/apps/prod/web');
  const depId = r.headers.get('marathon-deployment-id');
  assert.ok(depId);
  assert.deepEqual(r.json.deployments, [{ id: depId }]);
  assert.equal(r.json.tasksRunning, 0);
  assert.equal(r.json.portDefinitions[0].port, 10000);
  await running('/prod/web', 2);
  await deploymentsDone();

  const dup = await h.api('POST', '/v2/apps', { id: '/prod/web', cmd: 'x' });
  assert.equal(dup.status, 409);

  const encoded = await h.api('GET', '/v2/apps/%2Fprod%2Fweb?embed=app.tasks');
  assert.equal(encoded.status, 200);
  assert.equal(encoded.json.app.tasks.length, 2);
  assert.match(encoded.json.app.tasks[0].id, /^prod_web\./);
  const list = await h.api('GET', '/v2/apps?embed=apps.tasks&label=');
  assert.equal(list.json.apps.length, 1);
  const tasks = await h.api('GET', '/v2/apps/prod/web/tasks');
  assert.equal(tasks.json.tasks.length, 2);
  const text = await h.api('GET', '/v2/tasks', undefined, { accept: 'text/plain' });
  assert.match(text.text, /^\/prod\/web\t10000\tagent1:\d+\tagent1:\d+\n$/);

  const scale = await h.api('PUT', '/v2/apps/prod/web', { instances: 3 });
  assert.equal(scale.status, 200);
  assert.ok(scale.json.deploymentId);
  await running('/prod/web', 3);
  const versions = await h.api('GET', '/v2/apps/prod/web/versions');
  assert.equal(versions.json.versions.length, 2);
  // Scaling keeps the config version: no task was replaced.
  assert.equal(h.killed.length, 0);

  const del = await h.api('DELETE', '/v2/apps/prod/web');
  assert.equal(del.status, 200);
  await h.waitFor('all killed', () => (h.killed.length === 3 ? true : undefined));
  assert.equal((await h.api('GET', '/v2/apps/prod/web')).status, 404);
  await deploymentsDone();
});

test('hostile JSON: 422 with field paths, 400 for malformed text', async () => {
  const bad = await h.api('POST', '/v2/apps', { id: '/UPPER', cmd: 'x', cpus: -1, instances: 'many', upgradeStrategy: { minimumHealthCapacity: 2 } });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.message, 'Invalid JSON');
  assert.deepEqual(bad.json.details, [{ path: '/instances', errors: ['error.expected.jsnumber'] }]);
  const invalid = await h.api('POST', '/v2/apps', { id: '/UPPER', cmd: 'x', cpus: -1, upgradeStrategy: { minimumHealthCapacity: 2 } });
  assert.equal(invalid.status, 422);
  assert.equal(invalid.json.message, 'Object is not valid');
  assert.deepEqual(invalid.json.details.map((d: { path: string }) => d.path).sort(), ['/cpus', '/id', '/upgradeStrategy/minimumHealthCapacity']);
  const malformed = await h.api('POST', '/v2/apps', '{"id": ');
  assert.equal(malformed.status, 400);
});

test('rolling restart replaces every instance; the lock gives 409 without force', async () => {
  h.unhealthy.add('roll.');
  await h.api('POST', '/v2/apps', {
    id: '/roll', cmd: 'sleep 1000', cpus: 0.1, mem: 16, instances: 2,
    healthChecks: [{ protocol: 'COMMAND', command: { value: 'true' } }],
  });
  // Unhealthy: the deployment cannot finish, so the app stays locked.
  await h.waitFor('2 launched', () => (h.launched.filter((t) => t.task_id.value.startsWith('roll.')).length >= 2 ? true : undefined));
  const locked = await h.api('PUT', '/v2/apps/roll', { cmd: 'sleep 2000' });
  assert.equal(locked.status, 409);
  assert.equal(locked.json.deployments.length, 1);
  h.unhealthy.delete('roll.');
  const forced = await h.api('PUT', '/v2/apps/roll?force=true', { cmd: 'sleep 2000' });
  assert.equal(forced.status, 200);
  await h.waitFor('roll converged', async () => {
    const r = await h.api('GET', '/v2/apps/roll?embed=app.tasks');
    const app = r.json.app;
    return app.tasksHealthy === 2 && app.tasks.length === 2 && app.tasks.every((t: { version: string }) => t.version === app.version) ? true : undefined;
  });
  await deploymentsDone();
  const before = new Set((await h.api('GET', '/v2/apps/roll/tasks')).json.tasks.map((t: { id: string }) => t.id));
  const restart = await h.api('POST', '/v2/apps/roll/restart');
  assert.equal(restart.status, 200);
  assert.ok(restart.headers.get('marathon-deployment-id'));
  await deploymentsDone();
  const afterIds = (await h.api('GET', '/v2/apps/roll/tasks')).json.tasks.map((t: { id: string }) => t.id);
  assert.equal(afterIds.length, 2);
  assert.ok(afterIds.every((id: string) => !before.has(id)));
});

test('label-only change: a new version without restarting tasks', async () => {
  const before = (await h.api('GET', '/v2/apps/roll/tasks')).json.tasks.map((t: { id: string }) => t.id).sort();
  const r = await h.api('PATCH', '/v2/apps/roll', { labels: { team: 'web' } });
  assert.equal(r.status, 200);
  await deploymentsDone();
  const app = (await h.api('GET', '/v2/apps/roll')).json.app;
  assert.deepEqual(app.labels, { team: 'web' });
  assert.notEqual(app.versionInfo.lastScalingAt, app.versionInfo.lastConfigChangeAt);
  assert.deepEqual((await h.api('GET', '/v2/apps/roll/tasks')).json.tasks.map((t: { id: string }) => t.id).sort(), before);
});

test('rollback to a version, DELETE deployment reverts, queue with reasons', async () => {
  const versions = (await h.api('GET', '/v2/apps/roll/versions')).json.versions as string[];
  const oldest = versions.at(-1)!;
  const v = await h.api('GET', `/v2/apps/roll/versions/${oldest}`);
  assert.equal(v.json.cmd, 'sleep 1000');
  const rb = await h.api('PUT', '/v2/apps/roll', { version: oldest });
  assert.equal(rb.status, 200);
  await deploymentsDone();
  assert.equal((await h.api('GET', '/v2/apps/roll')).json.app.cmd, 'sleep 1000');

  // An app that cannot fit stays queued with the reason; deleting its deployment reverts it.
  const big = await h.api('PUT', '/v2/apps/roll', { cpus: 100 });
  const dep = big.json.deploymentId;
  const q = await h.waitFor('queue entry', async () => {
    const r = await h.api('GET', '/v2/queue');
    return r.json.queue.find((e: { app: { id: string }; processedOffersSummary: { processedOffersCount: number } }) => e.app.id === '/roll' && e.processedOffersSummary.processedOffersCount > 0);
  });
  assert.ok(q.processedOffersSummary.rejectSummaryLastOffers.some((x: { reason: string }) => x.reason === 'InsufficientCpus'));
  const cancel = await h.api('DELETE', `/v2/deployments/${dep}`);
  assert.equal(cancel.status, 200);
  await deploymentsDone();
  assert.equal((await h.api('GET', '/v2/apps/roll')).json.app.cpus, 0.1);
});

test('crash loop: backoff delays relaunches and DELETE /v2/queue/{id}/delay resets it', async () => {
  h.failing.add('crash.');
  await h.api('POST', '/v2/apps', { id: '/crash', cmd: 'exit 1', cpus: 0.1, mem: 16, backoffSeconds: 30 });
  const q = await h.waitFor('delayed queue entry', async () => {
    const r = await h.api('GET', '/v2/queue');
    return r.json.queue.find((e: { app: { id: string }; delay: { timeLeftSeconds: number } }) => e.app.id === '/crash' && e.delay.timeLeftSeconds > 0);
  });
  assert.ok(q.delay.timeLeftSeconds <= 30);
  const launchedBefore = h.launched.filter((t) => t.task_id.value.startsWith('crash.')).length;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(h.launched.filter((t) => t.task_id.value.startsWith('crash.')).length, launchedBefore);
  const failure = (await h.api('GET', '/v2/apps/crash?embed=app.lastTaskFailure')).json.app.lastTaskFailure;
  assert.equal(failure.state, 'TASK_FAILED');
  h.failing.delete('crash.');
  assert.equal((await h.api('DELETE', '/v2/queue/crash/delay')).status, 204);
  await running('/crash', 1);
  assert.equal((await h.api('DELETE', '/v2/queue/nope/delay')).status, 404);
});

test('kill tasks with scale lowers instances; /v2/tasks/delete refuses unknown ids', async () => {
  const tasks = (await h.api('GET', '/v2/apps/roll/tasks')).json.tasks;
  const r = await h.api('DELETE', `/v2/apps/roll/tasks/${tasks[0].id}?scale=true`);
  assert.equal(r.status, 200);
  assert.ok(r.json.deploymentId);
  await deploymentsDone();
  assert.equal((await h.api('GET', '/v2/apps/roll')).json.app.instances, 1);
  const bad = await h.api('POST', '/v2/tasks/delete', { ids: ['nope.1'] });
  assert.equal(bad.status, 400);
});

test('bulk PUT /v2/apps creates and updates in one deployment; PATCH refuses unknown ids', async () => {
  const r = await h.api('PUT', '/v2/apps', [{ id: '/bulk/a', cmd: 'sleep 1000', cpus: 0.1, mem: 16 }, { id: '/bulk/b', cmd: 'sleep 1000', cpus: 0.1, mem: 16 }]);
  assert.equal(r.status, 200);
  assert.ok(r.headers.get('marathon-deployment-id'));
  await deploymentsDone();
  const p = await h.api('PATCH', '/v2/apps', [{ id: '/bulk/a', instances: 2 }]);
  assert.equal(p.status, 200);
  await deploymentsDone();
  assert.equal((await h.api('GET', '/v2/apps/bulk/a')).json.app.instances, 2);
  assert.equal((await h.api('PATCH', '/v2/apps', [{ id: '/bulk/nope', instances: 2 }])).status, 404);
  await h.api('DELETE', '/v2/groups/bulk');
  await deploymentsDone();
});

test('progress deadline with autoRollback reverts an upgrade that never becomes healthy', async () => {
  await h.api('POST', '/v2/apps', {
    id: '/deadline', cmd: 'sleep 1000', cpus: 0.1, mem: 16, instances: 2,
    healthChecks: [{ protocol: 'COMMAND', command: { value: 'true' } }],
    upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1, progressDeadlineSeconds: 1, autoRollback: true },
  });
  await deploymentsDone();
  h.unhealthy.add('deadline.');
  const events = await fetch(`${h.url}/v2/events?event_type=deployment_failed`, { headers: { accept: 'text/event-stream' } });
  const r = await h.api('PUT', '/v2/apps/deadline', { cmd: 'sleep 2000' });
  assert.equal(r.status, 200);
  const reader = events.body!.getReader();
  let text = '';
  while (!text.includes('event: deployment_failed')) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  h.unhealthy.delete('deadline.');
  await deploymentsDone();
  const app = (await h.api('GET', '/v2/apps/deadline?embed=app.tasks')).json.app;
  assert.equal(app.cmd, 'sleep 1000', 'rolled back');
  assert.equal(app.tasksHealthy, 2);
  await h.api('DELETE', '/v2/apps/deadline');
  await deploymentsDone();
});

test('canary: a restart stops after canaryInstances new instances until promoted', async () => {
  await h.api('POST', '/v2/apps', { id: '/canary', cmd: 'sleep 1000', cpus: 0.1, mem: 16, instances: 3, upgradeStrategy: { canaryInstances: 1 } });
  await deploymentsDone();
  const r = await h.api('PUT', '/v2/apps/canary', { cmd: 'sleep 2000' });
  const target = (await h.api('GET', '/v2/apps/canary')).json.app.version;
  const current = async () => ((await h.api('GET', '/v2/apps/canary/tasks')).json.tasks as { version: string; state: string }[]).filter((t) => t.version === target && t.state === 'TASK_RUNNING').length;
  await h.waitFor('the canary', async () => ((await current()) === 1 ? true : undefined));
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(await current(), 1, 'held at one new instance');
  const d = (await h.api('GET', '/v2/deployments')).json.find((x: { id: string }) => x.id === r.json.deploymentId);
  assert.deepEqual(d.canary, { promoted: false });
  assert.equal((await h.api('POST', `/v2/deployments/${r.json.deploymentId}/promote`)).status, 200);
  await deploymentsDone();
  assert.equal(await current(), 3);
  assert.equal(((await h.api('GET', '/v2/apps/canary/tasks')).json.tasks as unknown[]).length, 3);
  await h.api('DELETE', '/v2/apps/canary');
  await deploymentsDone();
});

test('groups: tree, dryRun plan with dependency order, create and delete', async () => {
  const body = { id: '/shop', apps: [{ id: 'db', cmd: 'sleep 1000', cpus: 0.1, mem: 16 }, { id: 'web', cmd: 'sleep 1000', cpus: 0.1, mem: 16, dependencies: ['db'] }] };
  const dry = await h.api('PUT', '/v2/groups/shop?dryRun=true', body);
  assert.equal(dry.status, 200);
  assert.deepEqual(dry.json.steps.map((s: { actions: { app: string }[] }) => s.actions.map((a) => a.app)), [['/shop/db'], ['/shop/web']]);
  const created = await h.api('POST', '/v2/groups', body);
  assert.equal(created.status, 201);
  await deploymentsDone();
  const tree = await h.api('GET', '/v2/groups');
  assert.deepEqual(tree.json.groups.map((g: { id: string }) => g.id), ['/shop']);
  assert.deepEqual(tree.json.groups[0].apps.map((a: { id: string }) => a.id), ['/shop/db', '/shop/web']);
  const del = await h.api('DELETE', '/v2/groups/shop');
  assert.equal(del.status, 200);
  await deploymentsDone();
  assert.equal((await h.api('GET', '/v2/groups/shop')).status, 404);
});

test('events: SSE with named events and an event_type filter; 405 without the media type', async () => {
  assert.equal((await h.api('GET', '/v2/events')).status, 405);
  const ac = new AbortController();
  const res = await fetch(`${h.url}/v2/events?event_type=deployment_success`, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body!.getReader();
  await h.api('PUT', '/v2/apps/roll', { instances: 2 });
  let text = '';
  const dec = new TextDecoder();
  while (!text.includes('event: deployment_success')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value);
  }
  assert.match(text, /event: deployment_success\ndata: \{.*"eventType":"deployment_success"/);
  assert.doesNotMatch(text, /event: status_update_event/);
  ac.abort();
});

test('readiness checks gate the deployment until the instance answers ready', async () => {
  let answers = 0;
  let server: Server | undefined;
  let port = 0;
  for (let p = 31900; p < 32000 && !server; p++) {
    const srv = createServer((req, res) => {
      answers++;
      res.writeHead(req.url === '/ready' && answers > 2 ? 200 : 503).end();
    });
    const ok = await new Promise<boolean>((resolve) => {
      srv.once('error', () => resolve(false));
      srv.listen(p, '127.0.0.1', () => resolve(true));
    });
    if (ok) {
      server = srv;
      port = p;
    }
  }
  assert.ok(server, 'a free port in the offered range');
  try {
    const r = await h.api('POST', '/v2/apps', {
      id: '/ready', cmd: 'sleep 1000', cpus: 0.1, mem: 16, requirePorts: true, portDefinitions: [{ port, name: 'http' }],
      readinessChecks: [{ portName: 'http', path: '/ready', intervalSeconds: 1, timeoutSeconds: 1 }],
    });
    assert.equal(r.status, 201);
    await h.waitFor('running', async () => ((await h.api('GET', '/v2/apps/ready')).json.app.tasksRunning === 1 ? true : undefined));
    assert.equal((await h.api('GET', '/v2/deployments')).json.length, 1, 'not ready yet');
    await h.waitFor('ready', async () => ((await h.api('GET', '/v2/deployments')).json.length === 0 ? true : undefined), 15_000);
    assert.ok(answers >= 3);
    await h.api('DELETE', '/v2/apps/ready');
    await h.waitFor('removed', async () => ((await h.api('GET', '/v2/deployments')).json.length === 0 ? true : undefined));
  } finally {
    server!.close();
  }
});

test('metrics: JSON and Prometheus text (0.0.4) from one registry', async () => {
  const r = await h.api('POST', '/v2/apps', { id: '/metered', cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 2 });
  assert.equal(r.status, 201);
  await running('/metered', 2);
  await deploymentsDone();
  const json = await h.api('GET', '/metrics');
  assert.equal(json.json.services_leader, 1);
  assert.ok(json.json.services_instances >= 2, JSON.stringify(json.json));
  const prom = await h.api('GET', '/metrics/prometheus');
  assert.equal(prom.status, 200);
  assert.match(prom.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  assert.match(prom.text, /^# TYPE agora_services_leader gauge\nagora_services_leader 1$/m);
  const instances = Number(/^agora_services_instances (\d+)$/m.exec(prom.text)?.[1]);
  assert.equal(instances, json.json.services_instances);
  for (const line of prom.text.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{quantile="[\d.]+"\})? -?[\d.e+-]+)$/, line);
  await h.api('DELETE', '/v2/apps/metered');
  await deploymentsDone();
});

test('an app with an image runs under the Mesos containerizer: DOCKER image, host volumes, forcePullImage', async () => {
  const r = await h.api('POST', '/v2/apps', {
    id: '/boxed', cmd: 'cat /data/hello; sleep 1000', cpus: 0.1, mem: 32, instances: 1,
    container: { type: 'DOCKER', docker: { image: 'busybox:test', forcePullImage: true }, volumes: [{ containerPath: '/shared', hostPath: '/srv/shared', mode: 'RO' }, { containerPath: 'scratch', hostPath: 'scratch' }] },
  });
  assert.equal(r.status, 201, r.text);
  await running('/boxed', 1);
  const task = h.launched.find((t) => t.task_id.value.startsWith('boxed.'))!;
  assert.deepEqual(task.container, {
    type: 'MESOS',
    mesos: { image: { type: 'DOCKER', docker: { name: 'busybox:test' }, cached: false } },
    volumes: [
      { container_path: '/shared', host_path: '/srv/shared', mode: 'RO' },
      { container_path: 'scratch', mode: 'RW', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'SELF', path: 'scratch' } } },
    ],
  });
  await h.api('DELETE', '/v2/apps/boxed');
  await deploymentsDone();
});

test('an id longer than 255 characters is a 422 naming the id (not a failed store write)', async () => {
  const long = `/${'a'.repeat(300)}`;
  const app = await h.api('POST', '/v2/apps', { id: long, cmd: 'sleep 1', cpus: 0.01, mem: 8, instances: 0 });
  assert.equal(app.status, 422, app.text);
  assert.deepEqual(app.json.details, [{ path: '/id', errors: ['must be at most 255 characters long'] }]);
  const group = await h.api('POST', '/v2/groups', { id: '/g', groups: [{ id: 'a'.repeat(300) }] });
  assert.equal(group.status, 422, group.text);
  assert.ok(group.json.details.some((d: { path: string; errors: string[] }) => d.path === '/groups(0)/id' && d.errors.includes('must be at most 255 characters long')), group.text);
});

test('a bulk PUT /v2/apps names the app of each problem by its index', async () => {
  const r = await h.api('PUT', '/v2/apps', [{ id: '/bulk/ok', cmd: 'sleep 1', cpus: 0.01, mem: 8, instances: 0 }, { id: '/bulk/bad', cmd: 'sleep 1', cpus: -1, mem: 8 }]);
  assert.equal(r.status, 422, r.text);
  assert.ok(r.json.details.every((d: { path: string }) => d.path.startsWith('/(1)')), r.text);
});

test('POST /v2/tasks/delete with a body that is not an object is a 422', async () => {
  for (const body of ['null', '[]', '"x"', '1']) {
    const r = await h.api('POST', '/v2/tasks/delete', body);
    assert.equal(r.status, 422, `${body}: ${r.text}`);
    assert.deepEqual(r.json.details, [{ path: '/', errors: ['error.expected.jsobject'] }]);
  }
});
