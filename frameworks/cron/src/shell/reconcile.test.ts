/**
 * Periodic explicit reconciliation, on an injected clock (FakeClock) against the SDK's FakeMaster:
 * a run whose terminal update never arrived (the master's update was lost) is found out when the
 * `--reconciliation-interval` comes round, and a run the master never had is launched again
 * under its task ID. Nothing is asked before the interval, nor about runs still queued.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '@agora/runtime';
import { startCron } from '../daemon.ts';
import { FUTURE, offer, setup, testOptions, waitUntil } from '../http/testing.ts';
import { MemoryKv } from '../store/kv.ts';

const MINUTE = 60_000;

test('periodic reconciliation (default PT10M) finds a run whose update was lost, and re-offers one the master never had', async (t) => {
  const clock = new FakeClock();
  // Heartbeats every hour: the driver's watchdog (5 missed) must not fire when the clock jumps.
  const { call, master, cron } = await setup(t, { clock, heartbeatIntervalSeconds: 3600 });
  const sub = await master.nextSubscription();
  await waitUntil(() => cron.framework?.isReconciled === true);
  /** Moves the injected clock until `cond` holds (the real HTTP calls need real time too). */
  const pump = async (what: string, cond: () => boolean, stepMs = 500) => {
    for (let i = 0; i < 200 && !cond(); i++) {
      clock.advance(stepMs);
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(cond(), what);
  };
  const reconciles = () => master.calls.filter((c) => c.call.type === 'RECONCILE');

  for (const name of ['lost-update', 'lost-launch']) {
    assert.equal((await call('POST', '/v1/scheduler/iso8601', { name, command: 'true', schedule: `R/${FUTURE}/PT1H`, retries: 0 })).status, 204);
    assert.equal((await call('PUT', `/v1/scheduler/job/${name}`)).status, 204);
  }
  sub.offers([offer('o1')]);
  await pump('a launch', () => master.calls.some((c) => c.call.type === 'ACCEPT'));
  const tasks = (await master.nextCall('ACCEPT')).call.accept!.operations![0]!.launch!.task_infos!.map((x) => x.task_id.value);
  const lostUpdate = tasks.find((id) => id.startsWith('cron.lost-update.'))!;
  const lostLaunch = tasks.find((id) => id.startsWith('cron.lost-launch.'))!;
  assert.ok(lostUpdate && lostLaunch, tasks.join());
  // lost-update started; its TASK_FINISHED never reaches the framework. lost-launch: the master never heard of it.
  sub.update({ task_id: { value: lostUpdate }, state: 'TASK_RUNNING', agent_id: { value: 'agent-1' }, uuid: 'AAAAAAAAAAAAAAAAAAAAAA==' });
  await master.nextCall('ACKNOWLEDGE');
  assert.equal(cron.engine.runs.get(lostUpdate)?.state, 'RUNNING');
  assert.equal(cron.engine.runs.get(lostLaunch)?.state, 'STAGING');

  clock.advance(9 * MINUTE);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(reconciles().length, 0, 'nothing asked before the interval');

  clock.advance(1 * MINUTE);
  const rec = await master.nextCall('RECONCILE');
  assert.deepEqual(rec.call.reconcile!.tasks!.map((x) => [x.task_id.value, x.agent_id?.value]).sort(), [[lostLaunch, 'agent-1'], [lostUpdate, 'agent-1']].sort());
  assert.equal(((await call('GET', '/metrics')).json as Record<string, number>).cron_reconciliation_in_progress, 1);

  sub.update({ task_id: { value: lostUpdate }, state: 'TASK_FINISHED', agent_id: { value: 'agent-1' }, message: 'Command exited with status 0', reason: 'REASON_RECONCILIATION' });
  sub.update({ task_id: { value: lostLaunch }, state: 'TASK_GONE', reason: 'REASON_RECONCILIATION' });
  await waitUntil(() => !cron.engine.runs.has(lostUpdate) && cron.engine.runs.get(lostLaunch)?.state === 'QUEUED');
  const job = (await call('GET', '/v1/scheduler/job/lost-update')).json as { successCount: number };
  assert.equal(job.successCount, 1, 'the lost TASK_FINISHED was found out');
  const metrics = (await call('GET', '/metrics')).json as Record<string, number>;
  assert.deepEqual([metrics.cron_reconciliation_in_progress, metrics.cron_periodic_reconciliations, metrics.cron_runs_succeeded], [0, 1, 1]);

  // The run the master never had is launched again, under the same task ID.
  sub.offers([offer('o2')]);
  await pump('a relaunch', () => master.calls.filter((c) => c.call.type === 'ACCEPT').length === 2);
  const again = (await master.nextCall('ACCEPT')).call.accept!.operations![0]!.launch!.task_infos!.map((x) => x.task_id.value);
  assert.deepEqual(again, [lostLaunch]);
});

test('--reconciliation-interval is an ISO 8601 duration of at least a second', async (t) => {
  for (const bad of ['10m', 'PT0.5S']) {
    const r = await startCron(testOptions('127.0.0.1:1', { reconciliationInterval: bad }), { kv: new MemoryKv(), log: () => undefined });
    if (r.ok) t.after(() => r.value.close());
    assert.equal(r.ok, false, bad);
    assert.match(r.ok ? '' : r.error, /^--reconciliation-interval: /);
  }
});
