/**
 * The HTTP API in process, against a scripted master (the SDK's FakeMaster, a real HTTP server
 * speaking the scheduler API): Chronos and Metronome routes, errors naming fields, and the
 * exactly-once order — the run intent is in the store before the ACCEPT reaches the master.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeMaster } from '@agora/sdk';
import { startCron } from '../daemon.ts';
import { MemoryKv } from '../store/kv.ts';
import { FUTURE, offer, setup, testOptions, waitUntil } from './testing.ts';

test('Chronos API: create, validate (400 naming the field), list, search, summary, graph, leader', async (t) => {
  const { call } = await setup(t);
  assert.equal((await call('POST', '/scheduler/iso8601', { name: 'bad name', command: 'true', schedule: `R/${FUTURE}/PT1H` })).status, 400);
  const badSchedule = await call('POST', '/v1/scheduler/iso8601', { name: 'a', command: 'true', schedule: 'R/2024-01-01T00:00:00Z/1H' });
  assert.deepEqual([badSchedule.status, (badSchedule.json as { field: string }).field], [400, 'schedule']);
  const badTz = await call('POST', '/v1/scheduler/iso8601', { name: 'a', command: 'true', schedule: `R/${FUTURE}/PT1H`, scheduleTimeZone: 'Mars/Olympus' });
  assert.deepEqual([badTz.status, (badTz.json as { field: string }).field], [400, 'scheduleTimeZone']);
  const both = await call('POST', '/v1/scheduler/iso8601', { name: 'a', command: 'true', schedule: `R/${FUTURE}/PT1H`, uris: ['http://x/y'], fetch: [{ uri: 'http://x/z' }] });
  assert.equal((both.json as { field: string }).field, 'fetch');
  assert.equal((await call('POST', '/v1/scheduler/iso8601', { name: 'a', command: 'echo a', schedule: `R5/${FUTURE}/P1D`, owner: 'ops@example.com' })).status, 204);
  assert.equal((await call('PUT', '/scheduler/dependency', { name: 'b', command: 'echo b', parents: ['a'] })).status, 204);
  const unknownParent = await call('POST', '/v1/scheduler/dependency', { name: 'c', command: 'true', parents: ['zzz'] });
  assert.deepEqual([unknownParent.status, (unknownParent.json as { field: string }).field], [400, 'parents']);
  assert.equal((await call('POST', '/v1/scheduler/dependency', { name: 'a2', command: 'true', parents: ['b'] })).status, 204);
  const cycle = await call('POST', '/v1/scheduler/dependency', { name: 'b', command: 'true', parents: ['a2'] });
  assert.equal(cycle.status, 400);

  const jobs = (await call('GET', '/v1/scheduler/jobs')).json as Record<string, unknown>[];
  assert.deepEqual(jobs.map((j) => j.name), ['a', 'a2', 'b']);
  const a = jobs[0]!;
  assert.deepEqual([a.schedule, a.epsilon, a.retries, a.cpus, a.mem, a.disk, a.shell, a.successCount, a.lastSuccess], ['R5/2100-01-01T00:00:00.000Z/P1D', 'PT60S', 2, 0.1, 128, 256, true, 0, '']);
  assert.deepEqual(jobs[2]!.parents, ['a']);
  const one = await call('GET', '/scheduler/job/a');
  assert.equal((one.json as { owner: string }).owner, 'ops@example.com');
  assert.equal((await call('GET', '/scheduler/job/nope')).status, 400);
  const found = (await call('GET', '/v1/scheduler/jobs/search?any=ECHO%20B')).json as { name: string }[];
  assert.deepEqual(found.map((j) => j.name), ['b']);
  const summary = (await call('GET', '/v1/scheduler/jobs/summary')).json as { jobs: { name: string; status: string; state: string }[] };
  assert.deepEqual(summary.jobs[0], { name: 'a', status: 'idle', state: 'fresh', schedule: 'R5/2100-01-01T00:00:00.000Z/P1D', parents: [], disabled: false });
  const dot = (await call('GET', '/v1/scheduler/graph/dot')).text;
  assert.match(dot, /"a" -> "b";/);
  assert.match(dot, /"b" -> "a2";/);
  const leader = (await call('GET', '/v1/scheduler/leader')).json as { leader: string };
  assert.match(leader.leader, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual((await call('GET', '/leader')).json, leader);
  // Deleting a re-parents b's child… b's parent a is gone: b takes over a's schedule.
  assert.equal((await call('DELETE', '/v1/scheduler/job/a')).status, 204);
  const b = (await call('GET', '/v1/scheduler/job/b')).json as { schedule?: string; parents?: string[] };
  assert.equal(b.schedule, 'R5/2100-01-01T00:00:00.000Z/P1D');
});

test('run now: the intent is persisted before the launch reaches the master; updates drive counters, stats and history', async (t) => {
  const { call, master, kv, cron } = await setup(t);
  assert.equal((await call('POST', '/v1/scheduler/iso8601', { name: 'echo', command: '/bin/echo', shell: false, arguments: ['hi'], schedule: `R/${FUTURE}/PT1H` })).status, 204);
  const sub = await master.nextSubscription();
  await waitUntil(() => cron.framework!.isReconciled);
  assert.equal((await call('PUT', '/v1/scheduler/job/echo?arguments=x,y')).status, 204);
  assert.equal((await call('PUT', '/v1/scheduler/job/nope')).status, 400);
  sub.offers([offer('o1')]);
  const accept = await master.nextCall('ACCEPT');
  const task = accept.call.accept!.operations![0]!.launch!.task_infos![0]!;
  assert.match(task.task_id.value, /^cron\.echo\.\d+$/);
  assert.deepEqual([task.command?.value, task.command?.arguments], ['/bin/echo', ['/bin/echo', 'hi', 'x', 'y']]);
  assert.ok(kv.data.has(`cron/runs/${task.task_id.value}`), 'the intent was in the store when the master got the launch');
  const env = Object.fromEntries((task.command?.environment?.variables ?? []).map((v) => [v.name, v.value]));
  assert.equal(env.CHRONOS_JOB_NAME, 'echo');
  sub.update({ task_id: task.task_id, state: 'TASK_RUNNING', agent_id: { value: 'agent-1' }, uuid: 'AAAAAAAAAAAAAAAAAAAAAA==' });
  sub.update({ task_id: task.task_id, state: 'TASK_FINISHED', agent_id: { value: 'agent-1' }, message: 'Command exited with status 0', uuid: 'AAAAAAAAAAAAAAAAAAAAAQ==' });
  await master.nextCall('ACKNOWLEDGE');
  await master.nextCall('ACKNOWLEDGE');
  const job = (await call('GET', '/v1/scheduler/job/echo')).json as { successCount: number; lastSuccess: string };
  assert.equal(job.successCount, 1);
  assert.match(job.lastSuccess, /^\d{4}-\d\d-\d\dT.*Z$/);
  assert.ok(!kv.data.has(`cron/runs/${task.task_id.value}`));
  const history = (await call('GET', '/v1/scheduler/job/echo/history')).json as { history: { status: string; exitCode: number; sandbox: string; taskId: string }[] };
  assert.deepEqual([history.history[0]!.status, history.history[0]!.exitCode, history.history[0]!.taskId], ['SUCCESS', 0, task.task_id.value]);
  assert.match(history.history[0]!.sandbox, /^http:\/\/127\.0\.0\.1:5051\/files\/read\?path=.*executors%2Fcron\.echo\./);
  const stat = (await call('GET', '/v1/scheduler/job/stat/echo')).json as { histogram: { count: number }; taskStatHistory: { taskStatus: string }[] };
  assert.deepEqual([stat.histogram.count, stat.taskStatHistory[0]!.taskStatus], [1, 'SUCCESS']);
  const p99 = (await call('GET', '/v1/scheduler/stats/99thPercentile')).json as { jobNameLabel: string }[];
  assert.equal(p99[0]!.jobNameLabel, 'echo');
  assert.equal((await call('GET', '/v1/scheduler/stats/banana')).status, 400);
  // Mark success: counters move without a run.
  const marked = await call('PUT', '/v1/scheduler/job/success/echo');
  assert.deepEqual([marked.status, marked.text], [200, 'marked job echo as successful: true']);
  assert.equal(((await call('GET', '/v1/scheduler/job/echo')).json as { successCount: number }).successCount, 2);
});

test('kill: queued runs are dropped, launched ones are killed at the master', async (t) => {
  const { call, master, cron } = await setup(t);
  await call('POST', '/v1/scheduler/iso8601', { name: 'sleepy', command: 'sleep 100', schedule: `R/${FUTURE}/PT1H` });
  const sub = await master.nextSubscription();
  await waitUntil(() => cron.framework!.isReconciled);
  await call('PUT', '/v1/scheduler/job/sleepy');
  sub.offers([offer('o1')]);
  const accept = await master.nextCall('ACCEPT');
  const taskId = accept.call.accept!.operations![0]!.launch!.task_infos![0]!.task_id.value;
  assert.equal((await call('DELETE', '/v1/scheduler/task/kill/sleepy')).status, 204);
  const kill = await master.nextCall('KILL');
  assert.equal(kill.call.kill!.task_id.value, taskId);
  sub.update({ task_id: { value: taskId }, state: 'TASK_KILLED', agent_id: { value: 'agent-1' }, uuid: 'AAAAAAAAAAAAAAAAAAAAAA==' });
  await master.nextCall('ACKNOWLEDGE');
  const history = (await call('GET', '/v1/scheduler/job/sleepy/history')).json as { active: unknown[]; history: { status: string; killReason: string }[] };
  assert.deepEqual([history.active.length, history.history[0]!.status, history.history[0]!.killReason], [0, 'KILLED', 'user']);
  assert.equal(((await call('GET', '/v1/scheduler/job/sleepy')).json as { errorCount: number }).errorCount, 0);
});

test('Metronome API: JobSpec with a cron schedule, 422 details, runs and stop, history embed', async (t) => {
  const { call, master, cron } = await setup(t);
  const bad = await call('POST', '/v1/jobs', { id: 'Bad_Id', run: { cmd: 'true' } });
  assert.equal(bad.status, 422);
  assert.deepEqual((bad.json as { details: { path: string }[] }).details[0]!.path, '/id');
  const badCron = await call('POST', '/v1/jobs', { id: 'nightly', run: { cmd: 'true' }, schedules: [{ id: 'n', cron: '61 * * * *' }] });
  assert.equal((badCron.json as { details: { path: string }[] }).details[0]!.path, '/schedules/0/cron');
  const created = await call('POST', '/v1/jobs', { id: 'nightly', description: 'd', run: { cmd: 'echo hi', cpus: 0.5, mem: 64 }, schedules: [{ id: 'n', cron: '0 2 * * *', timezone: 'Europe/Berlin', startingDeadlineSeconds: 120, concurrencyPolicy: 'FORBID' }] });
  assert.equal(created.status, 201);
  assert.deepEqual((created.json as { schedules: unknown[] }).schedules[0], { id: 'n', cron: '0 2 * * *', timezone: 'Europe/Berlin', startingDeadlineSeconds: 120, concurrencyPolicy: 'FORBID', enabled: true });
  assert.equal((await call('POST', '/v1/jobs', { id: 'nightly', run: { cmd: 'true' } })).status, 409);
  const badDeadline = await call('POST', '/v1/jobs', { id: 'retrying', run: { cmd: 'false', restart: { policy: 'ON_FAILURE', activeDeadlineSeconds: 0 } } });
  assert.deepEqual([badDeadline.status, (badDeadline.json as { details: { path: string }[] }).details[0]!.path], [422, '/run/restart/activeDeadlineSeconds']);
  const retrying = await call('POST', '/v1/jobs', { id: 'retrying', run: { cmd: 'false', restart: { policy: 'ON_FAILURE', activeDeadlineSeconds: 120 } } });
  assert.deepEqual([retrying.status, (retrying.json as { run: { restart: unknown } }).run.restart], [201, { policy: 'ON_FAILURE', activeDeadlineSeconds: 120 }]);
  assert.equal((await call('DELETE', '/v1/jobs/retrying')).status, 200);
  assert.equal((await call('GET', '/v1/jobs/nope')).status, 404);
  const list = (await call('GET', '/v1/jobs?embed=schedules&embed=activeRuns')).json as { id: string; schedules: unknown[]; activeRuns: unknown[] }[];
  assert.deepEqual([list.length, list[0]!.id, list[0]!.schedules.length, list[0]!.activeRuns.length], [1, 'nightly', 1, 0]);
  const run = await call('POST', '/v1/jobs/nightly/runs');
  assert.equal(run.status, 201);
  const runId = (run.json as { id: string; status: string }).id;
  assert.equal((run.json as { status: string }).status, 'INITIAL');
  const sub = await master.nextSubscription();
  await waitUntil(() => cron.framework!.isReconciled);
  sub.offers([offer('o1')]);
  const accept = await master.nextCall('ACCEPT');
  assert.equal(accept.call.accept!.operations![0]!.launch!.task_infos![0]!.task_id.value, runId);
  const active = (await call('GET', '/v1/jobs/nightly/runs')).json as { id: string; status: string }[];
  assert.deepEqual(active.map((r) => [r.id, r.status]), [[runId, 'STARTING']]);
  assert.equal((await call('POST', `/v1/jobs/nightly/runs/${runId}/actions/stop`)).status, 202);
  await master.nextCall('KILL');
  sub.update({ task_id: { value: runId }, state: 'TASK_KILLED', agent_id: { value: 'agent-1' }, uuid: 'AAAAAAAAAAAAAAAAAAAAAA==' });
  await master.nextCall('ACKNOWLEDGE');
  const withHistory = (await call('GET', '/v1/jobs/nightly?embed=history')).json as { history: { failedFinishedRuns: { id: string }[] } };
  assert.deepEqual(withHistory.history.failedFinishedRuns.map((r) => r.id), [runId]);
  const sched = await call('PUT', '/v1/jobs/nightly/schedules/n', { cron: '*/5 * * * *', concurrencyPolicy: 'ALLOW' });
  assert.deepEqual([sched.status, (sched.json as { cron: string }).cron], [200, '*/5 * * * *']);
  assert.equal((await call('DELETE', '/v1/jobs/nightly')).status, 200);
  assert.deepEqual((await call('GET', '/v1/jobs')).json, []);
});

test('failover: a restarted daemon re-subscribes as the same framework and reconciles before launching anything', async (t) => {
  const master = await FakeMaster.start({ heartbeatIntervalSeconds: 5 });
  t.after(() => master.close());
  const kv = new MemoryKv();
  const opts = testOptions(master.url);
  const first = await startCron(opts, { kv, log: () => undefined });
  assert.ok(first.ok);
  const sub1 = await master.nextSubscription();
  await waitUntil(() => first.value.framework!.isReconciled);
  const post = (url: string, path: string, method = 'POST', body?: unknown) => fetch(`${url}${path}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
  await post(first.value.url, '/v1/scheduler/iso8601', 'POST', { name: 'a', command: 'true', schedule: `R/${FUTURE}/PT1H` });
  await post(first.value.url, '/v1/scheduler/iso8601', 'POST', { name: 'b', command: 'true', schedule: `R/${FUTURE}/PT1H` });
  await post(first.value.url, '/v1/scheduler/job/a', 'PUT');
  sub1.offers([offer('o1')]);
  const launched = (await master.nextCall('ACCEPT')).call.accept!.operations![0]!.launch!.task_infos![0]!.task_id.value;
  await post(first.value.url, '/v1/scheduler/job/b', 'PUT'); // b: an intent that never reached the master
  const frameworkId = sub1.frameworkId;
  await first.value.close();

  const second = await startCron(opts, { kv, log: () => undefined });
  assert.ok(second.ok);
  t.after(() => second.value.close());
  const sub2 = await master.nextSubscription();
  assert.equal(sub2.frameworkId, frameworkId, 'the same framework, so the master still knows its tasks');
  const rec = await master.nextCall('RECONCILE');
  const asked = rec.call.reconcile!.tasks!.map((x) => x.task_id.value).sort();
  const queuedB = asked.find((id) => id.startsWith('cron.b.'))!;
  assert.deepEqual(asked, [launched, queuedB].sort());
  // Offers before reconciliation has finished are declined: nothing launches blind.
  sub2.offers([offer('o2')]);
  await master.nextCall('DECLINE');
  assert.equal(second.value.framework!.isReconciled, false);
  sub2.update({ task_id: { value: launched }, state: 'TASK_RUNNING', agent_id: { value: 'agent-1' }, reason: 'REASON_RECONCILIATION' });
  sub2.update({ task_id: { value: queuedB }, state: 'TASK_LOST', reason: 'REASON_RECONCILIATION' });
  await waitUntil(() => second.value.framework!.isReconciled);
  sub2.offers([offer('o3')]);
  const relaunch = (await master.nextCall('ACCEPT')).call.accept!.operations![0]!.launch!.task_infos!.map((x) => x.task_id.value);
  assert.deepEqual(relaunch, [queuedB], 'only the never-launched intent, under its original task ID');
  assert.equal(second.value.engine.runs.get(launched)?.state, 'RUNNING');
});

test('a final failure is POSTed to the failure webhook', async (t) => {
  const { createServer } = await import('node:http');
  const received: unknown[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => hook.close(() => r())));
  const master = await FakeMaster.start({ heartbeatIntervalSeconds: 5 });
  t.after(() => master.close());
  const started = await startCron(
    testOptions(master.url, { failureWebhook: `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook` }),
    { kv: new MemoryKv(), log: () => undefined },
  );
  assert.ok(started.ok);
  t.after(() => started.value.close());
  const sub = await master.nextSubscription();
  await waitUntil(() => started.value.framework?.isReconciled === true);
  await fetch(`${started.value.url}/v1/scheduler/iso8601`, { method: 'POST', body: JSON.stringify({ name: 'doomed', command: 'false', schedule: `R/${FUTURE}/PT1H`, retries: 0, owner: 'ops@example.com' }) });
  await fetch(`${started.value.url}/v1/scheduler/job/doomed`, { method: 'PUT' });
  sub.offers([offer('o1')]);
  const taskId = (await master.nextCall('ACCEPT')).call.accept!.operations![0]!.launch!.task_infos![0]!.task_id;
  sub.update({ task_id: taskId, state: 'TASK_FAILED', agent_id: { value: 'agent-1' }, message: 'Command exited with status 1', uuid: 'AAAAAAAAAAAAAAAAAAAAAA==' });
  await waitUntil(() => received.length === 1);
  const hit = received[0] as { job: string; owner: string; run: { taskId: string; status: string; exitCode: number } };
  assert.deepEqual([hit.job, hit.owner, hit.run.taskId, hit.run.status, hit.run.exitCode], ['doomed', 'ops@example.com', taskId.value, 'FAILED', 1]);
});

test('a job name or Metronome id longer than 255 characters is rejected naming the field (it could not be named in a URL again)', async (t) => {
  const { call } = await setup(t);
  const chronos = await call('POST', '/v1/scheduler/iso8601', { name: 'a'.repeat(256), command: 'true', schedule: `R/${FUTURE}/PT1H` });
  assert.deepEqual([chronos.status, (chronos.json as { field: string; message: string }).message], [400, 'name: must be at most 255 characters long']);
  const metronome = await call('POST', '/v1/jobs', { id: 'a'.repeat(256), run: { cmd: 'true', cpus: 0.1, mem: 32, disk: 0 } });
  assert.equal(metronome.status, 422);
  assert.deepEqual((metronome.json as { details: unknown }).details, [{ path: '/id', errors: ['must be at most 255 characters long'] }]);
  assert.equal((await call('POST', '/v1/scheduler/iso8601', { name: 'a'.repeat(255), command: 'true', schedule: `R/${FUTURE}/PT1H` })).status, 204);
});

test('an error quoting a huge client value is clipped to 1 KiB (Chronos and Metronome)', async (t) => {
  const { call } = await setup(t);
  const huge = 'X'.repeat(100_000);
  const chronos = await call('POST', '/v1/scheduler/iso8601', { name: 'a', command: 'true', schedule: `R/${FUTURE}/PT1H`, container: { type: huge, image: 'busybox' } });
  assert.equal(chronos.status, 400);
  assert.ok((chronos.json as { message: string }).message.length <= 1024, chronos.text.slice(0, 200));
  assert.match((chronos.json as { message: string }).message, /\.\.\.$/);
  const metronome = await call('POST', '/v1/jobs', { id: huge.toLowerCase(), run: { cmd: 'true', cpus: 0.1, mem: 32, disk: 0 } });
  assert.equal(metronome.status, 422);
  assert.ok(metronome.text.length < 2048, metronome.text.slice(0, 200));
});

test("the job names '.' and '..' are rejected naming the field (a URL resolves them away, so the job could not be deleted)", async (t) => {
  const { call } = await setup(t);
  for (const name of ['.', '..']) {
    const r = await call('POST', '/scheduler/iso8601', { name, command: 'true', schedule: `R/${FUTURE}/PT1H` });
    assert.deepEqual([r.status, (r.json as { field: string }).field], [400, 'name'], r.text);
  }
  assert.equal((await call('POST', '/scheduler/iso8601', { name: '...x', command: 'true', schedule: `R/${FUTURE}/PT1H` })).status, 204);
});
