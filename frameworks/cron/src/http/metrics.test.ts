/**
 * `/metrics` (JSON) and `/metrics/prometheus` (text 0.0.4) of the cron daemon, in process on an
 * injected clock: launches, successes, failures (a maxCompletionTime timeout among them), kills,
 * retries, final failures, missed occurrences, launch skew, leadership and the active-run gauges; a standby answers them itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpServer, FakeClock } from '@agora/runtime';
import { CronEngine } from '../plan/engine.ts';
import { CronMetrics } from '../shell/metrics.ts';
import { forwardToLeader } from './forward.ts';
import { registerMetrics } from './metrics.ts';
import { offer, setup, waitUntil } from './testing.ts';

test('metrics count what the daemon did: runs succeeded, failed, retried, missed; skew; gauges; Prometheus text', async (t) => {
  const clock = new FakeClock();
  const { call, master, cron } = await setup(t, { clock, heartbeatIntervalSeconds: 3600 });
  const sub = await master.nextSubscription();
  await waitUntil(() => cron.framework?.isReconciled === true);
  const metrics = async () => (await call('GET', '/metrics')).json as Record<string, number>;
  const pump = async (what: string, cond: () => boolean | Promise<boolean>, stepMs = 250) => {
    for (let i = 0; i < 200 && !(await cond()); i++) {
      clock.advance(stepMs);
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(await cond(), what);
  };
  const accepted = () => master.calls.filter((c) => c.call.type === 'ACCEPT').length;
  const lastLaunch = async () => (await master.nextCall('ACCEPT')).call.accept!.operations![0]!.launch!.task_infos![0]!.task_id;

  const start = new Date(clock.now() + 10 * 60_000).toISOString();
  assert.equal((await call('POST', '/v1/scheduler/iso8601', { name: 'ok', command: 'true', schedule: `R/${start}/PT1H` })).status, 204);
  assert.equal((await call('POST', '/v1/scheduler/iso8601', { name: 'flaky', command: 'false', schedule: `R/${start}/PT1H`, retries: 1 })).status, 204);
  // Due in 1 s with an epsilon of 1 s, and no offers until then: recorded as missed.
  assert.equal((await call('POST', '/v1/scheduler/iso8601', { name: 'late', command: 'true', schedule: `R1/${new Date(clock.now() + 1000).toISOString()}/PT1H`, epsilon: 'PT1S' })).status, 204);
  let m = await metrics();
  assert.deepEqual([m.cron_leader, m.cron_jobs, m.cron_runs_active, m.cron_runs_launched, m.cron_reconciliation_in_progress], [1, 3, 0, 0, 0]);
  await pump('late to be missed', async () => (await metrics()).cron_runs_missed === 1);

  await call('PUT', '/v1/scheduler/job/ok');
  await call('PUT', '/v1/scheduler/job/flaky');
  m = await metrics();
  assert.deepEqual([m.cron_runs_active, m.cron_runs_queued], [2, 2]);
  sub.offers([offer('o1')]);
  await pump('the launch', () => accepted() === 1);
  const launched = (await master.nextCall('ACCEPT')).call.accept!.operations![0]!.launch!.task_infos!.map((x) => x.task_id);
  m = await metrics();
  assert.deepEqual([m.cron_runs_launched, m.cron_runs_running, m.cron_runs_queued, m['cron_launch_skew_ms/count']], [2, 2, 0, 2]);
  for (const id of launched) {
    const ok = id.value.startsWith('cron.ok.');
    sub.update({ task_id: id, state: ok ? 'TASK_FINISHED' : 'TASK_FAILED', agent_id: { value: 'agent-1' }, message: `Command exited with status ${ok ? 0 : 1}`, uuid: ok ? 'AAAAAAAAAAAAAAAAAAAAAA==' : 'AAAAAAAAAAAAAAAAAAAAAQ==' });
  }
  await master.nextCall('ACKNOWLEDGE');
  await master.nextCall('ACKNOWLEDGE');
  m = await metrics();
  assert.deepEqual([m.cron_runs_succeeded, m.cron_runs_failed, m.cron_final_failures, m.cron_retries], [1, 1, 0, 0]);
  // flaky's retry comes after --failure-retry (PT1S), as attempt 1; it fails too: a final failure.
  sub.offers([offer('o2')]);
  await pump('the retry', () => accepted() === 2);
  const retry = await lastLaunch();
  assert.match(retry.value, /^cron\.flaky\.\d+\.1$/);
  sub.update({ task_id: retry, state: 'TASK_FAILED', agent_id: { value: 'agent-1' }, message: 'Command exited with status 1', uuid: 'AAAAAAAAAAAAAAAAAAAAAg==' });
  await master.nextCall('ACKNOWLEDGE');
  m = await metrics();
  assert.deepEqual([m.cron_runs_launched, m.cron_retries, m.cron_runs_failed, m.cron_final_failures, m.cron_runs_succeeded, m.cron_runs_active], [3, 1, 2, 1, 1, 0]);

  // A run past maxCompletionTime is killed and counts as failed; one killed on request as killed.
  assert.equal((await call('POST', '/v1/scheduler/iso8601', { name: 'slow', command: 'sleep 100', schedule: `R/${start}/PT1H`, retries: 0, maxCompletionTime: 2 })).status, 204);
  await call('PUT', '/v1/scheduler/job/slow');
  await call('PUT', '/v1/scheduler/job/ok');
  sub.offers([offer('o3')]);
  await pump('two more launches', () => accepted() === 3);
  const more = (await master.nextCall('ACCEPT')).call.accept!.operations![0]!.launch!.task_infos!.map((x) => x.task_id);
  more.forEach((id, i) => sub.update({ task_id: id, state: 'TASK_RUNNING', agent_id: { value: 'agent-1' }, uuid: `AAAAAAAAAAAAAAAAAAAAB${i}==` }));
  await master.nextCall('ACKNOWLEDGE');
  await master.nextCall('ACKNOWLEDGE');
  assert.equal((await call('DELETE', '/v1/scheduler/task/kill/ok')).status, 204);
  const kills = () => master.calls.filter((c) => c.call.type === 'KILL').map((c) => c.call.kill!.task_id.value);
  await pump('the timeout kill', () => kills().length === 2);
  for (const id of kills()) sub.update({ task_id: { value: id }, state: 'TASK_KILLED', agent_id: { value: 'agent-1' } });
  await waitUntil(() => cron.engine.runs.size === 0);
  m = await metrics();
  assert.deepEqual([m.cron_runs_failed, m.cron_runs_killed, m.cron_final_failures, m.cron_runs_succeeded], [3, 1, 2, 1]);

  const prom = await call('GET', '/metrics/prometheus');
  assert.equal(prom.status, 200);
  assert.match(prom.type ?? '', /^text\/plain; version=0\.0\.4/);
  assert.match(prom.text, /^# TYPE agora_cron_runs_succeeded counter\nagora_cron_runs_succeeded 1$/m);
  assert.match(prom.text, /^# TYPE agora_cron_leader gauge\nagora_cron_leader 1$/m);
  assert.match(prom.text, /^agora_cron_runs_missed 1$/m);
  assert.match(prom.text, /^# TYPE agora_cron_launch_skew_ms summary$/m);
  assert.match(prom.text, /^agora_cron_launch_skew_ms\{quantile="0\.99"\} \d+$/m);
  assert.match(prom.text, /^agora_cron_launch_skew_ms_count 5$/m);
  for (const line of prom.text.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{quantile="[\d.]+"\})? -?[\d.e+-]+)$/, line);
});

test('a standby answers /metrics and /metrics/prometheus itself (leader 0) and forwards the rest', async (t) => {
  const engine = new CronEngine({ retryDelayMs: 1000, historyLimit: 10 });
  const metrics = new CronMetrics({ engine, isLeader: () => false, reconciling: () => false });
  const app = createHttpServer();
  forwardToLeader(app, { engine, now: () => 0, exec: () => { throw new Error('standby'); }, leader: () => undefined, isLeader: () => false });
  registerMetrics(app, metrics.registry);
  app.get('/v1/scheduler/jobs', async () => []);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const json = await fetch(`${url}/metrics`);
  assert.equal(json.status, 200);
  assert.deepEqual(((await json.json()) as Record<string, number>).cron_leader, 0);
  const prom = await fetch(`${url}/metrics/prometheus`);
  assert.match(await prom.text(), /^agora_cron_leader 0$/m);
  assert.equal((await fetch(`${url}/v1/scheduler/jobs`)).status, 503, 'no leader known: the API is not answered locally');
});
