import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unwrap } from '@agora/protocol';
import { formatIso8601Schedule } from '../schedule/iso8601.ts';
import type { Iso8601Schedule } from '../schedule/iso8601.ts';
import { parseChronosJob } from '../job/validate.ts';
import { CronEngine, type Effects } from './engine.ts';
import { plan } from './plan.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const S = 1000;

function job(engine: CronEngine, body: Record<string, unknown>, now = T0): void {
  const kind = body.parents ? 'dependency' : 'iso8601';
  const parsed = unwrap(parseChronosJob({ command: 'true', ...body }, kind, now));
  unwrap(engine.upsert(parsed, now));
}

/** Launches every launchable run and reports it finished with `state`. */
function runAll(e: CronEngine, now: number, state: 'TASK_FINISHED' | 'TASK_FAILED' = 'TASK_FINISHED', only?: string): Effects[] {
  e.takeDirty();
  const out: Effects[] = [];
  for (const r of e.launchable()) {
    if (only && r.job !== only) continue;
    e.markLaunched(r.taskId, 'agent-1', undefined, now);
    e.onStatus({ taskId: r.taskId, state: 'TASK_RUNNING' }, now);
    out.push(e.onStatus({ taskId: r.taskId, state, message: state === 'TASK_FAILED' ? 'Command exited with status 3' : 'Command exited with status 0' }, now + 10));
  }
  return out;
}

const queued = (e: CronEngine) => [...e.runs.values()].filter((r) => r.state === 'QUEUED').map((r) => r.taskId).sort();

test('a due occurrence becomes a persisted intent with a deterministic task ID, then the schedule is rewritten', () => {
  const e = new CronEngine();
  job(e, { name: 'j', schedule: `R3/${new Date(T0).toISOString()}/PT10S` });
  assert.deepEqual(queued(e), []);
  e.tick(T0 - 1);
  assert.deepEqual(queued(e), []);
  e.tick(T0);
  assert.deepEqual(queued(e), [`cron.j.${T0}`]);
  const dirty = e.takeDirty();
  assert.ok(dirty.runs.has(`cron.j.${T0}`) && dirty.jobs.has('j'));
  assert.equal(formatIso8601Schedule(e.jobs.get('j')!.schedule as Iso8601Schedule), 'R2/2026-01-01T12:00:10.000Z/PT10S');
  e.tick(T0 + 5 * S); // nothing new is due; the same occurrence is never planned twice
  assert.deepEqual(queued(e), [`cron.j.${T0}`]);
});

test('missed-run policy: after an outage only the latest occurrence within epsilon runs, the rest are recorded as missed', () => {
  const e = new CronEngine();
  job(e, { name: 'j', schedule: `R/${new Date(T0).toISOString()}/PT10S`, epsilon: 'PT15S' });
  e.tick(T0 + 95 * S); // occurrences at 0,10,…,90 s are due; 90 s is 5 s late
  assert.deepEqual(queued(e), [`cron.j.${T0 + 90 * S}`]);
  const missed = e.history.get('j')!.filter((r) => r.state === 'MISSED');
  assert.equal(missed.length, 9);
  assert.equal(e.jobs.get('j')!.counters.missedCount, 9);
  // Beyond epsilon: nothing is started late, everything is recorded.
  const f = new CronEngine();
  job(f, { name: 'k', schedule: `R/${new Date(T0).toISOString()}/PT60S`, epsilon: 'PT10S' });
  f.tick(T0 + 30 * S);
  assert.deepEqual(queued(f), []);
  assert.equal(f.jobs.get('k')!.counters.missedCount, 1);
  f.tick(T0 + 60 * S);
  assert.deepEqual(queued(f), [`cron.k.${T0 + 60 * S}`]);
});

test('missed records are not doubled when a new leader re-plans an outage whose history was persisted but whose cursor was not', () => {
  const e = new CronEngine();
  job(e, { name: 'j', schedule: `R/${new Date(T0).toISOString()}/PT10S`, epsilon: 'PT15S', concurrent: true });
  const before = e.jobs.get('j')!; // the job record as persisted before the outage
  e.tick(T0 + 35 * S); // 0, 10, 20 missed; 30 runs
  const history = [...e.history.entries()].map(([n, l]) => [n, [...l]] as [string, typeof l]);
  const runs = [...e.runs.values()];
  // The store wrote runs and history, then the leader died before the job (its cursor) was written.
  const next = new CronEngine();
  next.load([before], runs, history);
  next.tick(T0 + 36 * S);
  const missed = next.history.get('j')!.filter((r) => r.state === 'MISSED').map((r) => r.scheduledAt);
  assert.deepEqual(missed, [T0, T0 + 10 * S, T0 + 20 * S]);
  assert.deepEqual([...next.runs.keys()], [`cron.j.${T0 + 30 * S}`]); // the same intent, not a second one
});

test('Metronome ON_FAILURE: retried after the retry delay until activeDeadlineSeconds after the occurrence, forever without one', () => {
  const e = new CronEngine({ retryDelayMs: 10 * S, historyLimit: 100 });
  const metronome = (name: string, deadline?: number) => {
    job(e, { name, schedule: `R1/${new Date(T0).toISOString()}/PT1H`, retries: 0 });
    const j = e.jobs.get(name)!;
    e.jobs.set(name, { ...j, spec: { ...j.spec, retryOnFailure: true, ...(deadline !== undefined ? { retryDeadlineSeconds: deadline } : {}) } });
  };
  metronome('bounded', 35);
  metronome('forever');
  e.tick(T0);
  const attempts = { bounded: 0, forever: 0 };
  for (let k = 0; k < 8; k++) {
    const now = T0 + k * 10_100; // just after each retry comes due (failures end 10 ms after a launch)
    e.tick(now);
    e.takeDirty(); // persisted: launchable
    for (const r of e.launchable()) attempts[r.job as 'bounded' | 'forever']++;
    runAll(e, now, 'TASK_FAILED');
  }
  // bounded: attempts at 0, 10.1, 20.2 and 30.3 s (the next retry would start after 35 s); then final.
  assert.equal(attempts.bounded, 4);
  assert.equal(e.jobs.get('bounded')!.counters.errorCount, 1);
  assert.equal(e.activeRunsOf('bounded').length, 0);
  assert.equal(attempts.forever, 8);
  assert.equal(e.jobs.get('forever')!.counters.errorCount, 0);
  assert.equal(e.activeRunsOf('forever')[0]!.state, 'WAITING');
});

test('--disable-after-failures: a job is disabled after N final failures since its last success; a success resets the count', () => {
  const e = new CronEngine({ retryDelayMs: S, historyLimit: 100, disableAfterFailures: 2 });
  job(e, { name: 'j', schedule: `R/${new Date(T0).toISOString()}/PT10S`, retries: 0 });
  e.tick(T0);
  runAll(e, T0, 'TASK_FAILED');
  e.tick(T0 + 10 * S);
  runAll(e, T0 + 10 * S, 'TASK_FINISHED'); // a success in between resets the count
  e.tick(T0 + 20 * S);
  runAll(e, T0 + 20 * S, 'TASK_FAILED');
  assert.equal(e.jobs.get('j')!.spec.disabled, false);
  e.tick(T0 + 30 * S);
  runAll(e, T0 + 30 * S, 'TASK_FAILED');
  assert.equal(e.jobs.get('j')!.spec.disabled, true);
  e.tick(T0 + 40 * S);
  assert.deepEqual(e.launchable(), []); // nothing more runs
  // The default (0) never disables.
  const f = new CronEngine({ retryDelayMs: S, historyLimit: 100 });
  job(f, { name: 'k', schedule: `R/${new Date(T0).toISOString()}/PT10S`, retries: 0 });
  for (let k = 0; k < 5; k++) {
    f.tick(T0 + k * 10 * S);
    runAll(f, T0 + k * 10 * S, 'TASK_FAILED');
  }
  assert.equal(f.jobs.get('k')!.spec.disabled, false);
});

test('R-counts: Rn runs n times and a job whose schedule is used up is disabled after its last success', () => {
  const e = new CronEngine();
  job(e, { name: 'j', schedule: `R2/${new Date(T0).toISOString()}/PT10S` });
  let launched = 0;
  for (let t = T0; t <= T0 + 60 * S; t += S) {
    e.tick(t);
    launched += runAll(e, t).length;
  }
  assert.equal(launched, 2);
  assert.equal(e.jobs.get('j')!.counters.successCount, 2);
  assert.equal(e.jobs.get('j')!.spec.disabled, true);
  const r0 = new CronEngine();
  job(r0, { name: 'z', schedule: `R0/${new Date(T0).toISOString()}/PT10S` });
  r0.tick(T0 + 100 * S);
  assert.deepEqual(queued(r0), []);
});

test('retries wait the retry delay, keep the occurrence and number the attempt; the last failure counts once', () => {
  const e = new CronEngine({ retryDelayMs: 5 * S, historyLimit: 100 });
  job(e, { name: 'j', schedule: `R1/${new Date(T0).toISOString()}/PT10S`, retries: 1 });
  e.tick(T0);
  runAll(e, T0, 'TASK_FAILED');
  const waiting = [...e.runs.values()];
  assert.deepEqual(waiting.map((r) => [r.taskId, r.state, r.retryAt]), [[`cron.j.${T0}.1`, 'WAITING', T0 + 10 + 5 * S]]);
  e.tick(T0 + 5 * S);
  assert.deepEqual(queued(e), []);
  e.tick(T0 + 5 * S + 10);
  assert.deepEqual(queued(e), [`cron.j.${T0}.1`]);
  const effects = runAll(e, T0 + 6 * S, 'TASK_FAILED');
  assert.equal(effects[0]!.failed.length, 1);
  const c = e.jobs.get('j')!.counters;
  assert.deepEqual([c.errorCount, c.errorsSinceLastSuccess, c.successCount], [1, 1, 0]);
  assert.deepEqual(e.history.get('j')!.map((r) => [r.attempt, r.state, r.exitCode]), [[0, 'FAILED', 3], [1, 'FAILED', 3]]);
});

test('concurrency: FORBID holds the next occurrence while one runs, REPLACE kills it, ALLOW overlaps', () => {
  for (const [policy, expectQueued, expectKill] of [['FORBID', 0, 0], ['REPLACE', 1, 1], ['ALLOW', 1, 0]] as const) {
    const e = new CronEngine();
    job(e, { name: 'j', schedule: `R/${new Date(T0).toISOString()}/PT10S`, concurrencyPolicy: policy, epsilon: 'PT5S' });
    e.tick(T0);
    e.takeDirty();
    const [r] = e.launchable();
    e.markLaunched(r!.taskId, 'a1', undefined, T0);
    e.onStatus({ taskId: r!.taskId, state: 'TASK_RUNNING' }, T0);
    const fx = e.tick(T0 + 10 * S);
    assert.equal(queued(e).length, expectQueued, policy);
    assert.equal(fx.kill.length, expectKill, policy);
    if (policy === 'FORBID') {
      // The run ends within epsilon: the held occurrence starts (late, but in time); no burst.
      e.onStatus({ taskId: r!.taskId, state: 'TASK_FINISHED' }, T0 + 12 * S);
      e.tick(T0 + 12 * S);
      assert.deepEqual(queued(e), [`cron.j.${T0 + 10 * S}`]);
    }
    if (policy === 'REPLACE') {
      // The replaced run is killed, not retried and not counted as an error.
      e.onStatus({ taskId: r!.taskId, state: 'TASK_KILLED' }, T0 + 10 * S);
      assert.equal(e.jobs.get('j')!.counters.errorCount, 0);
      assert.equal([...e.runs.values()].filter((x) => x.state === 'WAITING').length, 0);
    }
  }
});

test('a run over maxCompletionTime is killed (once) and then retried as a failure', () => {
  const e = new CronEngine({ retryDelayMs: 0, historyLimit: 10 });
  job(e, { name: 'j', schedule: `R1/${new Date(T0).toISOString()}/PT10S`, maxCompletionTime: 30, retries: 1 });
  e.tick(T0);
  e.takeDirty();
  const id = e.launchable()[0]!.taskId;
  e.markLaunched(id, 'a1', undefined, T0);
  e.onStatus({ taskId: id, state: 'TASK_RUNNING' }, T0 + S);
  assert.equal(e.tick(T0 + 30 * S).kill.length, 0);
  assert.equal(e.nextWake(), T0 + 31 * S);
  assert.deepEqual(e.tick(T0 + 31 * S).kill, [{ taskId: id, agentId: 'a1', reason: 'timeout' }]);
  assert.equal(e.tick(T0 + 32 * S).kill.length, 0);
  e.onStatus({ taskId: id, state: 'TASK_KILLED' }, T0 + 32 * S);
  assert.equal([...e.runs.values()][0]!.taskId, `${id}.1`);
});

test('a queued scheduled run that gets no offer within epsilon is recorded as missed, not started late', () => {
  const e = new CronEngine();
  job(e, { name: 'j', schedule: `R1/${new Date(T0).toISOString()}/PT10S`, epsilon: 'PT5S' });
  e.tick(T0);
  e.tick(T0 + 5 * S + 1);
  assert.deepEqual(queued(e), []);
  assert.equal(e.history.get('j')![0]!.state, 'MISSED');
});

test('DAG: a diamond runs its join once per generation; a failed parent blocks; softError does not', () => {
  const e = new CronEngine({ retryDelayMs: 0, historyLimit: 100 });
  job(e, { name: 'a', schedule: `R/${new Date(T0).toISOString()}/PT60S` });
  job(e, { name: 'b', parents: ['a'] });
  job(e, { name: 'c', parents: ['a'], retries: 0 });
  job(e, { name: 'd', parents: ['b', 'c'] });
  const count = (n: string) => e.history.get(n)?.filter((r) => r.state === 'SUCCESS').length ?? 0;
  e.tick(T0);
  for (let i = 0; i < 4; i++) runAll(e, T0 + i);
  assert.deepEqual(['a', 'b', 'c', 'd'].map(count), [1, 1, 1, 1]);
  assert.equal(e.history.get('d')![0]!.trigger, 'dependency');
  // Generation 2: c fails (no retries) → d does not run.
  e.tick(T0 + 60 * S);
  runAll(e, T0 + 60 * S);
  runAll(e, T0 + 61 * S, 'TASK_FINISHED', 'b');
  runAll(e, T0 + 61 * S, 'TASK_FAILED', 'c');
  runAll(e, T0 + 62 * S);
  assert.deepEqual(['a', 'b', 'c', 'd'].map(count), [2, 2, 1, 1]);
  assert.deepEqual(e.jobs.get('d')!.parentsDone, ['b']);
  // Marking c successful unblocks d (Chronos's job/success).
  unwrap(e.markSuccess('c', T0 + 63 * S));
  runAll(e, T0 + 63 * S);
  assert.equal(count('d'), 2);
  // softError: a final failure still triggers children.
  const f = new CronEngine({ retryDelayMs: 0, historyLimit: 10 });
  job(f, { name: 'p', schedule: `R1/${new Date(T0).toISOString()}/PT60S`, softError: true, retries: 0 });
  job(f, { name: 'q', parents: ['p'] });
  f.tick(T0);
  runAll(f, T0, 'TASK_FAILED');
  assert.deepEqual(queued(f).map((id) => id.split('.')[1]), ['q']);
});

test('DAG: unknown parents and cycles are rejected naming the field; deleting a job re-parents its children', () => {
  const e = new CronEngine();
  job(e, { name: 'a', schedule: `R/${new Date(T0).toISOString()}/PT60S` });
  job(e, { name: 'b', parents: ['a'] });
  job(e, { name: 'c', parents: ['b'] });
  const bad = e.upsert(unwrap(parseChronosJob({ name: 'x', command: 'true', parents: ['nope'] }, 'dependency', T0)), T0);
  assert.deepEqual(bad, { ok: false, error: { field: 'parents', message: "parent 'nope' does not exist" } });
  const cyc = e.upsert(unwrap(parseChronosJob({ name: 'b', command: 'true', parents: ['c'] }, 'dependency', T0)), T0);
  assert.ok(!cyc.ok && cyc.error.message === 'dependency cycle: b → c → b', JSON.stringify(cyc));
  unwrap(e.remove('b', T0));
  assert.deepEqual(e.jobs.get('c')!.spec.parents, ['a']);
  unwrap(e.remove('a', T0));
  assert.equal(e.jobs.get('c')!.spec.parents.length, 0);
  assert.equal(e.jobs.get('c')!.schedule?.kind, 'iso8601'); // took over the root's schedule
});

test('reconciliation: a run the master never heard of is offered again under the same task ID; a known one that vanished failed', () => {
  const e = new CronEngine({ retryDelayMs: 0, historyLimit: 10 });
  job(e, { name: 'j', schedule: `R/${new Date(T0).toISOString()}/PT60S`, retries: 1 });
  e.tick(T0);
  e.takeDirty();
  const id = e.launchable()[0]!.taskId;
  e.markLaunched(id, 'a1', undefined, T0);
  // Restart: a new engine loads the persisted run (STAGING) and asks the master about it.
  const f = new CronEngine({ retryDelayMs: 0, historyLimit: 10 });
  f.load(e.jobs.values(), e.runs.values(), []);
  assert.deepEqual(f.launchable(), []);
  f.onStatus({ taskId: id, state: 'TASK_GONE', reconciliation: true }, T0 + S);
  assert.deepEqual(f.launchable(), []); // not before the change is persisted
  assert.ok(f.takeDirty().runs.has(id));
  assert.deepEqual(f.launchable().map((r) => r.taskId), [id]);
  // Known to the master (RUNNING), then gone: that is a lost run → retry attempt 1.
  f.markLaunched(id, 'a1', undefined, T0 + S);
  f.onStatus({ taskId: id, state: 'TASK_RUNNING', reconciliation: true }, T0 + S);
  f.onStatus({ taskId: id, state: 'TASK_LOST', reconciliation: true }, T0 + 2 * S);
  assert.deepEqual([...f.runs.keys()], [`${id}.1`]);
});

test('run now: a manual occurrence with arguments; kill drops queued runs and kills launched ones', () => {
  const e = new CronEngine();
  job(e, { name: 'j', schedule: `R/${new Date(T0 + 3600 * S).toISOString()}/PT1H`, shell: false, command: '/bin/echo' });
  const r = unwrap(e.runNow('j', ['x', 'y'], T0));
  assert.deepEqual([r.taskId, r.trigger, r.arguments], [`cron.j.${T0}`, 'manual', ['x', 'y']]);
  const r2 = unwrap(e.runNow('j', [], T0));
  assert.equal(r2.taskId, `cron.j.${T0 + 1}`);
  e.takeDirty();
  e.markLaunched(r.taskId, 'a1', undefined, T0);
  const fx = unwrap(e.killJob('j', T0));
  assert.deepEqual(fx.kill, [{ taskId: r.taskId, agentId: 'a1', reason: 'user' }]);
  assert.deepEqual([...e.runs.keys()], [r.taskId]);
  assert.equal(e.history.get('j')![0]!.state, 'KILLED');
  assert.ok(!e.runNow('nope', [], T0).ok);
});

test('plan is pure: the same input gives the same plan, and nothing is mutated', () => {
  const e = new CronEngine();
  job(e, { name: 'j', schedule: `R/${new Date(T0).toISOString()}/PT10S` });
  const before = JSON.stringify([...e.jobs]);
  const p1 = plan(e.jobs, e.runs.values(), T0 + 35 * S);
  const p2 = plan(e.jobs, e.runs.values(), T0 + 35 * S);
  assert.deepEqual(p1, p2);
  assert.equal(JSON.stringify([...e.jobs]), before);
  assert.deepEqual(p1.launch, [{ job: 'j', scheduledAt: T0 + 30 * S }]);
  assert.equal(p1.missed[0]!.count, 3);
});

test('a run that ends after its job was deleted is dropped quietly (no history, no counters, no crash)', () => {
  const e = new CronEngine();
  job(e, { name: 'j', schedule: `R/${new Date(T0).toISOString()}/PT10S` });
  e.tick(T0);
  e.takeDirty();
  const id = e.launchable()[0]!.taskId;
  e.markLaunched(id, 'a1', undefined, T0);
  const fx = unwrap(e.remove('j', T0 + 1));
  assert.deepEqual(fx.kill.map((k) => k.reason), ['deleted']);
  e.onStatus({ taskId: id, state: 'TASK_FINISHED' }, T0 + 2);
  assert.equal(e.runs.size, 0);
  assert.equal(e.history.has('j'), false);
  assert.ok(e.takeDirty().deletedRuns.has(id));
});

test('a crash after the intent was persisted but before the cursor moved: the occurrence is found, not run again', () => {
  const e = new CronEngine();
  job(e, { name: 'j', schedule: `R/${new Date(T0).toISOString()}/PT10S`, concurrent: true });
  const before = [...e.jobs.values()]; // the job record as persisted before this tick
  e.tick(T0);
  const intent = [...e.runs.values()];
  assert.deepEqual(intent.map((r) => r.taskId), [`cron.j.${T0}`]);
  // The next leader loads the intent with the old job record (cursor not advanced).
  const f = new CronEngine();
  f.load(before, intent, []);
  f.tick(T0 + 1000);
  assert.deepEqual([...f.runs.keys()], [`cron.j.${T0}`]);
  // The same when the run already finished and is in the history.
  const g = new CronEngine();
  g.load(before, [], [['j', [{ ...intent[0]!, state: 'SUCCESS', endedAt: T0 + 500 }]]]);
  g.tick(T0 + 1000);
  assert.equal(g.runs.size, 0);
});

test('a new job whose start is long past: occurrences from before it existed are skipped, not recorded as missed', () => {
  const e = new CronEngine();
  const created = T0 + 3600 * S; // an hour of PT1M occurrences before the job was created
  job(e, { name: 'late', schedule: `R/${new Date(T0).toISOString()}/PT1M`, epsilon: 'PT30S' }, created + 20 * S);
  e.tick(created + 20 * S); // the occurrence at `created` is 20 s old, within epsilon: it runs
  assert.deepEqual(queued(e), [`cron.late.${created}`]);
  assert.equal(e.jobs.get('late')!.counters.missedCount, 0);
  assert.equal((e.history.get('late') ?? []).filter((r) => r.state === 'MISSED').length, 0);
});
