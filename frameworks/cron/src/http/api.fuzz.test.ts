// Fuzz: hostile requests to the Chronos (`/scheduler/iso8601`, `/scheduler/dependency`,
// `/scheduler/job/{name}`) and Metronome (`/v1/jobs`, `/v1/jobs/{id}/runs`, schedules) APIs never
// crash the daemon: every answer is < 500, a 4xx has each API's error shape (Chronos 400
// `{message, field}`, Metronome 422 `{message, details[{path, errors}]}`, 404 `{message}`) and a
// body-validation error names a field of the body, the daemon still answers afterwards, and a
// rejected request leaves the job list as it was. fast-check picks a random seed; a failure prints
// it with the shrunk input. Knobs: FUZZ_RUNS, FUZZ_NO_SHRINK=1, FUZZ_DEBUG=1.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { applyEdits, edits, hostileValue, materialize, type Json, type Mutation } from '../../../../packages/runtime/src/fuzz.ts';
import { FUTURE, setup, type TestCron } from './testing.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const OPTS = { numRuns: RUNS, endOnFailure: process.env.FUZZ_NO_SHRINK === '1', includeErrorInReport: true };

const ISO: Json = {
  name: 'fz', command: 'echo hi', schedule: `R/${FUTURE}/PT1H`, scheduleTimeZone: 'UTC', epsilon: 'PT30S', owner: 'ops@example.com', ownerName: 'ops',
  description: 'd', cpus: 0.1, mem: 32, disk: 64, retries: 2, shell: true, arguments: [], uris: ['http://example.com/x.tgz'], async: false,
  environmentVariables: [{ name: 'A', value: 'b' }], constraints: [['hostname', 'EQUALS', 'localhost']], disabled: false, softError: false,
  highPriority: false, concurrent: false, maxCompletionTime: 0, runAsUser: 'nobody',
  container: { type: 'MESOS', image: 'busybox', network: 'HOST', volumes: [{ containerPath: '/data', hostPath: '/tmp', mode: 'RW' }], forcePullImage: false },
};
const DEPENDENCY: Json = { name: 'fzd', command: 'true', parents: ['fixture'], cpus: 0.1, mem: 32, disk: 0, retries: 0 };
const METRONOME: Json = {
  id: 'fz.job', description: 'd', labels: { k: 'v' },
  run: {
    cmd: 'echo hi', args: [], cpus: 0.1, mem: 32, disk: 0, user: 'nobody', maxLaunchDelay: 3600, env: { A: 'b' },
    restart: { policy: 'NEVER', activeDeadlineSeconds: 60 }, placement: { constraints: [{ attribute: 'hostname', operator: 'LIKE', value: 'x' }] },
    artifacts: [{ uri: 'http://example.com/x.tgz', extract: true }], docker: { image: 'busybox', forcePull: false }, maxCompletionTime: 0,
  },
  schedules: [{ id: 'default', cron: '0 0 1 1 *', timezone: 'UTC', startingDeadlineSeconds: 60, concurrencyPolicy: 'ALLOW', enabled: true }],
};
const SCHEDULE: Json = { id: 'default', cron: '0 0 1 1 *', timezone: 'UTC', startingDeadlineSeconds: 60, concurrencyPolicy: 'ALLOW', enabled: true };

/** The jobs as both APIs list them: what a rejected request must not change. */
async function jobs(c: TestCron): Promise<unknown> {
  const chronos = await c.call('GET', '/v1/scheduler/jobs');
  const metronome = await c.call('GET', '/v1/jobs?embed=schedules');
  assert.equal(chronos.status, 200);
  assert.equal(metronome.status, 200);
  return { chronos: chronos.json, metronome: metronome.json };
}

const top = (field: string) => field.replace(/^\//, '').split(/[./[]/)[0] ?? '';

/** The error shapes; `fields`: the top-level fields of the body a validation error must name one of. */
function assertError(status: number, json: unknown, text: string, fields?: ReadonlySet<string>): void {
  assert.ok(json !== null && typeof json === 'object' && !Array.isArray(json), `a ${status} is a JSON object: ${text.slice(0, 200)}`);
  const body = json as { message?: unknown; field?: unknown; details?: unknown };
  assert.equal(typeof body.message, 'string', `a ${status} has a message: ${text.slice(0, 200)}`);
  assert.ok((body.message as string).length > 0 && text.length < 16 * 1024, `a ${status} says briefly why (${text.length} chars)`);
  if (status === 422) {
    assert.ok(Array.isArray(body.details) && body.details.length > 0, `a 422 has details: ${text.slice(0, 300)}`);
    for (const d of body.details as { path?: unknown; errors?: unknown }[]) {
      assert.equal(typeof d.path, 'string');
      assert.ok(Array.isArray(d.errors) && d.errors.length > 0 && d.errors.every((e) => typeof e === 'string' && e !== ''), `errors are messages: ${text.slice(0, 300)}`);
    }
  }
  if (!fields) return;
  const named = status === 422 ? (body.details as { path: string }[]).map((d) => d.path) : typeof body.field === 'string' ? [body.field] : [];
  if (status === 400 || status === 422) {
    assert.ok(named.length > 0, `a validation error names a field: ${text.slice(0, 300)}`);
    assert.ok(named.some((f) => f === 'body' || f === '/' || fields.has(top(f))), `the error names a field of the body (${[...fields].join(', ')}): ${named.join(', ')}`);
  }
}

const fieldsOf = (b: Json, ms: Mutation[]): Set<string> =>
  new Set([...(b !== null && typeof b === 'object' && !Array.isArray(b) ? Object.keys(b) : []), ...ms.map((m) => String(m.at[0]))]);

async function check(c: TestCron, method: string, path: string, body: unknown, fields?: ReadonlySet<string>): Promise<number> {
  const before = await jobs(c);
  if (process.env.FUZZ_DEBUG) console.error(method, path.slice(0, 100), JSON.stringify(body)?.slice(0, 200));
  const r = await c.call(method, path, body);
  if (process.env.FUZZ_DEBUG) console.error(' ->', r.status, r.text.slice(0, 150));
  assert.ok(r.status < 500, `${method} ${path.slice(0, 100)} answered ${r.status}: ${r.text.slice(0, 300)}`);
  if (r.status >= 400) {
    if (r.status !== 404 || r.text !== '') assertError(r.status, r.json, r.text, r.status === 400 || r.status === 422 ? fields : undefined);
    assert.deepEqual(await jobs(c), before, `a rejected ${method} ${path.slice(0, 100)} (${r.status} ${r.text.slice(0, 200)}) changed the jobs`);
  }
  assert.equal((await c.call('GET', '/ping')).status, 200);
  return r.status;
}

async function start(t: TestContext): Promise<TestCron> {
  const c = await setup(t);
  assert.equal((await c.call('POST', '/v1/scheduler/iso8601', { name: 'fixture', command: 'true', schedule: `R/${FUTURE}/PT1H` })).status, 204);
  // The bases are valid: the mutations start from bodies the API accepts.
  assert.equal((await c.call('POST', '/scheduler/iso8601', ISO)).status, 204);
  assert.equal((await c.call('POST', '/scheduler/dependency', DEPENDENCY)).status, 204);
  const m = await c.call('POST', '/v1/jobs', METRONOME);
  assert.equal(m.status, 201, m.text);
  await reset(c);
  return c;
}

/** Back to the fixture alone. */
async function reset(c: TestCron): Promise<void> {
  for (const j of (await c.call('GET', '/v1/scheduler/jobs')).json as { name: string }[]) {
    if (j.name === 'fixture') continue;
    const r = await c.call('DELETE', `/v1/scheduler/job/${encodeURIComponent(j.name)}`);
    assert.ok([204, 400].includes(r.status), `an accepted job can be deleted again: '${j.name.slice(0, 100)}' answered ${r.status}`);
  }
  for (const j of (await c.call('GET', '/v1/jobs')).json as { id: string }[]) await c.call('DELETE', `/v1/jobs/${encodeURIComponent(j.id)}`);
}

test('fuzz: mangled Chronos job bodies (iso8601, dependency; POST and PUT; both prefixes)', async (t) => {
  const c = await start(t);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('iso8601', 'dependency'), fc.constantFrom('POST', 'PUT'), fc.constantFrom('/scheduler', '/v1/scheduler'), edits, async (kind, method, prefix, es) => {
      const { body, applied } = applyEdits(kind === 'iso8601' ? ISO : DEPENDENCY, es);
      try {
        await check(c, method, `${prefix}/${kind}`, body, fieldsOf(body, applied));
      } finally {
        await reset(c);
      }
    }),
    OPTS,
  );
});

test('fuzz: mangled Metronome jobs and schedules (POST /v1/jobs, PUT /v1/jobs/{id}, schedules)', async (t) => {
  const c = await start(t);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('create', 'update', 'schedule'), edits, async (what, es) => {
      const { body, applied } = applyEdits(what === 'schedule' ? SCHEDULE : METRONOME, es);
      try {
        if (what === 'create') await check(c, 'POST', '/v1/jobs', body, fieldsOf(body, applied));
        else {
          assert.equal((await c.call('POST', '/v1/jobs', METRONOME)).status, 201);
          if (what === 'update') await check(c, 'PUT', '/v1/jobs/fz.job', body, new Set([...fieldsOf(body, applied), 'id']));
          else await check(c, 'PUT', '/v1/jobs/fz.job/schedules/default', body, new Set([...fieldsOf(body, applied), 'schedule']));
        }
      } finally {
        await reset(c);
      }
    }),
    OPTS,
  );
});

test('fuzz: hostile job names and ids in every Chronos and Metronome path', async (t) => {
  const c = await start(t);
  const name = fc.oneof(
    fc.constantFrom('', ' ', '.', '..', '../', '../../etc/passwd', '%2F', '%2E%2E%2F', 'fixture/../fixture', 'fixture%00', 'ü日本🙂', 'a'.repeat(5000), 'fixture', 'fixture?x=1', 'fixture#x', '%', '%E0%A4%A'),
    fc.string({ maxLength: 30 }),
  ).map((s) => (/^%|%$|%[^0-9A-F]|%.[^0-9A-F]/i.test(s) ? s : encodeURIComponent(s)));
  const routes: Array<[string, (n: string) => string]> = [
    ['GET', (n) => `/scheduler/job/${n}`], ['PUT', (n) => `/scheduler/job/${n}`], ['DELETE', (n) => `/scheduler/job/${n}`],
    ['GET', (n) => `/v1/scheduler/job/${n}/history`], ['PUT', (n) => `/v1/scheduler/job/success/${n}`], ['DELETE', (n) => `/v1/scheduler/task/kill/${n}`],
    ['GET', (n) => `/v1/scheduler/job/stat/${n}`], ['GET', (n) => `/v1/scheduler/stats/${n}`], ['GET', (n) => `/v1/scheduler/jobs/search?name=${n}&any=${n}`],
    ['GET', (n) => `/v1/jobs/${n}`], ['PUT', (n) => `/v1/jobs/${n}`], ['DELETE', (n) => `/v1/jobs/${n}`], ['GET', (n) => `/v1/jobs/${n}/runs`],
    ['POST', (n) => `/v1/jobs/${n}/runs`], ['GET', (n) => `/v1/jobs/${n}/runs/${n}`], ['POST', (n) => `/v1/jobs/${n}/runs/${n}/actions/stop`],
    ['GET', (n) => `/v1/jobs/${n}/schedules`], ['POST', (n) => `/v1/jobs/${n}/schedules`], ['DELETE', (n) => `/v1/jobs/${n}/schedules/${n}`], ['GET', (n) => `/v1/jobs?embed=${n}`],
  ];
  await fc.assert(
    fc.asyncProperty(fc.nat(routes.length - 1), name, fc.option(hostileValue, { nil: undefined }), async (i, n, b) => {
      const [method, path] = routes[i]!;
      const raw = b === undefined ? undefined : materialize(b);
      const body = method === 'GET' || method === 'DELETE' || raw === undefined || JSON.stringify(raw).length > 20_000 ? undefined : raw;
      try {
        // Acting on the fixture is allowed (it exists); the answer is what is under test.
        await check(c, method, path(n), body);
      } finally {
        if (((await c.call('GET', '/v1/scheduler/job/fixture')).status) !== 200) {
          assert.equal((await c.call('POST', '/v1/scheduler/iso8601', { name: 'fixture', command: 'true', schedule: `R/${FUTURE}/PT1H` })).status, 204);
        }
        await reset(c);
      }
    }),
    OPTS,
  );
});
