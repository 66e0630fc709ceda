/**
 * `npm run bench:failover` — master failover at scale, as Mesos's performance working group
 * measured it (synthetic agents with 10 tasks each; time until all have re-registered), but
 * counting the election too:
 *
 *   a ZooKeeper server, three `agora master --zk` processes, one process of emulated agents (the
 *   real agent core and protocol, fake containers) on `--master=zk://…`, and a framework on the
 *   SDK (also on zk://) that launches `tasks-per-agent` tasks on every agent. Then the leader is
 *   SIGKILLed, and the clock runs until the standby reports `master/elected` (election: ZooKeeper
 *   expires the dead leader's session, the standby claims the registry and reads it) and then
 *   `master/slaves_active` = every agent (re-registration, with the agents' default 1 s
 *   registration backoff) and `master/tasks_running` = every task.
 *
 *   npm run bench:failover -- [--agents 10000] [--tasks-per-agent 10] [--session-ms 4000] [--connections 1024] [--quick]
 *
 * The session timeout bounds the election: ZooKeeper only lets the standby lead once the dead
 * leader's session expires (Mesos's default is 10 s; default here 4 s, as in the HA e2e test). A
 * much shorter one is fragile on a loaded machine: a leader whose event loop stalls for 2/3 of the
 * session timeout declares its session lost and exits, by design.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Offer, TaskInfo } from '@agora/protocol';
import { SchedulerDriver, type Scheduler } from '@agora/sdk';
import { ZooKeeperEnsemble } from '@agora/state/testing';
import { cpuSeconds, freePort, machine, rssMiB, startProcess, waitFor, AGORA_BIN, type Proc } from '../support/procs.ts';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const quick = argv.includes('--quick');
const AGENTS = flag('agents', quick ? 1000 : 10_000);
const PER_AGENT = flag('tasks-per-agent', 10);
const TASKS = AGENTS * PER_AGENT;
const SESSION_MS = flag('session-ms', 4000);
const WINDOW = 5000;
/** Connection attempts the emulated agents have in flight at once. */
const CONNECTIONS = flag('connections', 1024);
const log = (msg: string) => process.stderr.write(`${msg}\n`);

const TASK_RESOURCES = [
  { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.01 } },
  { name: 'mem', type: 'SCALAR' as const, scalar: { value: 8 } },
];

type Snapshot = Record<string, number>;

/** Like waitFor, at a chosen interval (the election is timed to the tens of milliseconds). */
async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function snapshot(url: string, timeoutMs = 2000): Promise<Snapshot | undefined> {
  try {
    const res = await fetch(`${url}/metrics/snapshot`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? ((await res.json()) as Snapshot) : undefined;
  } catch {
    return undefined;
  }
}

/** Launches PER_AGENT tasks on every agent (one offer each; the rest declined for an hour). */
/** Updates other than STARTING/RUNNING the framework received (none are expected, ever). */
let unexpectedUpdates = 0;

async function launchAll(zkUrl: string): Promise<SchedulerDriver> {
  let launched = 0;
  let running = 0;
  let offers: Offer[] = [];
  let resolveAll!: () => void;
  let rejectAll!: (e: Error) => void;
  const allRunning = new Promise<void>((resolve, reject) => {
    resolveAll = resolve;
    rejectAll = reject;
  });
  const seen = new Set<string>();
  const pump = () => {
    while (offers.length > 0 && launched < TASKS && launched - running < WINDOW) {
      const offer = offers.shift()!;
      const tasks: TaskInfo[] = [];
      for (let k = 0; k < PER_AGENT && launched < TASKS; k++) {
        const id = `t-${launched++}`;
        tasks.push({ name: id, task_id: { value: id }, agent_id: offer.agent_id, resources: TASK_RESOURCES, command: { value: 'sleep 3600', shell: true } });
      }
      void driver.launch(offer, tasks, { refuse_seconds: 3600 });
    }
    if (launched >= TASKS && offers.length > 0) void driver.decline(offers.splice(0).map((o) => o.id), { refuse_seconds: 3600 });
  };
  const scheduler: Scheduler = {
    offers(_d, o) {
      offers.push(...o);
      pump();
    },
    rescind(offerId) {
      offers = offers.filter((o) => o.id.value !== offerId.value);
    },
    update(_d, status) {
      if (status.state === 'TASK_RUNNING' && !seen.has(status.task_id.value)) {
        seen.add(status.task_id.value);
        if (++running === TASKS) resolveAll();
        else if ((running & 63) === 0) pump();
      } else if (status.state !== 'TASK_STARTING' && status.state !== 'TASK_RUNNING') {
        unexpectedUpdates++;
        rejectAll(new Error(`unexpected ${status.state} for ${status.task_id.value}: ${status.message ?? ''} (${status.reason ?? ''}); did a master lose leadership during the launch?`));
      }
    },
    error(message) {
      log(`framework error: ${message}`);
    },
  };
  const driver = new SchedulerDriver({
    master: zkUrl,
    framework: { name: 'bench-failover', user: 'root', failover_timeout: 3600, checkpoint: true, capabilities: [{ type: 'PARTITION_AWARE' }] },
    scheduler,
  });
  driver.start();
  const progress = setInterval(() => log(`  launched ${launched}/${TASKS}, running ${running}`), 10_000);
  const t0 = performance.now();
  await allRunning;
  clearInterval(progress);
  log(`  ${TASKS} tasks running after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return driver;
}

async function main(): Promise<void> {
  log(`machine: ${machine()}`);
  const dir = mkdtempSync(join(tmpdir(), 'agora-bench-failover-'));
  const procs: Proc[] = [];
  let zk: ZooKeeperEnsemble | undefined;
  let driver: SchedulerDriver | undefined;
  const cleanup = async () => {
    await driver?.stop().catch(() => undefined);
    for (const p of procs.reverse()) await p.stop();
    await zk?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().then(() => process.exit(130)));
  const hard = setTimeout(() => {
    log('the benchmark did not finish in 30 minutes; stopping');
    void cleanup().then(() => process.exit(1));
  }, 30 * 60_000);
  hard.unref();
  try {
    zk = await ZooKeeperEnsemble.start({ size: 1, baseDir: dir });
    const zkUrl = zk.url('/agora');
    // Three masters, so that a failover during the setup (a loaded machine can starve a session)
    // still leaves a standby for the measured one.
    const masters: Array<{ url: string; proc: Proc }> = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const proc = startProcess([AGORA_BIN, 'master', `--port=${port}`, `--zk=${zkUrl}`, '--quorum=2', `--zk-session-timeout=${SESSION_MS}ms`, `--log-level=${process.env.BENCH_MASTER_LOG_LEVEL ?? 'warn'}`], {
        // E.g. BENCH_MASTER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the masters.
        nodeArgs: (process.env.BENCH_MASTER_NODE_ARGS ?? '').split(' ').filter(Boolean),
      });
      procs.push(proc);
      masters.push({ url: `http://127.0.0.1:${port}`, proc });
    }
    const leaderNow = async () => {
      for (const m of masters) if ((await snapshot(m.url, 1000))?.['master/elected'] === 1) return m;
      return undefined;
    };
    await waitFor('a leading master', leaderNow, 60_000);
    const t0 = performance.now();
    const agents = startProcess(['--import', 'tsx', 'bench/failover/agents-main.ts', zkUrl, String(AGENTS), 'cpus:8;mem:16384;disk:102400;ports:[31000-32000]', String(CONNECTIONS)], {
      env: { NODE_OPTIONS: '--max-old-space-size=12288' },
      nodeArgs: (process.env.BENCH_AGENTS_NODE_ARGS ?? '').split(' ').filter(Boolean),
      pipeStdout: true,
    });
    procs.push(agents);
    /** Epoch ms of the agents' `all-registered` lines. */
    const allBack: number[] = [];
    let pending = '';
    agents.child.stdout!.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) if (l.startsWith('all-registered ')) allBack.push(Number(l.slice('all-registered '.length)));
    });
    await waitFor(`${AGENTS} agents`, async () => {
      const l = await leaderNow();
      return l && (await snapshot(l.url))?.['master/slaves_active'] === AGENTS ? true : undefined;
    }, 1_200_000);
    log(`  ${AGENTS} agents registered after ${((performance.now() - t0) / 1000).toFixed(1)} s (each admitted in the ZooKeeper registry)`);

    driver = await launchAll(zkUrl);
    await new Promise((r) => setTimeout(r, 3000));
    const leader = await waitFor('the leader', leaderNow, 30_000);
    const standbys = masters.filter((m) => m !== leader && m.proc.child.exitCode === null && m.proc.child.signalCode === null);
    if (standbys.length === 0) throw new Error('no standby left to fail over to (a master lost leadership during the setup)');
    const rssBefore = rssMiB(leader.proc.pid);

    // The failover. Polling the new leader's /metrics/snapshot while 10,000 agents re-register
    // would cost it a fifth of its CPU (the snapshot walks every agent and task), so the standbys
    // are asked only until one leads, the agents report when they are all back, and the tasks
    // the new leader knows are checked once at the end.
    // CPU seconds each party spends from the kill until every agent is back: which of them the
    // 2 cores were busy with (the new leader, the emulated agents, ZooKeeper, this process's framework).
    const zkPid = zk.servers[0]?.pid;
    /** (NaN for a process that has exited: a standby that lost its session, say.) */
    const cpuOfPid = (pid: number) => {
      try {
        return cpuSeconds(pid);
      } catch {
        return NaN;
      }
    };
    const cpuOf = () => ({
      masters: standbys.map((m) => cpuOfPid(m.proc.pid)),
      agents: cpuOfPid(agents.pid),
      zk: zkPid === undefined ? NaN : cpuOfPid(zkPid),
      bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    });
    const cpuBefore = cpuOf();
    const killedEpoch = Date.now();
    leader.proc.child.kill('SIGKILL');
    const killedAt = performance.now();
    let electedAt = 0;
    let cpuAtElection = cpuBefore;
    const next = await poll('a standby to lead', async () => {
      for (const m of standbys) {
        if ((await snapshot(m.url, 500))?.['master/elected'] === 1) {
          electedAt = performance.now();
          cpuAtElection = cpuOf();
          return m;
        }
      }
      return undefined;
    }, 600_000, 20);
    const backEpoch = await waitFor('every agent back', async () => allBack.find((t) => t > killedEpoch), 600_000);
    const agentsAt = killedAt + (backEpoch - killedEpoch);
    const cpuAfter = cpuOf();
    const nextIndex = standbys.indexOf(next);
    /** CPU seconds from `from` to every agent being back. */
    const cpuSince = (from: ReturnType<typeof cpuOf>) => ({
      new_leader: cpuAfter.masters[nextIndex]! - from.masters[nextIndex]!,
      agents: cpuAfter.agents - from.agents,
      zk: cpuAfter.zk - from.zk,
      framework: cpuAfter.bench - from.bench,
    });
    const fmt = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k}=${v.toFixed(1)}`).join(' ');
    const last = await waitFor('every task known to the new leader', async () => {
      const s = await snapshot(next.url, 10_000);
      return s?.['master/tasks_running'] === TASKS && s['master/slaves_active'] === AGENTS ? s : undefined;
    }, 600_000);
    const tasksAt = performance.now();
    const secs = (t: number) => ((t - killedAt) / 1000).toFixed(2);
    const rssAfter = rssMiB(next.proc.pid);
    console.log(
      `failover agents=${AGENTS} tasks=${TASKS} zk_session_ms=${SESSION_MS} elected_s=${secs(electedAt)} ` +
        `agents_reregistered_s=${secs(agentsAt)} reregistration_only_s=${((agentsAt - electedAt) / 1000).toFixed(2)} tasks_all_known_by_s=${secs(tasksAt)} ` +
        `unreachable=${last?.['master/slaves_unreachable'] ?? NaN} allocation_runs=${last?.['allocator/mesos/allocation_runs'] ?? NaN} reregister_messages=${last?.['master/messages_reregister_slave'] ?? NaN} unexpected_task_updates=${unexpectedUpdates} new_leader_rss_mib=${rssAfter.toFixed(0)} old_leader_rss_mib=${rssBefore.toFixed(0)} ` +
        `cpu_s_kill_to_all_back: ${fmt(cpuSince(cpuBefore))} cpu_s_elected_to_all_back: ${fmt(cpuSince(cpuAtElection))} loadavg=${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join('/')}`,
    );
  } finally {
    await cleanup();
  }
}

await main();
