/**
 * A standby's answers (Mesos `Master::Http::redirect`): 307 to the leader with the path kept, 503
 * without a leader or while the leader recovers, `/master/redirect` without the path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MasterInfo } from '@agora/protocol';
import { createHttpServer, MetricsRegistry } from '@agora/runtime';
import { Harness } from '../testing/harness.ts';
import { legacyEndpoints } from './legacy-endpoints.ts';
import { ElectedLeadership } from './leadership.ts';
import { operatorEndpoint } from './operator-endpoint.ts';
import { schedulerEndpoint } from './scheduler-endpoint.ts';

const info = (id: string, host: string, port: number): MasterInfo => ({ id, ip: 16777343, port, hostname: host, pid: `master@${host}:${port}` });

function app() {
  const h = new Harness();
  const leadership = new ElectedLeadership(info('self', 'm1', 5050));
  const a = createHttpServer();
  schedulerEndpoint(a, h.master, leadership, { recovering: () => false });
  operatorEndpoint(a, h.master, leadership, new MetricsRegistry(), {});
  legacyEndpoints(a, h.master, leadership, new MetricsRegistry(), {});
  return { a, leadership };
}

test('a standby redirects to the leader (path and query kept), or answers 503 without one', async () => {
  const { a, leadership } = app();
  const post = { method: 'POST' as const, url: '/api/v1/scheduler?x=1', headers: { 'content-type': 'application/json' }, payload: '{}' };
  let r = await a.inject(post);
  assert.equal(r.statusCode, 503);
  assert.equal(r.body, 'No leader elected');
  assert.equal((await a.inject({ url: '/master/redirect' })).statusCode, 503);

  leadership.leader = info('other', 'm2', 5051);
  r = await a.inject(post);
  assert.equal(r.statusCode, 307);
  assert.equal(r.headers.location, '//m2:5051/api/v1/scheduler?x=1');
  r = await a.inject({ url: '/master/state' });
  assert.equal(r.headers.location, '//m2:5051/master/state');
  r = await a.inject({ method: 'POST', url: '/api/v1', headers: { 'content-type': 'application/json' }, payload: '{"type":"GET_HEALTH"}' });
  assert.equal(r.statusCode, 307);
  r = await a.inject({ url: '/master/redirect' });
  assert.equal(r.statusCode, 307);
  assert.equal(r.headers.location, '//m2:5051', 'no path');
  assert.equal((await a.inject({ url: '/master/health' })).statusCode, 200, 'health answers anywhere');

  // A standby that still sees its own node as the leader's must not point at itself.
  leadership.leader = info('self', 'm1', 5050);
  assert.equal((await a.inject({ url: '/master/redirect' })).statusCode, 503);
});

test('an elected master answers 503 until it has recovered the registry; then it serves and names itself', async () => {
  const { a, leadership } = app();
  leadership.state = 'recovering';
  let r = await a.inject({ method: 'POST', url: '/api/v1/scheduler', headers: { 'content-type': 'application/json' }, payload: '{}' });
  assert.equal(r.statusCode, 503);
  assert.equal(r.body, 'Master has not finished recovery');
  assert.equal((await a.inject({ url: '/master/state' })).statusCode, 503);
  r = await a.inject({ method: 'POST', url: '/api/v1', headers: { 'content-type': 'application/json' }, payload: '{"type":"GET_AGENTS"}' });
  assert.equal(r.statusCode, 503);
  r = await a.inject({ method: 'POST', url: '/api/v1', headers: { 'content-type': 'application/json' }, payload: '{"type":"GET_HEALTH"}' });
  assert.equal(r.statusCode, 200);
  assert.equal((await a.inject({ url: '/master/redirect' })).headers.location, '//m1:5050');

  leadership.state = 'leading';
  assert.equal((await a.inject({ url: '/master/state' })).statusCode, 200);
  leadership.state = 'deposed';
  assert.equal((await a.inject({ url: '/master/state' })).statusCode, 503);
});
