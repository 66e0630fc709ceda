import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ok } from '@agora/protocol';
import type { FlagTable } from '@agora/runtime';
import type { LocalExtension } from '../local/components.ts';
import { checkPortFree } from '../local/ports.ts';
import { testIO } from '../test-io.ts';
import { localCommand, type LocalDeps } from './local.ts';

const FAKE_DAEMON = fileURLToPath(new URL('../fixtures/fake-daemon.mjs', import.meta.url));
const MASTER: FlagTable = {
  port: { type: 'int', default: 5050, help: 'Port' },
  'work-dir': { type: 'string', help: 'Work dir' },
  'allocation-interval': { type: 'string', default: '1secs', help: 'Allocation interval' },
  'log-level': { type: 'string', default: 'info', help: 'Log level' },
};
const AGENT: FlagTable = {
  master: { type: 'string', help: 'Master' },
  port: { type: 'int', default: 5051, help: 'Port' },
  'work-dir': { type: 'string', help: 'Work dir' },
  'runtime-dir': { type: 'string', help: 'Runtime dir' },
  resources: { type: 'string', help: 'Resources' },
  'log-level': { type: 'string', default: 'info', help: 'Log level' },
};

function deps(extensions: LocalExtension[] = []): LocalDeps {
  return {
    loadTables: async () => ok({ master: MASTER, agent: AGENT }),
    agora: { command: process.execPath, args: [FAKE_DAEMON] },
    extensions,
    pollMs: 20,
  };
}

/** `n` consecutive free ports. */
async function freePorts(n: number): Promise<number> {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let free = true;
    for (let p = base; p < base + n && free; p++) free = (await checkPortFree(p, '127.0.0.1')).ok;
    if (free) return base;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Summary {
  master: string;
  agents: { name: string; url: string; pid: number; log: string }[];
  processes: { name: string; url: string; pid: number; log: string }[];
  work_dir: string;
  log_dir: string;
  extra: Record<string, string>;
}

function tmp(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'agora-local-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('local: starts a master and agents as child processes, routes flags, stops them all by PID on Ctrl-C', async () => {
  const port = await freePorts(3);
  const t = testIO();
  const done = localCommand(t.io, ['--port', String(port), '--agents', '2', '--json', '--allocation-interval=50ms', '--resources', 'cpus:1;mem:64', '--log-level=debug'], deps());
  await until(() => t.out().includes('\n'), 'the JSON summary');
  const summary = JSON.parse(t.out()) as Summary;
  assert.equal(summary.master, `http://127.0.0.1:${port}`);
  assert.deepEqual(summary.agents.map((a) => [a.name, a.url]), [['agent-1', `http://127.0.0.1:${port + 1}`], ['agent-2', `http://127.0.0.1:${port + 2}`]]);
  const pids = summary.processes.map((p) => p.pid);
  assert.ok(pids.every(alive));
  assert.deepEqual(JSON.parse(readFileSync(join(summary.work_dir, 'cluster.json'), 'utf8')), summary);

  const argvOf = (log: string) => (JSON.parse(readFileSync(log, 'utf8').split('\n')[0]!) as { argv: string[] }).argv;
  assert.deepEqual(argvOf(summary.processes[0]!.log), ['master', `--port=${port}`, `--work-dir=${join(summary.work_dir, 'master')}`, '--allocation-interval=50ms', '--log-level=debug']);
  assert.deepEqual(argvOf(summary.agents[1]!.log), [
    'agent', `--master=http://127.0.0.1:${port}`, `--port=${port + 2}`, `--work-dir=${join(summary.work_dir, 'agent-2')}`,
    `--runtime-dir=${join(summary.work_dir, 'agent-2', 'run')}`, '--resources=cpus:1;mem:64', '--log-level=debug',
  ]);
  assert.match(t.err(), /Master ready at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(t.err(), /2 agents registered/);

  t.interrupt();
  assert.equal(await done, 0);
  assert.ok(pids.every((p) => !alive(p)), 'every child stopped');
  assert.ok(!existsSync(summary.work_dir), 'the temporary work dir is removed after a clean stop');
  assert.match(t.err(), /Stopped\./);
});

test('local: the banner names the master, agents, logs, the export line and a next step', async (t) => {
  const port = await freePorts(2);
  const work = tmp(t);
  const io = testIO();
  const done = localCommand(io.io, ['--port', String(port), '--agents', '1', '--work-dir', work], deps([
    { name: 'webui', bannerLines: (ctx) => [['Web UI', `${ctx.masterUrl}/ui`]] },
  ]));
  await until(() => io.out().includes('Press Ctrl-C'), 'the banner');
  const banner = io.out();
  for (const line of [
    '==> Agora local cluster is running',
    `Master: http://127.0.0.1:${port}`,
    `Agents: http://127.0.0.1:${port + 1}  (agent-1, pid`,
    `Web UI: http://127.0.0.1:${port}/ui`,
    `Logs: ${join(work, 'logs')}`,
    `export AGORA_MASTER=http://127.0.0.1:${port}`,
    'agora execute --name hi -- echo hello',
  ]) assert.ok(banner.includes(line), `banner lacks ${JSON.stringify(line)}:\n${banner}`);
  io.interrupt();
  assert.equal(await done, 0);
  assert.ok(existsSync(join(work, 'logs', 'master.log')), 'a given --work-dir is kept');
});

test('local: a child that dies is reported with the tail of its log; the rest are stopped; exit 1', async (t) => {
  const port = await freePorts(3);
  const work = tmp(t);
  process.env.FAKE_CRASH = `agent:${port + 2}`;
  process.env.FAKE_CRASH_AFTER_MS = '600';
  t.after(() => {
    delete process.env.FAKE_CRASH;
    delete process.env.FAKE_CRASH_AFTER_MS;
  });
  const io = testIO();
  const code = await localCommand(io.io, ['--port', String(port), '--agents', '2', '--work-dir', work, '--json'], deps());
  assert.equal(code, 1);
  assert.match(io.err(), /agent-2 \(pid \d+\) exited unexpectedly \(exit status 3\)\. Last lines of .*agent-2\.log:\n.*agent:\d+: something went badly wrong/s);
  const summary = JSON.parse(readFileSync(join(work, 'cluster.json'), 'utf8')) as Summary;
  assert.ok(summary.processes.every((p) => !alive(p.pid)), 'the others were stopped');
  assert.match(readFileSync(join(work, 'logs', 'master.log'), 'utf8'), /master stopping \(SIGTERM\)/, 'stopped with SIGTERM');
  assert.match(readFileSync(join(work, 'logs', 'agent-1.log'), 'utf8'), /agent stopping \(SIGUSR1\)/, 'an agent gets its full shutdown (SIGUSR1)');
});

test('local: a port in use is an error before anything starts', async (t) => {
  const port = await freePorts(3);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(port + 1, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => blocker.close(() => r())));
  const work = join(tmp(t), 'never');
  const io = testIO();
  assert.equal(await localCommand(io.io, ['--port', String(port), '--work-dir', work], deps()), 1);
  assert.match(io.err(), new RegExp(`port ${port + 1} on 127\\.0\\.0\\.1 is already in use; nothing was started`));
  assert.ok(!existsSync(work));
});

test('local: extensions start extra processes after the agents and wait for them', async (t) => {
  const port = await freePorts(3);
  const work = tmp(t);
  const io = testIO();
  // A stand-in "services" framework: it registers like an agent, so readiness is a third slave.
  const ext: LocalExtension = {
    name: 'services',
    components: (ctx) => [{
      name: 'services',
      argv: ['agent', `--port=${port + 2}`, `--master=${ctx.masterUrl}`],
      url: `http://127.0.0.1:${port + 2}`,
      ports: [port + 2],
      ready: (state) => state.slaves.length >= 2,
    }],
  };
  const done = localCommand(io.io, ['--port', String(port), '--agents', '1', '--work-dir', work, '--json'], deps([ext]));
  await until(() => io.out().includes('\n'), 'the JSON summary');
  const summary = JSON.parse(io.out()) as Summary;
  assert.deepEqual(summary.processes.map((p) => p.name), ['master', 'agent-1', 'services']);
  io.interrupt();
  assert.equal(await done, 0);
  assert.ok(summary.processes.every((p) => !alive(p.pid)));
});

test('local: --help lists local, master and agent flags (and --ha); flags local sets itself are refused', async () => {
  const io = testIO();
  assert.equal(await localCommand(io.io, ['--help'], deps()), 0);
  assert.match(io.out(), /--agents N/);
  assert.match(io.out(), /Master flags:\n\s+--allocation-interval/);
  assert.match(io.out(), /Agent flags:\n\s+--resources/);
  assert.doesNotMatch(io.out(), /--runtime-dir/, 'flags local sets itself are not offered');
  assert.match(io.out(), /--ha\s+Three masters/);
  const zk = testIO();
  assert.equal(await localCommand(zk.io, ['--ha', '--zk=zk://h/x'], deps()), 1);
  assert.match(zk.err(), /--zk cannot be given to agora local: agora local --ha runs its own ZooKeeper/);
  const bad = testIO();
  assert.equal(await localCommand(bad.io, ['--nope'], deps()), 1);
  assert.match(bad.err(), /unknown flag --nope/);
});
