// Fuzz: hostile requests to the agent never crash it, never read outside a sandbox, answer 4xx in
// plain text that says what is wrong, and leave its frameworks, executors and tasks as they were
// when rejected: `/files/{read,browse,download}` with hostile `path`, `offset`, `length`
// (traversal, absolute paths, encodings, symlinks out of the sandbox, huge and negative numbers),
// `POST /api/v1` operator calls and `POST /api/v1/executor` calls with mangled fields. fast-check
// picks a random seed; a failure prints it with the shrunk input. Knobs: FUZZ_RUNS, FUZZ_NO_SHRINK=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { applyEdits, edits, type Json } from '../../../runtime/src/fuzz.ts';
import { eventually, runCustom, startTestAgent, type TestAgent } from '../testing/agent-harness.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const OPTS = { numRuns: RUNS, endOnFailure: process.env.FUZZ_NO_SHRINK === '1', includeErrorInReport: true };
const LATEST = '/frameworks/fw-1/executors/ex-1/runs/latest';

interface World extends TestAgent { dir: string; secret: string; marker: string }

/** An agent with one executor whose sandbox holds files, and links to a secret outside it. */
async function start(t: { after(fn: () => unknown): void }): Promise<World> {
  const a = await startTestAgent(t, ['--executor-registration-timeout=10mins']);
  runCustom(a.master, 't1', 'ex-1', 'sleep 60');
  await eventually(() => a.agent.core.frameworks.get('fw-1')?.executors.get('ex-1')?.pid !== undefined, 5000, 'executor launched (sandbox made)');
  const dir = a.agent.core.frameworks.get('fw-1')!.executors.get('ex-1')!.directory;
  const secret = mkdtempSync(join(tmpdir(), 'agora-fuzz-secret-'));
  t.after(() => rmSync(secret, { recursive: true, force: true }));
  const marker = `SECRET-${Math.random().toString(36).slice(2)}-OUTSIDE`;
  writeFileSync(join(secret, 'secret.txt'), `${marker}\n`.repeat(10));
  writeFileSync(join(dir, 'stdout'), 'hello\n');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'sub', 'file.txt'), 'inside');
  symlinkSync(join(secret, 'secret.txt'), join(dir, 'secretlink'));
  symlinkSync(secret, join(dir, 'secretdir'));
  symlinkSync('../../../../../../../../', join(dir, 'up'));
  symlinkSync('/etc/passwd', join(dir, 'passwd'));
  return { ...a, dir, secret, marker };
}

/** What leaking looks like: the secret (as text or base64) or /etc/passwd's content. */
function assertNoLeak(w: World, body: string): void {
  assert.ok(!body.includes(w.marker), 'the secret outside the sandbox was read');
  assert.ok(!body.includes(Buffer.from(`${w.marker}\n`).toString('base64').slice(0, 20)), 'the secret outside the sandbox was read (base64)');
  assert.ok(!/root:x?:0:0:/.test(body) && !body.includes(Buffer.from('root:x:0:0:').toString('base64').slice(0, 12)), '/etc/passwd was read');
}

function assert4xx(status: number, type: string | null, body: string): void {
  assert.match(type ?? '', /^text\/plain/, `a ${status} is plain text: ${body.slice(0, 200)}`);
  assert.ok(body.trim().length > 0 && body.length < 4096, `a ${status} says briefly why (${body.length} chars): ${body.slice(0, 200)}`);
}

/** Frameworks, executors and tasks: what a rejected request must not change. */
function bookkeeping(w: World): unknown {
  return [...w.agent.core.frameworks.values()].map((f) => ({
    id: f.id, state: f.state,
    executors: [...f.executors.values()].map((e) => ({ id: e.id, state: e.state, queued: e.queued.length, launched: [...e.launched.values()].map((t) => [t.task_id.value, t.state]), terminated: e.terminated.size, connected: e.connection !== undefined })),
  }));
}

test('fuzz: /files never reads outside a sandbox and answers hostile path, offset and length < 500', async (t) => {
  const w = await start(t);
  // The leak check can fail: the secret itself and /etc/passwd trip it.
  assert.throws(() => assertNoLeak(w, readFileSync(join(w.secret, 'secret.txt'), 'utf8')));
  assert.throws(() => assertNoLeak(w, readFileSync(join(w.secret, 'secret.txt')).toString('base64')));
  assert.throws(() => assertNoLeak(w, readFileSync('/etc/passwd', 'utf8')));
  const segment = fc.constantFrom('..', '.', '', 'secretlink', 'secretdir', 'secret.txt', 'up', 'passwd', 'etc', 'sub', 'file.txt', 'stdout', 'latest', '%2e%2e', '%2F', '..%2F', '....', '.../', '\u0000', 'ü', ' ', '~', 'a'.repeat(300));
  // Weighted towards paths inside the sandbox, so the traversal is tried from where it could work.
  const prefix = fc.oneof(
    { weight: 6, arbitrary: fc.constant(LATEST) },
    { weight: 2, arbitrary: fc.constant(w.dir) },
    { weight: 2, arbitrary: fc.constantFrom(LATEST.replace('latest', '..'), '/frameworks/fw-1/executors/ex-1/runs', '/frameworks/../frameworks/fw-1/executors/ex-1/runs/latest', '/frameworks/fw-1/executors/..%2F..%2F/runs/latest', '', '/', '//', 'frameworks/fw-1', w.workDir, w.secret, '/etc', '/proc/self/root') },
  );
  const path = fc.tuple(prefix, fc.array(segment, { maxLength: 5 }), fc.boolean()).map(([p, segs, trailing]) => `${p}${segs.map((s) => `/${s}`).join('')}${trailing ? '/' : ''}`);
  const number = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 70_000 }).map(String) },
    { weight: 2, arbitrary: fc.constantFrom('', '-1', '-2', '0', '1', '5', '65536', '65537', '1e3', '1e400', 'NaN', 'Infinity', '9007199254740993', '99999999999999999999', '0x10', ' 1', '1.5', '-0', 'abc') },
    { weight: 1, arbitrary: fc.integer().map(String) },
  );
  const encode = fc.constantFrom('uri', 'uri', 'uri', 'uri', 'raw', 'double');
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('read', 'browse', 'download', 'read.json', 'browse.json'), path, fc.option(number, { nil: undefined }), fc.option(number, { nil: undefined }), encode, async (endpoint, p, offset, length, how) => {
      const enc = how === 'uri' ? encodeURIComponent(p) : how === 'double' ? encodeURIComponent(encodeURIComponent(p)) : p.replace(/[#&?\s]/g, (c) => encodeURIComponent(c));
      const q = [`path=${enc}`, ...(offset !== undefined ? [`offset=${encodeURIComponent(offset)}`] : []), ...(length !== undefined ? [`length=${encodeURIComponent(length)}`] : [])].join('&');
      const res = await fetch(`${w.url}/files/${endpoint}?${q}`);
      const body = await res.text();
      if (process.env.FUZZ_DEBUG) console.error(endpoint, q.slice(0, 150), '->', res.status, body.slice(0, 80));
      assert.ok(res.status < 500, `answered ${res.status}: ${body.slice(0, 300)}`);
      assertNoLeak(w, body);
      if (res.status >= 400) assert4xx(res.status, res.headers.get('content-type'), body);
      if (res.status === 200 && endpoint.startsWith('read')) {
        const r = JSON.parse(body) as { offset: number; data: string };
        assert.ok(Number.isInteger(r.offset) && r.offset >= 0 && r.data.length <= 16 * 4096, `a read answers a sane range: ${body.slice(0, 200)}`);
      }
    }),
    OPTS,
  );
  assert.equal((await fetch(`${w.url}/files/read?path=${encodeURIComponent(`${LATEST}/stdout`)}&offset=0`)).status, 200, 'still serves files');
});

const OPERATOR: Record<string, Json> = {
  GET_HEALTH: { type: 'GET_HEALTH' }, GET_FLAGS: { type: 'GET_FLAGS' }, GET_VERSION: { type: 'GET_VERSION' },
  GET_METRICS: { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 1_000_000 } } }, GET_STATE: { type: 'GET_STATE' },
  GET_FRAMEWORKS: { type: 'GET_FRAMEWORKS' }, GET_EXECUTORS: { type: 'GET_EXECUTORS' }, GET_TASKS: { type: 'GET_TASKS' },
  GET_AGENT: { type: 'GET_AGENT' }, GET_CONTAINERS: { type: 'GET_CONTAINERS', get_containers: { show_nested: true, show_standalone: true } },
  LIST_FILES: { type: 'LIST_FILES', list_files: { path: LATEST } },
  READ_FILE: { type: 'READ_FILE', read_file: { path: `${LATEST}/stdout`, offset: 0, length: 3 } },
  SET_LOGGING_LEVEL: { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 1000 } } },
  UNKNOWN: { type: 'UNKNOWN' },
};

test('fuzz: mangled agent operator calls (POST /api/v1) are answered < 500 and read nothing outside a sandbox', async (t) => {
  const w = await start(t);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(OPERATOR)), edits, async (type, es) => {
      const { body } = applyEdits(OPERATOR[type]!, es);
      const before = bookkeeping(w);
      const res = await fetch(`${w.url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      assert.ok(res.status < 500 || (res.status === 501 && /UNKNOWN|not supported|not implemented/i.test(text)), `answered ${res.status}: ${text.slice(0, 300)}`);
      assertNoLeak(w, text);
      if (res.status >= 400) {
        assert4xx(res.status, res.headers.get('content-type'), text);
        assert.deepEqual(bookkeeping(w), before, `a rejected call (${res.status} ${text.slice(0, 200)}) changed the agent's bookkeeping`);
      }
    }),
    OPTS,
  );
});

test('fuzz: mangled executor calls (POST /api/v1/executor SUBSCRIBE, UPDATE, MESSAGE) are answered < 500', async (t) => {
  const w = await start(t);
  const ids = { framework_id: { value: 'fw-1' }, executor_id: { value: 'ex-1' } };
  const uuid = Buffer.alloc(16, 7).toString('base64');
  const calls: Record<string, Json> = {
    SUBSCRIBE: { ...ids, type: 'SUBSCRIBE', subscribe: { unacknowledged_tasks: [], unacknowledged_updates: [] } },
    UPDATE: { ...ids, type: 'UPDATE', update: { status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid, message: 'm', data: 'aGk=', healthy: true, labels: { labels: [{ key: 'k', value: 'v' }] } } } },
    MESSAGE: { ...ids, type: 'MESSAGE', message: { data: 'aGVsbG8=' } },
  };
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(calls)), edits, async (type, es) => {
      const { body } = applyEdits(calls[type]!, es);
      const before = bookkeeping(w);
      const ac = new AbortController();
      const res = await fetch(`${w.url}/api/v1/executor`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body), signal: ac.signal });
      const streaming = res.status === 200 && (body as { type?: unknown }).type === 'SUBSCRIBE';
      const text = streaming ? '' : await res.text();
      if (streaming) ac.abort();
      assert.ok(res.status < 500, `answered ${res.status}: ${text.slice(0, 300)}`);
      if (res.status >= 400) {
        assert4xx(res.status, res.headers.get('content-type'), text);
        assert.deepEqual(bookkeeping(w), before, `a rejected call (${res.status} ${text.slice(0, 200)}) changed the agent's bookkeeping`);
      }
      assert.equal((await fetch(`${w.url}/health`)).status, 200, 'still healthy');
    }),
    OPTS,
  );
});

test('fuzz: hostile Content-Type, Accept, methods and raw bodies on the agent v1 endpoints', async (t) => {
  const w = await start(t);
  const rawBody = fc.oneof(
    fc.string({ maxLength: 64 }),
    fc.constantFrom('', '{', '[]', 'null', '1', '"x"', '{"type":1e999}', '{"type":"GET_HEALTH"}\n{"x":1}', '18\n{"type":"GET_HEALTH"}', '\u0000', '\uFEFF{}', `{"type":"GET_STATE","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.constantFrom(...Object.values(OPERATOR)).map((v) => JSON.stringify(v)),
  );
  const header = fc.option(fc.oneof(fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')), fc.constantFrom('application/json', 'application/x-protobuf', 'application/recordio', 'text/html', 'APPLICATION/JSON; charset=utf-8', '*/*', 'application/*')), { nil: undefined });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('/api/v1', '/api/v1/executor'), rawBody, header, header, fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'), async (path, body, contentType, accept, method) => {
      const headers: Record<string, string> = {};
      if (contentType !== undefined) headers['content-type'] = contentType;
      if (accept !== undefined) headers.accept = accept;
      const before = bookkeeping(w);
      const ac = new AbortController();
      const res = await fetch(`${w.url}${path}`, { method, headers, ...(method === 'GET' ? {} : { body }), signal: ac.signal });
      // An executor SUBSCRIBE that got through streams: read its status only.
      const text = res.status === 200 && path === '/api/v1/executor' ? '' : await res.text();
      ac.abort();
      assert.ok(res.status < 500 || (res.status === 501 && /UNKNOWN|not supported|not implemented/i.test(text)), `answered ${res.status}: ${text.slice(0, 300)}`);
      assertNoLeak(w, text);
      if (res.status >= 400) {
        assert4xx(res.status, res.headers.get('content-type'), text);
        assert.deepEqual(bookkeeping(w), before, `a rejected request (${res.status} ${text.slice(0, 200)}) changed the agent's bookkeeping`);
      }
      if (method === 'POST' && contentType === 'application/x-protobuf') assert.equal(res.status, 415, 'protobuf is not supported (Mesos: 415)');
    }),
    OPTS,
  );
  assert.equal((await fetch(`${w.url}/health`)).status, 200, 'still healthy');
});
