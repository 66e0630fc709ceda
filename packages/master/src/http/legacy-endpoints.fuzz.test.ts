// Fuzz: the pre-v1 endpoints that take input (`/master/teardown`, `/master/weights`, maintenance
// `/master/maintenance/schedule` and `/master/machine/{down,up}`, query parameters of the state
// endpoints) never crash the master, answer 4xx in plain text, and leave `/master/state` as it
// was when they reject. Knobs: FUZZ_RUNS, FUZZ_NO_SHRINK=1 (see scheduler-endpoint.fuzz.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyEdits, edits, hostileValue, materialize, type Json } from '../../../runtime/src/fuzz.ts';
import { send, stateOf, world, type World } from './fuzz-world.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const OPTS = { numRuns: RUNS, endOnFailure: process.env.FUZZ_NO_SHRINK === '1', includeErrorInReport: true };

type Method = 'GET' | 'POST' | 'PUT';
interface Endpoint { method: Method; url: string; contentType: string; body(w: World): Json | string }

const ENDPOINTS: Endpoint[] = [
  { method: 'PUT', url: '/master/weights', contentType: 'application/json', body: () => [{ role: 'web', weight: 2 }, { role: 'eng', weight: '1.5' }] },
  {
    method: 'POST', url: '/master/maintenance/schedule', contentType: 'application/json',
    body: () => ({ windows: [{ machine_ids: [{ hostname: 'host1', ip: '127.0.0.1' }], unavailability: { start: { nanoseconds: 1e9 }, duration: { nanoseconds: 3.6e12 } } }] }),
  },
  { method: 'POST', url: '/master/machine/down', contentType: 'application/json', body: () => [{ hostname: 'host1', ip: '127.0.0.1' }] },
  { method: 'POST', url: '/master/machine/up', contentType: 'application/json', body: () => [{ hostname: 'host1', ip: '127.0.0.1' }] },
  { method: 'POST', url: '/master/quota', contentType: 'application/json', body: () => ({ role: 'web', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }], force: false }) },
];

/** Form endpoints whose field holds a JSON array of resources (the JSON is what gets mangled). */
const DYNAMIC = { reservations: [{ type: 'DYNAMIC', role: 'web', principal: 'ops' }] };
const VOLUME = { name: 'disk', type: 'SCALAR', scalar: { value: 64 }, ...DYNAMIC, disk: { persistence: { id: 'v1', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } };
const FORMS: Array<{ url: string; field: string; list: Json }> = [
  { url: '/master/reserve', field: 'resources', list: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, ...DYNAMIC }, { name: 'disk', type: 'SCALAR', scalar: { value: 64 }, ...DYNAMIC }] },
  { url: '/master/unreserve', field: 'resources', list: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, ...DYNAMIC }] },
  { url: '/master/create-volumes', field: 'volumes', list: [VOLUME] },
  { url: '/master/destroy-volumes', field: 'volumes', list: [VOLUME] },
];

async function assertAnswer(w: World, a: { status: number; contentType: string; body: string }, before: unknown, what: string): Promise<void> {
  assert.ok(a.status < 500, `${what} answered ${a.status}: ${a.body.slice(0, 300)}`);
  if (a.status >= 400) {
    assert.match(a.contentType, /^text\/plain/, `a ${a.status} is plain text`);
    assert.ok(a.body.trim().length > 0 && a.body.length < 4096, `a ${a.status} says briefly why: ${a.body.slice(0, 200)}`);
    assert.deepEqual(await stateOf(w), before, `a rejected ${what} (${a.status} ${a.body.slice(0, 200)}) changed /master/state`);
  }
  assert.equal((await send(w, 'GET', '/master/health', undefined, {})).status, 200);
}

test('fuzz: mangled JSON bodies of the legacy endpoints', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ENDPOINTS.keys()), edits, async (i, es) => {
      const e = ENDPOINTS[i]!;
      const w = await world();
      try {
        const { body } = applyEdits(e.body(w) as Json, es);
        const before = await stateOf(w);
        const a = await send(w, e.method, e.url, JSON.stringify(body), { 'content-type': e.contentType });
        await assertAnswer(w, a, before, `${e.method} ${e.url}`);
      } finally {
        await w.close();
      }
    }),
    OPTS,
  );
});

test('fuzz: mangled resources in the form bodies of /master/{reserve,unreserve,create-volumes,destroy-volumes}', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...FORMS.keys()), edits, fc.boolean(), async (i, es, knownAgent) => {
      const f = FORMS[i]!;
      const w = await world();
      try {
        const { body } = applyEdits(f.list, es);
        const before = await stateOf(w);
        const form = new URLSearchParams({ slaveId: knownAgent ? w.agents[0]!.id! : 'nope', [f.field]: JSON.stringify(body) }).toString();
        const a = await send(w, 'POST', f.url, form, { 'content-type': 'application/x-www-form-urlencoded' });
        assert.ok([202, 400, 409].includes(a.status), `${f.url} answered ${a.status}: ${a.body.slice(0, 300)}`);
        await assertAnswer(w, a, before, `POST ${f.url}`);
      } finally {
        await w.close();
      }
    }),
    OPTS,
  );
});

test('fuzz: /master/teardown form bodies and hostile query parameters', async () => {
  const w = await world();
  try {
    const formValue = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', w.s.frameworkId!.slice(0, -1), '%00', '../', 'a'.repeat(10000)), hostileValue.map((v) => JSON.stringify(materialize(v)).slice(0, 20000)));
    const query = fc.dictionary(fc.constantFrom('jsonp', 'limit', 'offset', 'order', 'framework_id', 'task_id', 'slave_id', 'x'), formValue, { maxKeys: 4 });
    const paths = ['/master/state', '/master/state-summary', '/master/frameworks', '/master/slaves', '/master/tasks', '/master/roles', '/master/weights', '/master/maintenance/status', '/master/maintenance/schedule', '/version', '/metrics/snapshot'];
    const before = await stateOf(w);
    await fc.assert(
      fc.asyncProperty(fc.oneof(formValue.map((v) => ({ kind: 'teardown' as const, v })), fc.record({ kind: fc.constant('get' as const), path: fc.constantFrom(...paths), q: query })), async (c) => {
        if (c.kind === 'teardown') {
          const a = await send(w, 'POST', '/master/teardown', `frameworkId=${encodeURIComponent(c.v)}`, { 'content-type': 'application/x-www-form-urlencoded' });
          assert.equal(a.status, 400, `an unknown framework ID is a 400: ${a.body.slice(0, 200)}`);
          await assertAnswer(w, a, before, 'teardown');
        } else {
          const a = await send(w, 'GET', `${c.path}?${new URLSearchParams(c.q).toString()}`, undefined, {});
          await assertAnswer(w, a, before, `GET ${c.path}`);
          if (a.status === 200 && !('jsonp' in c.q && c.q.jsonp !== '')) JSON.parse(a.body);
        }
      }),
      OPTS,
    );
  } finally {
    await w.close();
  }
});
