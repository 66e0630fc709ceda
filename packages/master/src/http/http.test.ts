import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { parseFlags } from '@agora/runtime';
import { MASTER_FLAGS } from '../flags.ts';
import { startMaster, type MasterHandle } from '../start.ts';

let m: MasterHandle;
const url = (path: string) => `${m.url}${path}`;

before(async () => {
  const flags = parseFlags(MASTER_FLAGS, ['--port=0', '--log-level=silent', '--heartbeat-interval=1secs']);
  assert.ok(flags.ok);
  const started = await startMaster(flags.value.options);
  assert.ok(started.ok, started.ok ? '' : started.error);
  m = started.value;
});
after(() => m.close());

const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(url(path), { method: 'POST', headers, body });

/** A POST without any Content-Type (fetch always adds one). */
function rawPost(path: string, body: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url(path), { method: 'POST', headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolve(new Response(data, { status: res.statusCode ?? 0 })));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const SUBSCRIBE = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'http-test' } } });

/** Opens a subscription and reads records until `n` arrived; returns them with the stream ID. */
async function subscribe(n = 1, body = SUBSCRIBE) {
  const ac = new AbortController();
  const res = await fetch(url('/api/v1/scheduler'), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body, signal: ac.signal });
  const reader = res.body!.getReader();
  const records: unknown[] = [];
  let buf = '';
  while (records.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += new TextDecoder().decode(value);
    for (;;) {
      const nl = buf.indexOf('\n');
      if (nl < 0) break;
      const len = Number(buf.slice(0, nl));
      if (buf.length < nl + 1 + len) break;
      records.push(JSON.parse(buf.slice(nl + 1, nl + 1 + len)));
      buf = buf.slice(nl + 1 + len);
    }
  }
  return { res, records, streamId: res.headers.get('mesos-stream-id')!, close: () => ac.abort() };
}

test('scheduler endpoint status codes, in Mesos order', async () => {
  const cases: Array<[Promise<Response>, number, RegExp]> = [
    [fetch(url('/api/v1/scheduler')), 405, /Expecting a 'POST' request/],
    [rawPost('/api/v1/scheduler', '{}'), 400, /Expecting 'Content-Type' to be present/],
    [post('/api/v1/scheduler', '{}', { 'content-type': 'text/plain' }), 415, /application\/json/],
    [post('/api/v1/scheduler', '{}', { 'content-type': 'application/x-protobuf' }), 415, /not supported/],
    [post('/api/v1/scheduler', '{"type":'), 400, /malformed JSON/],
    [post('/api/v1/scheduler', '{}'), 400, /Expecting 'type' to be present/],
    [post('/api/v1/scheduler', '{"type":"SUBSCRIBE"}'), 400, /Expecting 'subscribe' to be present/],
    [post('/api/v1/scheduler', '{"type":"REVIVE"}'), 400, /Expecting 'framework_id' to be present/],
    [post('/api/v1/scheduler', '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u"}}}'), 400, /subscribe\.framework_info\.name: missing required field/],
    [post('/api/v1/scheduler', SUBSCRIBE, { 'content-type': 'application/json', accept: 'text/html' }), 406, /Accept/],
    [post('/api/v1/scheduler', SUBSCRIBE, { 'content-type': 'application/json', 'mesos-stream-id': 'x' }), 400, /should not include the 'Mesos-Stream-Id'/],
    [post('/api/v1/scheduler', '{"type":"REVIVE","framework_id":{"value":"nope"}}'), 400, /Framework cannot be found/],
    [post('/api/v1/scheduler', '{"type":"ACKNOWLEDGE","framework_id":{"value":"f"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"AAAA"}}'), 400, /Not a valid UUID/],
  ];
  for (const [p, status, body] of cases) {
    const res = await p;
    assert.equal(res.status, status, `${status} expected, got ${res.status}: ${await res.clone().text()}`);
    assert.match(await res.text(), body);
  }
});

test('a subscription: SUBSCRIBED, HEARTBEAT, stream ID rules, 202s, UNKNOWN → 501', async () => {
  const sub = await subscribe(2);
  assert.equal(sub.res.status, 200);
  assert.equal(sub.res.headers.get('content-type'), 'application/json');
  assert.ok(sub.streamId.length > 0 && sub.streamId.length <= 128);
  const [first, second] = sub.records as Array<{ type: string; subscribed?: { framework_id: { value: string } } }>;
  assert.equal(first!.type, 'SUBSCRIBED');
  assert.equal(second!.type, 'HEARTBEAT');
  const fid = first!.subscribed!.framework_id.value;
  const call = (body: object, streamId?: string) =>
    post('/api/v1/scheduler', JSON.stringify({ framework_id: { value: fid }, ...body }), {
      'content-type': 'application/json',
      ...(streamId ? { 'mesos-stream-id': streamId } : {}),
    });
  assert.equal((await call({ type: 'REVIVE' })).status, 400, 'missing stream ID');
  const wrong = await call({ type: 'REVIVE' }, 'not-the-id');
  assert.equal(wrong.status, 400);
  assert.match(await wrong.text(), /didn't match the stream ID/);
  assert.equal((await call({ type: 'REVIVE' }, sub.streamId)).status, 202);
  assert.equal((await call({ type: 'UNKNOWN' }, sub.streamId)).status, 501);
  const upd = await call({ type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { user: 'root', name: 'renamed', id: { value: fid } } } }, sub.streamId);
  assert.equal(upd.status, 200);
  sub.close();
  await new Promise((r) => setTimeout(r, 100));
  // failover_timeout 0: the framework is gone once its stream closes.
  assert.equal((await call({ type: 'REVIVE' }, sub.streamId)).status, 400);
});

test('RecordIO framing: exactly one record per HTTP chunk', async () => {
  const raw = await new Promise<string>((resolve, reject) => {
    const port = Number(new URL(m.url).port);
    const sock = connect(port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => {
      data += d.toString('latin1');
      if ((data.match(/HEARTBEAT/g) ?? []).length >= 2) {
        sock.destroy();
        resolve(data);
      }
    });
    sock.on('error', reject);
    sock.write(`POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${SUBSCRIBE.length}\r\n\r\n${SUBSCRIBE}`);
  });
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  assert.match(raw, /transfer-encoding: chunked/i);
  let rest = body;
  let chunks = 0;
  while (rest.length > 0) {
    const crlf = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, crlf), 16);
    if (!Number.isFinite(size) || rest.length < crlf + 2 + size) break;
    const chunk = rest.slice(crlf + 2, crlf + 2 + size);
    const nl = chunk.indexOf('\n');
    const len = Number(chunk.slice(0, nl));
    assert.equal(Buffer.byteLength(chunk.slice(nl + 1), 'latin1'), len, 'a chunk holds exactly one whole record');
    JSON.parse(chunk.slice(nl + 1));
    chunks++;
    rest = rest.slice(crlf + 2 + size + 2);
  }
  assert.ok(chunks >= 3, `saw ${chunks} chunks`);
});

test('hostile bodies are answered 4xx and the master keeps serving', async () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const bodies = [
    deep,
    '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","__proto__":{"polluted":1}}}}',
    '{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":"not-an-array"}}',
    '{"type":12345}',
    '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","failover_timeout":"Infinity"}}}',
    JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n', roles: Array(10000).fill('r') } } }),
    '\u0000\u0001',
  ];
  const outcomes: string[] = [];
  for (const b of bodies) {
    const res = await post('/api/v1/scheduler', b);
    assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), `status ${res.status}`);
    if (res.status === 200) {
      // A stream: its first record is SUBSCRIBED (the junk was ignored) or ERROR (framework-level problem).
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      outcomes.push(/"type":"(SUBSCRIBED|ERROR)"/.exec(first)?.[1] ?? 'other');
      await reader.cancel();
    } else {
      outcomes.push(String(res.status));
      await res.text();
    }
  }
  assert.deepEqual(outcomes, ['400', 'SUBSCRIBED', '400', '400', '400', 'ERROR', '400']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const big = await post('/api/v1/scheduler', 'x'.repeat(17 * 1024 * 1024));
  assert.equal(big.status, 413);
  assert.equal((await fetch(url('/health'))).status, 200);
});

test('operator API: calls, 406, 400, 501, and the event stream', async () => {
  const op = (body: object, headers: Record<string, string> = {}) =>
    post('/api/v1', JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  const health = await op({ type: 'GET_HEALTH' });
  assert.deepEqual(await health.json(), { type: 'GET_HEALTH', get_health: { healthy: true } });
  const version = (await (await op({ type: 'GET_VERSION' })).json()) as { get_version: { version_info: { version: string } } };
  assert.equal(version.get_version.version_info.version, '1.11.0');
  const state = (await (await op({ type: 'GET_STATE' })).json()) as { type: string; get_state: object };
  assert.equal(state.type, 'GET_STATE');
  assert.ok('get_agents' in state.get_state && 'get_frameworks' in state.get_state);
  assert.equal((await op({ type: 'GET_STATE' }, { accept: 'text/html' })).status, 406);
  assert.equal((await op({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'eng', weight: -1 }] } })).status, 400);
  assert.equal((await op({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'eng', weight: 2 }] } })).status, 202);
  const weights = (await (await op({ type: 'GET_WEIGHTS' })).json()) as { get_weights: { weight_infos: unknown[] } };
  assert.deepEqual(weights.get_weights.weight_infos, [{ role: 'eng', weight: 2 }]);
  assert.equal((await op({ type: 'UNKNOWN' })).status, 501);
  assert.equal((await op({ type: 'TEARDOWN', teardown: { framework_id: { value: 'nope' } } })).status, 400);
  assert.equal((await post('/mesos/api/v1', '{"type":"GET_HEALTH"}')).status, 200, 'the DC/OS path works too');

  // SUBSCRIBE: SUBSCRIBED with the whole state, then FRAMEWORK_ADDED when a framework arrives.
  const ac = new AbortController();
  const res = await fetch(url('/api/v1'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"SUBSCRIBE"}', signal: ac.signal });
  const reader = res.body!.getReader();
  let text = '';
  const sub = await subscribe(1);
  while (!text.includes('FRAMEWORK_ADDED')) text += new TextDecoder().decode((await reader.read()).value);
  assert.match(text, /"type":"SUBSCRIBED"/);
  ac.abort();
  sub.close();
});

test('legacy endpoints: state, jsonp, tasks paging, redirect, version, metrics', async () => {
  const state = (await (await fetch(url('/master/state'))).json()) as Record<string, unknown>;
  for (const k of ['version', 'id', 'pid', 'hostname', 'leader', 'leader_info', 'activated_slaves', 'slaves', 'frameworks', 'completed_frameworks', 'flags']) {
    assert.ok(k in state, `state has ${k}`);
  }
  assert.equal((await fetch(url('/state.json'))).status, 200);
  const summary = (await (await fetch(url('/master/state-summary'))).json()) as Record<string, unknown>;
  assert.ok(Array.isArray(summary.slaves) && Array.isArray(summary.frameworks) && 'hostname' in summary);
  const roles = (await (await post('/api/v1', '{"type":"GET_ROLES"}')).json()) as { get_roles: { roles: Array<{ name: string; weight: number }> } };
  assert.ok(roles.get_roles.roles.some((r) => r.name === '*' && r.weight === 1));
  const jsonp = await fetch(url('/master/state?jsonp=cb'));
  assert.match(await jsonp.text(), /^cb\(\{/);
  assert.equal((await fetch(url('/master/state?jsonp=alert(1)'))).status, 400);
  assert.equal((await fetch(url('/master/tasks?limit=abc'))).status, 400);
  assert.deepEqual(await (await fetch(url('/master/tasks?limit=5&_ts=123'))).json(), { tasks: [] });
  const redirect = await fetch(url('/master/redirect'), { redirect: 'manual' });
  assert.equal(redirect.status, 307);
  assert.match(redirect.headers.get('location') ?? '', /^\/\/127\.0\.0\.1:\d+$/);
  assert.equal(((await (await fetch(url('/version'))).json()) as { version: string }).version, '1.11.0');
  const snap = (await (await fetch(url('/metrics/snapshot'))).json()) as Record<string, number>;
  assert.equal(snap['master/elected'], 1);
  assert.ok('master/tasks_running' in snap && 'master/cpus_total' in snap);
  assert.equal(snap['master/cpus_total'], 0, 'no agents yet');
  const prom = await (await fetch(url('/metrics'))).text();
  assert.match(prom, /^agora_master_elected 1$/m);
});

test('the agent channel refuses other upgrade paths and survives garbage frames', async () => {
  const { WebSocket } = await import('ws');
  const wsUrl = m.url.replace('http', 'ws');
  const refused = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`${wsUrl}/elsewhere`);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => {});
  });
  assert.equal(refused, 404);
  for (const frame of ['not json', '{"not":"an array"}', '[{"type":"PONG"}]', '[{"type":"REGISTER_AGENT","register_agent":{"agent_info":{"hostname":""},"version":"1"}}]']) {
    const ws = new WebSocket(`${wsUrl}/agora/v1/agent`);
    await new Promise((r) => ws.once('open', r));
    ws.send(frame);
    await new Promise((r) => ws.once('close', r));
  }
  assert.equal((await fetch(url('/health'))).status, 200);
});

test('an error quoting a huge client value is clipped (the input is not sent back)', async () => {
  const id = 'x'.repeat(100_000);
  const res = await post('/master/teardown', `frameworkId=${id}`, { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(res.status, 400);
  const body = await res.text();
  assert.match(body, /^No framework found with specified ID x+\.\.\.$/);
  assert.ok(body.length <= 1024, `${body.length} chars`);
});

test('a Content-Type too malformed to parse is a 415 naming the header', async () => {
  const res = await post('/api/v1/scheduler', '{}', { 'content-type': '-[' });
  assert.equal(res.status, 415);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.match(await res.text(), /'Content-Type'/);
});
