// Fuzz: hostile requests to the Marathon-compatible API (app and group bodies with mangled fields,
// hostile ids with `%2F`, `..` and unicode, hostile query parameters, `/v2/tasks/delete` bodies)
// never crash the daemon: every answer is < 500, a 4xx is Marathon's `{message, details}` JSON (a
// 422 names the offending field in `details[].path`), the daemon still answers afterwards, and a
// rejected request leaves the app and group definitions as they were. fast-check picks a random
// seed; a failure prints it with the shrunk input. Knobs: FUZZ_RUNS, FUZZ_NO_SHRINK=1, FUZZ_DEBUG=1.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { applyEdits, edits, hostileValue, materialize, type Json, type Mutation } from '../../../../packages/runtime/src/fuzz.ts';
import { startHarness, type Harness } from './testing.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const OPTS = { numRuns: RUNS, endOnFailure: process.env.FUZZ_NO_SHRINK === '1', includeErrorInReport: true };

let h: Harness;
before(async () => {
  h = await startHarness();
  await ensureFixture();
});
after(async () => {
  await h.close();
});

const APP: Json = {
  id: '/fuzz/app', cmd: 'sleep 1000', cpus: 0.01, mem: 8, disk: 0, instances: 0,
  env: { A: 'b' }, labels: { k: 'v' }, constraints: [['hostname', 'UNIQUE']],
  portDefinitions: [{ port: 0, protocol: 'tcp', name: 'http', labels: {} }],
  healthChecks: [{ protocol: 'COMMAND', command: { value: 'true' }, gracePeriodSeconds: 5, intervalSeconds: 10, timeoutSeconds: 5, maxConsecutiveFailures: 3 }],
  upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
  backoffSeconds: 1, backoffFactor: 1.15, maxLaunchDelaySeconds: 300,
  container: { type: 'MESOS', volumes: [{ containerPath: 'data', mode: 'RW', persistent: { size: 10 } }], docker: { image: 'busybox' } },
  fetch: [{ uri: 'http://example.com/x.tgz', extract: true }],
  killSelection: 'YOUNGEST_FIRST', unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
  residency: { taskLostBehavior: 'WAIT_FOREVER' }, requirePorts: false, dependencies: [], user: 'nobody',
};
const GROUP: Json = { id: '/fuzz/group', apps: [{ id: 'a', cmd: 'sleep 1000', cpus: 0.01, mem: 8, instances: 0 }], groups: [{ id: 'sub', apps: [], groups: [], dependencies: [] }], dependencies: [] };

/** The definitions: what a rejected request must not change (task counts move on their own). */
async function definitions(): Promise<unknown> {
  const apps = (await h.api('GET', '/v2/apps')).json.apps as Record<string, unknown>[];
  const groups = (await h.api('GET', '/v2/groups')).json;
  const strip = (a: Record<string, unknown>) => Object.fromEntries(Object.entries(a).filter(([k]) => !/^tasks|^deployments$|^lastTaskFailure$|^taskStats$|^readinessCheckResults$/.test(k)));
  const groupIds = (g: { id: string; groups?: unknown[]; apps?: { id: string }[] }): unknown => ({ id: g.id, apps: (g.apps ?? []).map((a) => a.id), groups: (g.groups ?? []).map((x) => groupIds(x as never)) });
  return { apps: apps.map(strip), groups: groupIds(groups) };
}

const topFields = (b: Json): Set<string> => new Set(b !== null && typeof b === 'object' && !Array.isArray(b) ? Object.keys(b) : []);

/** `/healthChecks(0)/port`, as Marathon prints paths. */
const marathonPath = (at: (string | number)[]) => at.map((k) => (typeof k === 'number' ? `(${k})` : `/${k}`)).join('');

function assertErrorShape(status: number, json: unknown, text: string, ms: Mutation[] = [], prefix = '', fields: ReadonlySet<string> = new Set()): void {
  assert.ok(json !== null && typeof json === 'object', `a ${status} is JSON: ${text.slice(0, 200)}`);
  const body = json as { message?: unknown; details?: unknown };
  assert.equal(typeof body.message, 'string', `a ${status} has a message: ${text.slice(0, 200)}`);
  assert.ok(text.length < 64 * 1024, `a ${status} does not send a huge input back (${text.length} chars)`);
  if (status !== 422) return;
  assert.ok(Array.isArray(body.details) && body.details.length > 0, `a 422 has details: ${text.slice(0, 300)}`);
  for (const d of body.details as { path?: unknown; errors?: unknown }[]) {
    assert.equal(typeof d.path, 'string', `a detail has a path: ${text.slice(0, 300)}`);
    assert.ok(Array.isArray(d.errors) && d.errors.length > 0 && d.errors.every((e) => typeof e === 'string' && e !== ''), `a detail has errors: ${text.slice(0, 300)}`);
  }
  if (ms.length === 0) return;
  // The 422 names a field: the mutated one (or one inside it, or its parent when a field was removed
  // or added), or, for a rule across fields (`requirePorts` with port 0 is reported at
  // `/portDefinitions`), another top-level field of the body; `/` for rules about the whole object.
  const paths = (body.details as { path: string }[]).map((d) => d.path);
  const top = (p: string) => p.slice(prefix.length).split(/[/(]/)[1] ?? '';
  const named = paths.some((p) => p === '/' || p === prefix || (fields.has(top(p)) && top(p) !== '') || ms.some((m) => {
    const mine = prefix + marathonPath(m.at);
    const parent = prefix + marathonPath(m.at.slice(0, -1));
    // A changed group id moves where the relative ids inside it resolve: their `id` is named.
    const idChanged = m.at.at(-1) === 'id' && p.endsWith('/id');
    return p.startsWith(mine) || mine.startsWith(p) || (m.op !== 'set' && p.startsWith(parent)) || idChanged;
  }));
  assert.ok(named, `the 422 names a field (mutated: ${ms.map((m) => marathonPath(m.at)).join(', ')}): ${paths.join(', ')}`);
}

/** The fixture app (an accepted request may have removed it: a DELETE of `/fuzz`, say). */
async function ensureFixture(): Promise<void> {
  if ((await h.api('GET', '/v2/apps/fuzz/existing')).status === 200) return;
  const r = await h.api('POST', '/v2/apps?force=true', { id: '/fuzz/existing', cmd: 'sleep 1000', cpus: 0.01, mem: 8, instances: 1 });
  assert.equal(r.status, 201, r.text);
  await h.waitFor('the fixture app to run', async () => ((await h.api('GET', '/v2/apps/fuzz/existing')).json.app.tasksRunning === 1 ? true : undefined));
}

async function stillServes(): Promise<void> {
  assert.equal((await h.api('GET', '/ping')).status, 200);
  assert.equal((await h.api('GET', '/v2/apps')).status, 200);
}

async function check(method: string, path: string, body: unknown, ms: Mutation[] = [], prefix = '', fields: ReadonlySet<string> = new Set()): Promise<void> {
  const before = await definitions();
  if (process.env.FUZZ_DEBUG) console.error(method, path.slice(0, 100), JSON.stringify(body)?.slice(0, 200));
  const r = await h.api(method, path, body);
  if (process.env.FUZZ_DEBUG) console.error(' ->', r.status, r.text.slice(0, 150));
  assert.ok(r.status < 500, `${method} ${path.slice(0, 100)} answered ${r.status}: ${r.text.slice(0, 300)}`);
  if (r.status >= 400) {
    assertErrorShape(r.status, r.json, r.text, ms, prefix, fields);
    assert.deepEqual(await definitions(), before, `a rejected ${method} ${path.slice(0, 100)} (${r.status} ${r.text.slice(0, 200)}) changed the definitions`);
  }
  await stillServes();
}

/** Removes whatever an accepted request created, so the next run starts from the fixture alone. */
async function cleanUp(): Promise<void> {
  for (const id of ['/fuzz/app', '/fuzz/group', '/fuzz/patched']) {
    await h.api('DELETE', `/v2/apps${id}?force=true`);
    await h.api('DELETE', `/v2/groups${id}?force=true`);
  }
  const apps = (await h.api('GET', '/v2/apps')).json.apps as { id: string }[];
  for (const a of apps) if (a.id !== '/fuzz/existing') await h.api('DELETE', `/v2/apps${a.id}?force=true`);
}

const hostileId = fc.oneof(
  fc.constantFrom('', '/', '//', '/..', '/../..', '/fuzz/../fuzz/existing', '/fuzz/./existing', '%2Ffuzz%2Fexisting', '%2F..%2F..', '/fuzz%2F..%2Fx', '/ü日本🙂', '/a b', '/A', '/-a', '/a.', '/%00', '/%', '/%E0%A4%A', `/${'a'.repeat(5000)}`, '/fuzz/existing/tasks', '/fuzz/existing/versions/x', '/fuzz/existing/restart'),
  fc.string({ maxLength: 30 }).map((s) => `/${encodeURIComponent(s)}`),
  fc.array(fc.constantFrom('a', '..', '.', '%2F', 'ü', '', 'fuzz', 'existing'), { maxLength: 6 }).map((segs) => `/${segs.join('/')}`),
);
const hostileQuery = fc.dictionary(
  fc.constantFrom('embed', 'force', 'scale', 'wipe', 'partialUpdate', 'host', 'id', 'cmd', 'label', 'status'),
  fc.oneof(fc.constantFrom('', 'true', 'false', 'TRUE', '1', 'yes', 'apps.tasks', 'group.apps', 'apps.counts,apps.deployments', 'k==v', 'k!=v', 'k', '*', 'ü'), fc.string({ maxLength: 20 })),
  { maxKeys: 4 },
).map((q) => new URLSearchParams(q).toString());

test('fuzz: mangled app definitions (POST, PUT, PATCH /v2/apps…) are answered < 500 with Marathon errors naming the field', async () => {
  const shapes = [
    { method: 'POST', path: () => '/v2/apps', wrap: (b: Json) => b, prefix: '' },
    { method: 'PUT', path: () => '/v2/apps/fuzz/app', wrap: (b: Json) => b, prefix: '' },
    { method: 'PATCH', path: () => '/v2/apps/fuzz/patched', wrap: (b: Json) => ({ ...(b as object), id: '/fuzz/patched' }), prefix: '' },
    { method: 'PUT', path: () => '/v2/apps', wrap: (b: Json) => [b], prefix: '/(0)' },
  ] as const;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(0, 1, 2, 3), edits, async (i, es) => {
      const shape = shapes[i]!;
      const { body, applied } = applyEdits(APP, es);
      const wrapped = shape.wrap(body);
      if (shape.method === 'PATCH') assert.equal((await h.api('POST', '/v2/apps', { id: '/fuzz/patched', cmd: 'sleep 1', cpus: 0.01, mem: 8, instances: 0 })).status, 201);
      try {
        await check(shape.method, shape.path(), wrapped, i === 2 ? [] : applied, shape.prefix, topFields(body));
      } finally {
        await cleanUp();
      }
    }),
    OPTS,
  );
});

test('fuzz: mangled group definitions (POST, PUT /v2/groups) are answered < 500 with Marathon errors', async () => {
  await fc.assert(
    fc.asyncProperty(fc.boolean(), edits, async (put, es) => {
      const { body, applied } = applyEdits(GROUP, es);
      try {
        await check(put ? 'PUT' : 'POST', put ? '/v2/groups/fuzz/group' : '/v2/groups', body, put ? [] : applied, '', topFields(body));
      } finally {
        await cleanUp();
      }
    }),
    OPTS,
  );
});

test('fuzz: hostile ids and query parameters on every app, group and task route', async () => {
  const routes = [
    ['GET', '/v2/apps'], ['GET', '/v2/groups'], ['DELETE', '/v2/apps'], ['DELETE', '/v2/groups'], ['POST', '/v2/apps'], ['PUT', '/v2/apps'], ['PATCH', '/v2/apps'], ['PUT', '/v2/groups'],
    ['GET', '/v2/queue'], ['DELETE', '/v2/queue'], ['DELETE', '/v2/deployments'], ['GET', '/v2/tasks'],
  ] as const;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), hostileId, hostileQuery, fc.option(hostileValue, { nil: undefined }), async ([method, base], id, q, body) => {
      // Bodies stay small here: the mangled-definition properties cover big ones.
      const b = body === undefined ? undefined : materialize(body);
      const small = b !== undefined && JSON.stringify(b).length > 20_000 ? undefined : b;
      try {
        await check(method, `${base}${id}${q ? `?${q}` : ''}`, method === 'GET' || method === 'DELETE' ? undefined : small ?? {});
      } finally {
        await cleanUp();
      }
    }),
    OPTS,
  );
});

test('fuzz: /v2/tasks/delete bodies and its scale/wipe/force parameters', async () => {
  await ensureFixture();
  const tasks = (await h.api('GET', '/v2/apps/fuzz/existing/tasks')).json.tasks as { id: string }[];
  const real = tasks[0]!.id;
  const body = fc.oneof(
    hostileValue.map(materialize),
    fc.array(fc.oneof(fc.constant(`${real}x`), fc.string({ maxLength: 20 }), hostileValue.map(materialize)), { maxLength: 4 }).map((ids) => ({ ids })),
  );
  await fc.assert(
    fc.asyncProperty(body, hostileQuery, async (b, q) => {
      const small = JSON.stringify(b).length > 20_000 ? { ids: [JSON.stringify(b).slice(0, 20_000)] } : b;
      await check('POST', `/v2/tasks/delete${q ? `?${q}` : ''}`, small);
      assert.equal((await h.api('GET', '/v2/apps/fuzz/existing')).json.app.instances, 1, 'the fixture app is untouched');
    }),
    OPTS,
  );
});
