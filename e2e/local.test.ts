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
let info: { master: string; agents: Array<{ name: string; url: string; pid: number }>; processes: Array<{ name: string; pid: number }> };

function agora(args: string[], timeoutMs = 60_000) {
  const r = spawnSync(process.execPath, [AGORA_BIN, '--master', masterUrl, ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  dir = tempDir('local');
  const [port] = await freePorts(3);
  masterUrl = `http://127.0.0.1:${port}`;
  local = startAgora('local', ['local', '--json', '--agents', '2', '--port', String(port), '--work-dir', join(dir, 'cluster'), '--resources', 'cpus:2;mem:1024'], dir);
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
  assert.equal(pids.length, 3, 'the master and two agents');
  assert.ok(pids.every(alive));
  await local.stop();
  assert.equal(await local.exited, 0);
  await waitFor('the daemons to be gone', () => (pids.every((p) => !alive(p)) ? true : undefined), 15_000);
});
