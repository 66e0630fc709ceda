/**
 * `npm run bench:launch` — end-to-end launch speed with emulated agents (the real agent core and
 * protocol, fake containers), as Mesos measured at scale:
 *
 *   latency     idle cluster: one task at a time, ACCEPT → TASK_RUNNING → acknowledged (202)
 *   throughput  sustained launches of --tasks tasks (ACCEPT → RUNNING → acknowledged), then the
 *               master's resident memory with all of them running
 *
 * Three processes on the machine: the master (the component under test, `agora master`), the
 * emulated agents (bench/launch/agents-main.ts), and this one, which runs the framework on our
 * SDK: real subscription stream, real ACCEPT calls, an ACKNOWLEDGE call per update.
 *
 *   npm run bench:launch -- [--agents 10000] [--tasks 100000] [--tasks-per-offer 10] [--window 5000]
 *                           [--latency-samples 200] [--quick] [latency|throughput]
 */
import { performance } from 'node:perf_hooks';
import type { Offer, TaskInfo, TaskStatus } from '@agora/protocol';
import { SchedulerDriver, type Scheduler } from '@agora/sdk';
import { cpuSeconds, freePort, machine, percentile, rssMiB, startProcess, waitFor, AGORA_BIN, type Proc } from '../support/procs.ts';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const quick = argv.includes('--quick');
const scale = quick ? 10 : 1;
const AGENTS = flag('agents', 10_000 / scale);
const TASKS = flag('tasks', 100_000 / scale);
const PER_OFFER = flag('tasks-per-offer', 10);
const SAMPLES = flag('latency-samples', 200);
/** Tasks launched but not yet running (acknowledged) at any time: a steady stream, not one burst. */
const WINDOW = flag('window', 5000);
const named = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
const run = (s: string) => named.length === 0 || named.includes(s);
const log = (msg: string) => process.stderr.write(`${msg}\n`);

const TASK_RESOURCES = [
  { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.01 } },
  { name: 'mem', type: 'SCALAR' as const, scalar: { value: 8 } },
];

function task(id: string, offer: Offer): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: offer.agent_id, resources: TASK_RESOURCES, command: { value: 'sleep 3600', shell: true } };
}

interface Bench {
  driver: SchedulerDriver;
  /** Offers held and not yet used. */
  offers: Offer[];
  onOffers?: () => void;
  onUpdate?: (s: TaskStatus) => void;
}

function framework(masterUrl: string, name: string): Bench {
  const b: Bench = { driver: undefined as unknown as SchedulerDriver, offers: [] };
  const scheduler: Scheduler = {
    offers(_d, offers) {
      b.offers.push(...offers);
      b.onOffers?.();
    },
    rescind(offerId) {
      b.offers = b.offers.filter((o) => o.id.value !== offerId.value);
    },
    update(_d, status) {
      b.onUpdate?.(status);
    },
    error(message) {
      log(`framework ${name}: ${message}`);
    },
  };
  b.driver = new SchedulerDriver({
    master: masterUrl,
    framework: { name, user: 'root', failover_timeout: 0 },
    scheduler,
    implicitAcknowledgements: false,
  });
  return b;
}

async function latency(masterUrl: string): Promise<string> {
  const b = framework(masterUrl, 'bench-latency');
  b.driver.start();
  await waitFor('offers', async () => (b.offers.length > 0 ? true : undefined), 60_000);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const offer = b.offers.shift();
    if (!offer) {
      await waitFor('an offer', async () => (b.offers.length > 0 ? true : undefined), 30_000);
      i--;
      continue;
    }
    const id = `lat-${i}`;
    const done = new Promise<number>((resolve) => {
      b.onUpdate = (s) => {
        void b.driver.acknowledge(s).then(() => {
          if (s.task_id.value === id && s.state === 'TASK_RUNNING') resolve(performance.now());
        });
      };
    });
    const start = performance.now();
    await b.driver.launch(offer, [task(id, offer)], { refuse_seconds: 0 });
    samples.push((await done) - start);
  }
  await b.driver.teardown();
  samples.sort((a, c) => a - c);
  return `launch latency agents=${AGENTS} samples=${SAMPLES} p50_ms=${percentile(samples, 0.5).toFixed(1)} p99_ms=${percentile(samples, 0.99).toFixed(1)} max_ms=${samples.at(-1)!.toFixed(1)}`;
}

async function throughput(masterUrl: string, master: Proc, agents: Proc): Promise<string[]> {
  const b = framework(masterUrl, 'bench-throughput');
  const launchedAt = new Map<string, number>();
  const latencies: number[] = [];
  let launched = 0;
  let running = 0;
  let firstLaunch = 0;
  let lastRunning = 0;
  let onRunning = () => {};
  const allRunning = new Promise<void>((resolve) => {
    b.onUpdate = (s) => {
      const id = s.task_id.value;
      void b.driver.acknowledge(s).then(() => {
        if (s.state !== 'TASK_RUNNING') return;
        const t0 = launchedAt.get(id);
        if (t0 === undefined) return;
        launchedAt.delete(id);
        const now = performance.now();
        latencies.push(now - t0);
        lastRunning = now;
        if (++running === TASKS) resolve();
        else if ((running & 63) === 0) onRunning();
      });
      if (s.state !== 'TASK_RUNNING' && s.state !== 'TASK_STARTING') log(`unexpected ${s.state} for ${id}: ${s.message ?? ''}`);
    };
  });
  const cpu0 = cpuSeconds(master.pid);
  const agentsCpu0 = cpuSeconds(agents.pid);
  const selfCpu0 = process.cpuUsage();
  // Launch from held offers while fewer than WINDOW tasks are on their way to RUNNING.
  const pump = () => {
    while (b.offers.length > 0 && launched < TASKS && launched - running < WINDOW) {
      const offer = b.offers.shift()!;
      const tasks: TaskInfo[] = [];
      for (let k = 0; k < PER_OFFER && launched < TASKS; k++) tasks.push(task(`t-${launched++}`, offer));
      const now = performance.now();
      if (firstLaunch === 0) firstLaunch = now;
      for (const t of tasks) launchedAt.set(t.task_id.value, now);
      void b.driver.launch(offer, tasks, { refuse_seconds: 0 });
    }
    if (launched >= TASKS && b.offers.length > 0) {
      const spare = b.offers.splice(0);
      void b.driver.decline(spare.map((o) => o.id), { refuse_seconds: 3600 });
    }
  };
  b.onOffers = pump;
  onRunning = pump;
  b.driver.start();
  const progress = setInterval(() => log(`  launched ${launched}/${TASKS}, running ${running}`), 5000);
  await allRunning;
  clearInterval(progress);
  const seconds = (lastRunning - firstLaunch) / 1000;
  const cpu = cpuSeconds(master.pid) - cpu0;
  const agentsCpu = cpuSeconds(agents.pid) - agentsCpu0;
  const self = process.cpuUsage(selfCpu0);
  const selfCpu = (self.user + self.system) / 1e6;
  latencies.sort((a, c) => a - c);
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssMiB(master.pid);
  const snap = (await (await fetch(`${masterUrl}/metrics/snapshot`)).json()) as Record<string, number>;
  const heap = (snap['system/heap_used_bytes'] ?? NaN) / 1048576;
  const heapTotal = (snap['system/heap_total_bytes'] ?? NaN) / 1048576;
  const external = (snap['system/external_bytes'] ?? NaN) / 1048576;
  // Once the burst is over V8 gives back free heap pages; idle masters are what operators see.
  await new Promise((r) => setTimeout(r, 15_000));
  const rssIdle = rssMiB(master.pid);
  if (process.env.BENCH_MASTER_HEAP_SNAPSHOT) {
    // With BENCH_MASTER_NODE_ARGS='--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR'.
    process.kill(master.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, Number(process.env.BENCH_MASTER_HEAP_SNAPSHOT)));
  }
  const lines = [
    `launch throughput agents=${AGENTS} tasks=${TASKS} tasks_per_offer=${PER_OFFER} window=${WINDOW} tasks_per_s=${(TASKS / seconds).toFixed(0)} seconds=${seconds.toFixed(1)} ` +
      `p50_ms=${percentile(latencies, 0.5).toFixed(0)} p99_ms=${percentile(latencies, 0.99).toFixed(0)} cpu_ms_per_task: master=${((cpu * 1000) / TASKS).toFixed(3)} ` +
      `agents=${((agentsCpu * 1000) / TASKS).toFixed(3)} framework=${((selfCpu * 1000) / TASKS).toFixed(3)}`,
    `launch memory agents=${AGENTS} tasks_running=${TASKS} master_rss_mib=${rss.toFixed(0)} heap_used_mib=${heap.toFixed(0)} ` +
      `heap_total_mib=${heapTotal.toFixed(0)} external_mib=${external.toFixed(0)} rss_after_15s_idle_mib=${rssIdle.toFixed(0)}`,
  ];
  await b.driver.stop();
  return lines;
}

async function main(): Promise<void> {
  log(`machine: ${machine()}`);
  const port = await freePort();
  const masterUrl = `http://127.0.0.1:${port}`;
  const master = startProcess([AGORA_BIN, 'master', `--port=${port}`, '--log-level=error'], {
    // The master runs with Node's defaults, as `agora master` does. E.g. BENCH_MASTER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the master.
    nodeArgs: (process.env.BENCH_MASTER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  });
  const procs: Proc[] = [master];
  // Interrupted: stop what this benchmark started (by PID) before exiting.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void Promise.all(procs.map((p) => p.stop())).then(() => process.exit(130));
    });
  }
  try {
    await waitFor('the master', async () => ((await fetch(`${masterUrl}/health`)).ok ? true : undefined), 60_000);
    const t0 = performance.now();
    const agents = startProcess(['--import', 'tsx', 'bench/launch/agents-main.ts', `127.0.0.1:${port}`, String(AGENTS), 'cpus:8;mem:16384;disk:102400;ports:[31000-32000]'], {
      env: { NODE_OPTIONS: '--max-old-space-size=8192' },
    });
    procs.push(agents);
    await waitFor(
      `${AGENTS} agents`,
      async () => {
        const snap = (await (await fetch(`${masterUrl}/metrics/snapshot`)).json()) as Record<string, number>;
        return snap['master/slaves_active'] === AGENTS ? true : undefined;
      },
      600_000,
    );
    console.log(`launch registration agents=${AGENTS} seconds=${((performance.now() - t0) / 1000).toFixed(1)} master_rss_mib=${rssMiB(master.pid).toFixed(0)}`);
    if (run('latency')) console.log(await latency(masterUrl));
    if (run('throughput')) for (const line of await throughput(masterUrl, master, agents)) console.log(line);
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}

await main();
