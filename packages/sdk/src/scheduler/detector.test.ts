import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { backoffDelay } from './backoff.ts';
import { normalizeMasterUrl, originOfLocation, StaticMasterDetector } from './detector.ts';

test('normalizeMasterUrl: the spellings operators use', () => {
  const n = (t: string) => {
    const r = normalizeMasterUrl(t);
    return r.ok ? r.value : `error: ${r.error}`;
  };
  assert.equal(n('127.0.0.1:5050'), 'http://127.0.0.1:5050');
  assert.equal(n('http://m1:6000/'), 'http://m1:6000');
  assert.equal(n('http://m1:6000/master/state'), 'http://m1:6000');
  assert.equal(n('master@10.0.0.1:5050'), 'http://10.0.0.1:5050');
  assert.equal(n('m1'), 'http://m1:5050');
  assert.equal(n('https://m1'), 'https://m1', 'the default https port is implied');
  assert.match(n('zk://zk1:2181/mesos'), /^error: .*ZooKeeper detector/);
  assert.match(n(''), /^error: the master address is empty/);
  assert.match(n('ftp://x'), /^error: .*unsupported scheme/);
});

test('originOfLocation: protocol-relative Mesos redirects', () => {
  assert.deepEqual(originOfLocation('//10.0.0.2:5050/api/v1/scheduler', 'http://10.0.0.1:5050/api/v1/scheduler'), { ok: true, value: 'http://10.0.0.2:5050' });
  assert.deepEqual(originOfLocation('//m2:5050', 'https://m1:5050/master/redirect'), { ok: true, value: 'https://m2:5050' });
});

test('StaticMasterDetector: 307 → leader, 503 → error value, 404 → the address itself, unreachable → error value', async (t) => {
  let answer = 307;
  const server = createServer((req, res) => {
    assert.equal(req.url, '/master/redirect');
    if (answer === 307) res.writeHead(307, { Location: '//leader.example:5050' }).end();
    else res.writeHead(answer).end(answer === 503 ? 'No leader elected' : '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const d = new StaticMasterDetector(base);
  assert.deepEqual(await d.detect(), { ok: true, value: 'http://leader.example:5050' });
  answer = 503;
  const none = await d.detect();
  assert.ok(!none.ok && /no leading master yet.*No leader elected/.test(none.error));
  answer = 404;
  assert.deepEqual(await d.detect(), { ok: true, value: base });
  assert.deepEqual(await new StaticMasterDetector(base, { resolveLeader: false }).detect(), { ok: true, value: base });
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const gone = await new StaticMasterDetector(`http://127.0.0.1:${port}`).detect();
  assert.ok(!gone.ok && /cannot reach the master at .*ECONNREFUSED/.test(gone.error), JSON.stringify(gone));
});

test('backoff: exponential, capped, jittered within [½, 1]', () => {
  const opts = (r: number) => ({ initialMs: 500, maxMs: 15_000, random: () => r });
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 40].map((a) => backoffDelay(a, opts(0.999999))), [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  assert.deepEqual([0, 1, 5].map((a) => backoffDelay(a, opts(0))), [250, 500, 7500]);
});
