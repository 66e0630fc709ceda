/**
 * High availability with real processes: a ZooKeeper server, three `agora master --zk` processes
 * (4 s sessions), two agents and a framework that all find the leader through ZooKeeper, and
 * real tasks. Two failovers, in order:
 *
 *  1. The leader is cut from ZooKeeper (its connection goes through a proxy that black-holes it)
 *     and SIGSTOPped: a standby leads within the session timeout + 2 s; when the old leader runs
 *     again it finds its session gone and exits ("Lost leadership"), and at no sample do two
 *     masters both say they lead.
 *  2. The new leader is SIGKILLed: the last master leads within the session timeout + 2 s.
 *
 * After each: every agent has re-registered with the new leader within 10 s, the framework is
 * subscribed again under its ID, the tasks still run with the same PIDs, and nobody heard
 * TASK_LOST or TASK_UNREACHABLE.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PartitionProxy, ZooKeeperEnsemble } from '@agora/state/testing';
import { TestFramework } from './support/framework.ts';
import { AGORA_BIN, freePorts, killMentioning, pidsMentioning, removeDir, startAgora, tempDir, waitFor, type Daemon } from './support/processes.ts';

const SESSION_MS = 4000;

interface Master {
  readonly name: string;
  readonly url: string;
  readonly daemon: Daemon;
}

let dir: string;
let zk: ZooKeeperEnsemble;
let proxy: PartitionProxy;
let masters: Master[];
let agents: Daemon[];
let fw: TestFramework;
let zkUrl: string;
/** Every sample of who says it leads, while the test runs. */
const samples: string[][] = [];
let sampling: NodeJS.Timeout | undefined;

async function elected(m: Master): Promise<boolean | undefined> {
  try {
    const res = await fetch(`${m.url}/metrics/snapshot`, { signal: AbortSignal.timeout(300) });
    const snap = (await res.json()) as Record<string, number>;
    return snap['master/elected'] === 1;
  } catch {
    return undefined; // stopped, dead, or too slow to answer: not acting
  }
}

async function leaders(): Promise<Master[]> {
  const answers = await Promise.all(masters.map(elected));
  return masters.filter((_, i) => answers[i] === true);
}

async function waitForLeader(among: Master[], timeoutMs: number): Promise<Master> {
  return waitFor('a leader', async () => {
    const l = (await leaders()).filter((m) => among.includes(m));
    return l.length === 1 ? l[0] : undefined;
  }, timeoutMs, 50);
}

async function activeAgents(m: Master): Promise<number> {
  const res = await fetch(`${m.url}/master/state`, { redirect: 'manual', signal: AbortSignal.timeout(1000) });
  if (res.status !== 200) return -1;
  const state = (await res.json()) as { slaves: Array<{ active: boolean }> };
  return state.slaves.filter((s) => s.active).length;
}

/** PIDs of this test's `sleep` tasks, by their unique duration argument. */
function taskPids(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of pidsMentioning(dir)) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0] === 'sleep' && argv[1]?.startsWith('3000')) out.set(argv[1], pid);
    } catch {
      /* gone */
    }
  }
  return out;
}

before(async () => {
  dir = tempDir('ha');
  zk = await ZooKeeperEnsemble.start({ size: 1, baseDir: dir });
  proxy = await PartitionProxy.start([{ port: zk.servers[0]!.clientPort }]);
  zkUrl = zk.url('/agora');
  const ports = await freePorts(5);
  const masterFlags = ['--quorum=1', `--zk-session-timeout=${SESSION_MS}ms`, '--heartbeat-interval=1secs', '--allocation-interval=200ms', '--log-level=info'];
  masters = [];
  for (let i = 0; i < 3; i++) {
    // The first master, started first so that it leads, reaches ZooKeeper through the proxy.
    const url = i === 0 ? `zk://${proxy.connectString}/agora` : zkUrl;
    const daemon = startAgora(`master-${i + 1}`, ['master', `--port=${ports[i]}`, `--zk=${url}`, ...masterFlags], dir);
    masters.push({ name: `master-${i + 1}`, url: `http://127.0.0.1:${ports[i]}`, daemon });
    if (i === 0) await waitForLeader([masters[0]!], 30_000);
  }
  await waitFor('the standbys', async () => ((await Promise.all(masters.map(elected))).every((e) => e !== undefined) ? true : undefined), 30_000, 100);
  sampling = setInterval(() => void leaders().then((l) => samples.push(l.map((m) => m.name))), 100);
  agents = [0, 1].map((i) =>
    startAgora(`agent-${i + 1}`, [
      'agent', `--master=${zkUrl}`, `--port=${ports[3 + i]}`, `--work-dir=${join(dir, `agent-${i + 1}`)}`,
      `--runtime-dir=${join(dir, `agent-${i + 1}`, 'run')}`, '--resources=cpus:2;mem:1024', '--log-level=info',
    ], dir),
  );
  await waitFor('2 agents on the leader', async () => ((await activeAgents(masters[0]!)) === 2 ? true : undefined), 60_000, 200);
  fw = new TestFramework(zkUrl, { name: 'ha', checkpoint: true, failover_timeout: 3600, capabilities: [{ type: 'PARTITION_AWARE' }] }).start();
  await fw.subscribed();
  for (const [i, arg] of ['30001', '30002'].entries()) {
    const offer = await fw.takeOffer(undefined);
    const [t] = await fw.launch(offer, [{ name: `t${i}`, command: `exec sleep ${arg}` }]);
    await fw.waitForState(t!.task_id.value, 'TASK_RUNNING');
  }
});

after(async () => {
  if (sampling) clearInterval(sampling);
  await fw?.stop().catch(() => undefined);
  for (const m of masters ?? []) {
    try {
      process.kill(m.daemon.pid, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
  await Promise.all([...(agents ?? []).map((a) => a.shutdown(5000)), ...(masters ?? []).map((m) => m.daemon.stop(5000))]);
  await proxy?.close();
  await zk?.stop();
  if (dir) {
    killMentioning(dir);
    removeDir(dir);
  }
});

async function checkRecovered(leader: Master, pidsBefore: Map<string, number>, electedAt: number): Promise<void> {
  await waitFor('both agents re-registered with the new leader', async () => ((await activeAgents(leader)) === 2 ? true : undefined), 10_000, 100);
  const reregisteredMs = Date.now() - electedAt;
  assert.ok(reregisteredMs <= 10_000, `agents re-registered ${reregisteredMs} ms after the election`);
  await waitFor('the framework on the new leader', async () => (fw.driver.state === 'subscribed' && fw.driver.masterUrl === leader.url ? true : undefined), 15_000, 100);
  assert.equal(fw.driver.frameworkId, fw.id, 'the same FrameworkID');
  assert.deepEqual(taskPids(), pidsBefore, 'the tasks still run, with the same PIDs');
  const bad = fw.updates.filter((u) => u.state === 'TASK_LOST' || u.state === 'TASK_UNREACHABLE' || u.state === 'TASK_KILLED' || u.state === 'TASK_FAILED');
  assert.deepEqual(bad, [], 'no task was reported lost, unreachable or ended');
  const state = await (await fetch(`${leader.url}/master/tasks`)).json() as { tasks: Array<{ state: string }> };
  assert.deepEqual(state.tasks.map((t) => t.state), ['TASK_RUNNING', 'TASK_RUNNING'], 'the new leader knows both tasks as running');
  process.stderr.write(`  ${leader.name}: agents re-registered ${reregisteredMs} ms after its election\n`);
}

test('leader cut from ZooKeeper and SIGSTOPped: a standby leads, the old leader exits when it runs again, never two leaders', async () => {
  const pids = taskPids();
  assert.equal(pids.size, 2);
  const [old] = await leaders();
  assert.equal(old, masters[0]);
  proxy.cut();
  process.kill(old!.daemon.pid, 'SIGSTOP');
  const t0 = Date.now();
  const next = await waitForLeader(masters.slice(1), SESSION_MS + 4000);
  const electedAt = Date.now();
  assert.ok(electedAt - t0 <= SESSION_MS + 2000, `new leader after ${electedAt - t0} ms`);
  process.stderr.write(`  ${next.name} leads ${electedAt - t0} ms after the leader was cut off\n`);
  await checkRecovered(next, pids, electedAt);

  // The old leader runs again: it must step down and exit, not act.
  process.kill(old!.daemon.pid, 'SIGCONT');
  const resumedAt = Date.now();
  const code = await Promise.race([old!.daemon.exited, new Promise((r) => setTimeout(() => r('still running'), SESSION_MS + 3000))]);
  assert.equal(code, 1, 'the deposed master exits with status 1');
  process.stderr.write(`  the deposed master exited ${Date.now() - resumedAt} ms after it was resumed\n`);
  assert.match(old!.daemon.log(), /Lost leadership/);
  assert.ok(samples.length > 20);
  assert.ok(samples.every((s) => s.length <= 1), `two masters said they lead: ${JSON.stringify(samples.find((s) => s.length > 1))}`);
  assert.deepEqual(taskPids(), pids);
});

test('leader SIGKILLed: the last master leads within the session timeout + 2 s, agents re-register within 10 s, tasks untouched', async () => {
  const pids = taskPids();
  const [current] = await leaders();
  assert.ok(current && current !== masters[0]);
  const last = masters.find((m) => m !== masters[0] && m !== current)!;
  await current.daemon.kill();
  const t0 = Date.now();
  await waitForLeader([last], SESSION_MS + 4000);
  const electedAt = Date.now();
  assert.ok(electedAt - t0 <= SESSION_MS + 2000, `new leader after ${electedAt - t0} ms`);
  process.stderr.write(`  ${last.name} leads ${electedAt - t0} ms after the leader was killed\n`);
  await checkRecovered(last, pids, electedAt);
  assert.ok(samples.every((s) => s.length <= 1), 'never two leaders');
});

test('the CLI finds the leader through --master=zk://', async () => {
  const [leader] = await leaders();
  const state = (await (await fetch(`${leader!.url}/master/state`)).json()) as { slaves: Array<{ id: string }> };
  const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const p = spawn(process.execPath, [AGORA_BIN, 'agents', '--json', `--master=${zkUrl}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout }));
  });
  assert.equal(out.code, 0);
  for (const s of state.slaves) assert.ok(out.stdout.includes(s.id), `agent ${s.id} listed`);
});
