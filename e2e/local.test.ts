/**
 * The README's path for a newcomer: `agora local` brings up a cluster, `agora execute` runs a
 * command and shows its output, `agora tasks` and `agora logs` show what ran, and Ctrl-C (SIGTERM)
 * stops everything `agora local` started.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGORA_BIN, alive, freePorts, killMentioning, removeDir, ROOT, startAgora, tempDir, waitFor, type Daemon } from './support/processes.ts';

let local: Daemon;
let dir: string;
let masterUrl: string;
let servicesUrl: string;
let cronUrl: string;
let info: { master: string; agents: Array<{ name: string; url: string; pid: number }>; processes: Array<{ name: string; pid: number }> };

function agora(args: string[], timeoutMs = 60_000) {
  const r = spawnSync(process.execPath, [AGORA_BIN, '--master', masterUrl, ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  dir = tempDir('local');
  const [port, , , servicesPort, cronPort] = await freePorts(5);
  masterUrl = `http://127.0.0.1:${port}`;
  servicesUrl = `http://127.0.0.1:${servicesPort}`;
  cronUrl = `http://127.0.0.1:${cronPort}`;
  local = startAgora('local', ['local', '--json', '--agents', '2', '--port', String(port), '--services-port', String(servicesPort), '--cron-port', String(cronPort), '--work-dir', join(dir, 'cluster'), '--resources', 'cpus:2;mem:1024'], dir);
  info = await waitFor('agora local to be ready', () => {
    try {
      return JSON.parse(readFileSync(join(dir, 'cluster', 'cluster.json'), 'utf8')) as typeof info;
    } catch {
      return undefined;
    }
  }, 90_000, 250);
});

after(async () => {
  await local?.stop();
  killMentioning(dir);
  removeDir(dir);
});

test('agora local reports a master and two registered agents', async () => {
  assert.equal(info.master, masterUrl);
  assert.equal(info.agents.length, 2);
  const state = (await (await fetch(`${masterUrl}/master/state`)).json()) as { slaves: unknown[] };
  assert.equal(state.slaves.length, 2);
});

test('agora local runs the services and cron frameworks: subscribed, their APIs answer, an app runs', async () => {
  const state = (await (await fetch(`${masterUrl}/master/state`)).json()) as { frameworks: Array<{ name: string; active: boolean }> };
  assert.deepEqual(state.frameworks.filter((f) => f.active).map((f) => f.name).sort(), ['agora-cron', 'marathon']);
  assert.equal(info.processes.filter((p) => p.name === 'services' || p.name === 'cron').length, 2);
  const ping = await fetch(`${servicesUrl}/ping`);
  assert.equal(ping.status, 200);
  const jobs = await fetch(`${cronUrl}/v1/scheduler/jobs`);
  assert.equal(jobs.status, 200);
  assert.deepEqual(await jobs.json(), []);
  const created = await fetch(`${servicesUrl}/v2/apps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: '/local-sleeper', cmd: 'sleep 600', cpus: 0.1, mem: 16, instances: 1 }) });
  assert.equal(created.status, 201);
  await waitFor('the app to run', async () => {
    const a = (await (await fetch(`${servicesUrl}/v2/apps/local-sleeper`)).json()) as { app: { tasksRunning: number } };
    return a.app.tasksRunning === 1 ? true : undefined;
  }, 30_000, 200);
  assert.equal((await fetch(`${servicesUrl}/v2/apps/local-sleeper?force=true`, { method: 'DELETE' })).status, 200);
});

test('agora execute runs a command, streams its output and exits with its status', () => {
  const ok = agora(['execute', '--name', 'hello', '--', 'echo hello agora; echo to-stderr >&2']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /hello agora/);
  assert.match(ok.stderr, /to-stderr/);
  assert.match(ok.stderr, /TASK_FINISHED/);
  const failed = agora(['execute', '--name', 'fails', '--', 'exit 7']);
  assert.equal(failed.status, 7, failed.stderr);
  assert.match(failed.stderr, /TASK_FAILED/);
});

test('agora tasks and agora logs show what ran', () => {
  const tasks = agora(['tasks', '--all', '--json']);
  assert.equal(tasks.status, 0, tasks.stderr);
  const list = JSON.parse(tasks.stdout) as Array<{ id: string; name: string; state: string }>;
  const hello = list.find((t) => t.name === 'hello');
  assert.equal(hello?.state, 'TASK_FINISHED');
  const logs = agora(['logs', hello!.id.slice(0, 12)]);
  assert.equal(logs.status, 0, logs.stderr);
  assert.match(logs.stdout, /hello agora/);
  const table = agora(['agents']);
  assert.equal(table.status, 0);
  assert.equal(table.stdout.trim().split('\n').length, 3, 'a header and two agents');
});

test('SIGTERM stops every process agora local started', async () => {
  const pids = info.processes.map((p) => p.pid);
  assert.deepEqual(info.processes.map((p) => p.name).sort(), ['agent-1', 'agent-2', 'cron', 'master', 'services'], 'the master, two agents and both frameworks');
  assert.ok(pids.every(alive));
  await local.stop();
  assert.equal(await local.exited, 0);
  await waitFor('the daemons to be gone', () => (pids.every((p) => !alive(p)) ? true : undefined), 15_000);
});
