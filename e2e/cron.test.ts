/**
 * The cron framework on a real cluster: `agora cron` against a real master and agents, jobs that
 * run real commands appending to a log this test owns. A job every 2 s runs once per occurrence;
 * a dependent job runs after its parent; a failing job is retried; run-now passes arguments;
 * kill stops a running task; history records exit codes and sandbox links.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCluster, type Cluster } from './support/cluster.ts';
import { freePorts, startAgora, waitFor, type Daemon } from './support/processes.ts';

let cluster: Cluster;
let cron: Daemon;
let api: string;
let log: string;

interface RunView { taskId: string; scheduled: string; attempt: number; status: string; exitCode?: number; sandbox?: string; started?: string; ended?: string; arguments?: string[] }

const send = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${api}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as unknown) : undefined };
};
const history = async (name: string) => (await send('GET', `/v1/scheduler/job/${name}/history`)).json as { active: RunView[]; history: RunView[] };
const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter((l) => l !== '') : []);

before(async () => {
  cluster = await startCluster({ agents: 1 });
  const [port] = await freePorts(1);
  api = `http://127.0.0.1:${port}`;
  log = join(cluster.dir, 'runs.log');
  writeFileSync(log, '');
  cron = startAgora('cron', ['cron', `--master=${cluster.masterUrl}`, `--http-port=${port}`, `--state=${join(cluster.dir, 'cron')}`, '--failure-retry=PT1S', '--log-level=info'], cluster.dir);
  await waitFor('the cron daemon to lead', async () => (((await (await fetch(`${api}/leader`)).json()) as { leader: string }).leader === api.slice(7) ? true : undefined), 30_000, 100);
});

after(async () => {
  if (process.env.CRON_E2E_DEBUG) process.stderr.write(cron?.log() ?? "");
  await cron?.stop();
  await cluster?.stop();
});

test('a job every 2 s runs once per occurrence, with the scheduled time in its environment', async () => {
  const start = new Date(Date.now() + 1000).toISOString();
  const r = await send('POST', '/scheduler/iso8601', { name: 'tick', command: `echo "tick,$AGORA_CRON_SCHEDULED_MS" >> ${log}`, schedule: `R/${start}/PT2S`, epsilon: 'PT10S', concurrent: true, cpus: 0.1, mem: 32, disk: 0 });
  assert.equal(r.status, 204, r.text);
  await waitFor('three runs of tick', () => (lines().filter((l) => l.startsWith('tick,')).length >= 3 ? true : undefined), 20_000, 200);
  if (process.env.CRON_E2E_DEBUG) process.stderr.write(`${JSON.stringify((await history('tick')).history.map((h) => [h.scheduled, h.started, h.ended, h.status]))}\n`);
  await send('DELETE', '/v1/scheduler/job/tick');
  const scheduled = lines().filter((l) => l.startsWith('tick,')).map((l) => Number(l.split(',')[1]));
  assert.equal(new Set(scheduled).size, scheduled.length, `no occurrence ran twice: ${scheduled.join(' ')}`);
  for (let i = 1; i < scheduled.length; i++) assert.equal(scheduled[i]! - scheduled[i - 1]!, 2000, 'consecutive occurrences, none missed');
  assert.equal(scheduled[0], Date.parse(start));
});

test('a dependent job runs after its parent succeeds; history holds exit codes and sandbox links', async () => {
  await send('POST', '/v1/scheduler/iso8601', { name: 'parent', command: `sleep 0.3; echo "parent,$(date +%s%3N)" >> ${log}`, schedule: 'R/2100-01-01T00:00:00Z/P1D', cpus: 0.1, mem: 32, disk: 0 });
  const dep = await send('POST', '/v1/scheduler/dependency', { name: 'child', command: `echo "child,$(date +%s%3N)" >> ${log}`, parents: ['parent'], cpus: 0.1, mem: 32, disk: 0 });
  assert.equal(dep.status, 204, dep.text);
  assert.equal((await send('PUT', '/v1/scheduler/job/parent')).status, 204);
  await waitFor('the child to run', () => (lines().some((l) => l.startsWith('child,')) ? true : undefined), 20_000, 200);
  const at = (p: string) => Number(lines().find((l) => l.startsWith(`${p},`))!.split(',')[1]);
  assert.ok(at('child') >= at('parent'), 'child after parent');
  const h = await waitFor('the child history', async () => ((await history('child')).history.length === 1 ? history('child') : undefined));
  assert.deepEqual([h.history[0]!.status, h.history[0]!.exitCode], ['SUCCESS', 0]);
  const sandbox = h.history[0]!.sandbox!;
  assert.match(sandbox, /\/files\/read\?path=/);
  const page = await fetch(sandbox);
  assert.equal(page.status, 200, `sandbox link works: ${sandbox}`);
  const parent = (await send('GET', '/v1/scheduler/job/parent')).json as { successCount: number };
  assert.equal(parent.successCount, 1);
});

test('a failing job is retried after the retry delay, then counted once as an error', async () => {
  await send('POST', '/v1/scheduler/iso8601', { name: 'flaky', command: `echo "flaky,$AGORA_CRON_ATTEMPT" >> ${log}; exit 3`, schedule: 'R/2100-01-01T00:00:00Z/P1D', retries: 1, cpus: 0.1, mem: 32, disk: 0 });
  await send('PUT', '/v1/scheduler/job/flaky');
  const h = await waitFor('two failed attempts', async () => {
    const x = await history('flaky');
    return x.history.length === 2 ? x : undefined;
  }, 20_000, 200);
  assert.deepEqual(h.history.map((r) => [r.attempt, r.status, r.exitCode]), [[1, 'FAILED', 3], [0, 'FAILED', 3]]);
  assert.deepEqual(lines().filter((l) => l.startsWith('flaky,')), ['flaky,0', 'flaky,1']);
  const job = (await send('GET', '/v1/scheduler/job/flaky')).json as { errorCount: number; errorsSinceLastSuccess: number; lastError: string };
  assert.deepEqual([job.errorCount, job.errorsSinceLastSuccess], [1, 1]);
});

test('run now passes arguments; kill stops a running task', async () => {
  await send('POST', '/v1/scheduler/iso8601', { name: 'args', command: '/bin/sh', shell: false, arguments: ['-c', `echo "args,$1,$2" >> ${log}`, 'sh'], schedule: 'R/2100-01-01T00:00:00Z/P1D', cpus: 0.1, mem: 32, disk: 0 });
  assert.equal((await send('PUT', '/v1/scheduler/job/args?arguments=one,two')).status, 204);
  await waitFor('the args run', () => (lines().includes('args,one,two') ? true : undefined), 20_000, 200);

  await send('POST', '/v1/scheduler/iso8601', { name: 'sleeper', command: `echo sleeper >> ${log}; sleep 600`, schedule: 'R/2100-01-01T00:00:00Z/P1D', cpus: 0.1, mem: 32, disk: 0 });
  await send('PUT', '/v1/scheduler/job/sleeper');
  await waitFor('the sleeper to run', async () => ((await history('sleeper')).active[0]?.status === 'RUNNING' ? true : undefined), 20_000, 200);
  assert.equal((await send('DELETE', '/v1/scheduler/task/kill/sleeper')).status, 204);
  const h = await waitFor('the sleeper killed', async () => {
    const x = await history('sleeper');
    return x.history.length === 1 ? x : undefined;
  }, 20_000, 200);
  assert.equal(h.history[0]!.status, 'KILLED');
  assert.equal(h.active.length, 0);
  const state = await cluster.state();
  const fw = state.frameworks.find((f) => f.name === 'agora-cron');
  assert.ok(fw, 'registered with the master');
  assert.equal(fw.tasks.filter((t) => t.id.startsWith('cron.sleeper.')).length, 0, 'no sleeper task left at the master');
});
