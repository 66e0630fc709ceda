/**
 * Group versions and rollback through the HTTP API, in process against the SDK's FakeMaster, with
 * the state in a shared MemoryState so that a second framework instance (a failover) reads what
 * the first one stored.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryState } from '@agora/state';
import { startHarness, type Harness } from './testing.ts';

type App = { id: string; cmd: string; instances: number; version: string; versionInfo: { lastConfigChangeAt: string } };
const app = (id: string, cmd: string, instances = 1) => ({ id, cmd, instances, cpus: 0.1, mem: 16 });

const deploymentsDone = (h: Harness) => h.waitFor('deployments to finish', async () => ((await h.api('GET', '/v2/deployments')).json.length === 0 ? true : undefined));
const appsUnder = async (h: Harness, prefix: string): Promise<Record<string, App>> => {
  const list = (await h.api('GET', '/v2/apps')).json.apps as App[];
  return Object.fromEntries(list.filter((a) => a.id.startsWith(prefix)).map((a) => [a.id, a]));
};
const actions = (steps: { actions: { action: string; app: string }[] }[]) => steps.flatMap((s) => s.actions.map((a) => `${a.action} ${a.app}`)).sort();

test('group versions: list, fetch an old tree, 422/404 as Marathon, dryRun, rollback (409 unless force), and after a failover', async () => {
  const data = new MemoryState();
  let h = await startHarness({ store: data.connect() });
  try {
    const other = await h.api('POST', '/v2/apps', app('/other/x', 'sleep 100'));
    assert.equal(other.status, 201);
    const v1 = await h.api('POST', '/v2/groups', { id: '/shop', apps: [app('web', 'sleep 1000'), app('db', 'sleep 1000')] });
    assert.equal(v1.status, 201);
    await deploymentsDone(h);
    const v2 = await h.api('PUT', '/v2/groups/shop', { apps: [app('web', 'sleep 2000', 2), app('db', 'sleep 1000')] });
    assert.equal(v2.status, 200);
    await deploymentsDone(h);
    // The third change adds an app that never starts: its deployment holds the group.
    h.failing.add('shop_cache');
    const v3 = await h.api('PUT', '/v2/groups/shop', { apps: [app('web', 'sleep 2000', 2), app('cache', 'sleep 3000')] });
    assert.equal(v3.status, 200);

    const versions = await h.api('GET', '/v2/groups/shop/versions');
    assert.equal(versions.status, 200);
    assert.deepEqual(versions.json, [v3.json.version, v2.json.version, v1.json.version]);
    const root = (await h.api('GET', '/v2/groups/versions')).json as string[];
    assert.equal(root.length, 4);
    assert.equal(root[3], other.json.version);
    assert.equal((await h.api('GET', '/v2/groups/nothing/versions')).status, 404);

    const old = await h.api('GET', `/v2/groups/shop/versions/${v1.json.version}`);
    assert.equal(old.status, 200);
    assert.equal(old.json.id, '/shop');
    assert.deepEqual(old.json.apps.map((a: App) => [a.id, a.cmd, a.instances]), [['/shop/db', 'sleep 1000', 1], ['/shop/web', 'sleep 1000', 1]]);
    const unknown = await h.api('GET', '/v2/groups/shop/versions/2001-01-01T00:00:00.000Z');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { message: "Group '/shop' does not exist" });

    const mixed = await h.api('PUT', '/v2/groups/shop', { id: '/shop', version: v1.json.version });
    assert.equal(mixed.status, 422);
    assert.deepEqual(mixed.json.details, [{ path: '/version', errors: ['not allowed in conjunction with other properties.'] }]);
    const notText = await h.api('PUT', '/v2/groups/shop', { version: 7 });
    assert.equal(notText.status, 422);
    assert.deepEqual(notText.json.details, [{ path: '/version', errors: ['error.expected.jsstring'] }]);
    const missing = await h.api('PUT', '/v2/groups/shop', { version: '2001-01-01T00:00:00.000Z' });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { message: 'Group /shop not available in version 2001-01-01T00:00:00.000Z' });

    // Definitions only: the failing app's task counts move on their own.
    const definitions = async () => Object.values(await appsUnder(h, '/shop/')).map((a) => ({ id: a.id, cmd: a.cmd, instances: a.instances, version: a.version }));
    const before = await definitions();
    const dry = await h.api('PUT', '/v2/groups/shop?dryRun=true', { version: v1.json.version });
    assert.equal(dry.status, 200);
    assert.deepEqual(actions(dry.json.steps), ['RestartApplication /shop/web', 'StartApplication /shop/db', 'StopApplication /shop/cache']);
    assert.deepEqual(await definitions(), before);
    assert.equal((await h.api('GET', '/v2/deployments')).json.length, 1);
    assert.equal((await h.api('GET', '/v2/groups/shop/versions')).json.length, 3);

    const locked = await h.api('PUT', '/v2/groups/shop', { version: v1.json.version });
    assert.equal(locked.status, 409);
    assert.equal(locked.json.deployments.length, 1);
    const rolled = await h.api('PUT', '/v2/groups/shop?force=true', { version: v1.json.version });
    assert.equal(rolled.status, 200);
    assert.equal(rolled.headers.get('marathon-deployment-id'), rolled.json.deploymentId);
    await deploymentsDone(h);
    const after = await appsUnder(h, '/shop/');
    assert.deepEqual(Object.keys(after).sort(), ['/shop/db', '/shop/web']);
    assert.deepEqual([after['/shop/web']!.cmd, after['/shop/web']!.instances], ['sleep 1000', 1]);
    assert.equal(after['/shop/web']!.versionInfo.lastConfigChangeAt, rolled.json.version);
    assert.equal(after['/shop/db']!.cmd, 'sleep 1000');
    assert.deepEqual((await h.api('GET', '/v2/groups/shop/versions')).json, [rolled.json.version, v3.json.version, v2.json.version, v1.json.version]);

    // A failover: a new framework instance on the same state has the same history.
    await h.close();
    h = await startHarness({ store: data.connect() });
    assert.deepEqual((await h.api('GET', '/v2/groups/shop/versions')).json, [rolled.json.version, v3.json.version, v2.json.version, v1.json.version]);
    const cacheTree = await h.api('GET', `/v2/groups/shop/versions/${v3.json.version}`);
    assert.deepEqual(cacheTree.json.apps.map((a: App) => a.id), ['/shop/cache', '/shop/web']);
    const again = await h.api('PUT', '/v2/groups/shop', { version: v2.json.version });
    assert.equal(again.status, 200);
    await deploymentsDone(h);
    const back = await appsUnder(h, '/shop/');
    assert.deepEqual([back['/shop/web']!.cmd, back['/shop/web']!.instances, back['/shop/db']!.cmd], ['sleep 2000', 2, 'sleep 1000']);
  } finally {
    await h.close();
  }
});

test('group history is bounded by --max-versions; definitions of deleted apps are dropped with the last version that needs them', async () => {
  const data = new MemoryState();
  const h = await startHarness({ store: data.connect(), services: { maxVersions: 3 } });
  const peek = data.connect();
  try {
    const first = await h.api('POST', '/v2/groups', { id: '/g', apps: [app('a', 'sleep 100'), app('b', 'sleep 100')] });
    await deploymentsDone(h);
    const gone = await h.api('DELETE', '/v2/apps/g/b');
    assert.equal(gone.status, 200);
    await deploymentsDone(h);
    // The first version still refers to b: its definition is kept (retired), and a rollback brings b back.
    assert.deepEqual((await h.api('GET', `/v2/groups/g/versions/${first.json.version}`)).json.apps.map((a: App) => a.id), ['/g/a', '/g/b']);
    const retired = await peek.list('services/retired');
    assert.ok(retired.ok && retired.value.length === 1);
    const seen: string[] = [gone.json.version, first.json.version];
    for (const n of [2, 3, 4]) {
      const r = await h.api('PUT', '/v2/apps/g/a', { instances: n });
      assert.equal(r.status, 200);
      seen.unshift(r.json.version);
      await deploymentsDone(h);
    }
    assert.deepEqual((await h.api('GET', '/v2/groups/g/versions')).json, seen.slice(0, 3));
    assert.equal((await h.api('GET', `/v2/groups/g/versions/${first.json.version}`)).status, 404);
    const left = await peek.list('services/retired');
    assert.ok(left.ok);
    assert.deepEqual(left.value, []);
    assert.equal((await h.api('GET', '/v2/apps/g/a/versions')).json.versions.length, 3);
  } finally {
    await peek.close();
    await h.close();
  }
});
