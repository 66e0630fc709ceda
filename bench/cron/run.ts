/**
 * `npm run bench:cron` — fire-time skew of the cron framework with 10,000 scheduled jobs on
 * emulated agents (the real agent core and protocol, fake containers that report TASK_RUNNING).
 *
 * Processes: the master (`agora master`), the emulated agents (bench/launch/agents-main.ts), and
 * this one, which runs the cron daemon in process (`startCron`, state in memory) so its CPU can
 * be read. Jobs are created through the Chronos HTTP API; job i runs every --period seconds with
 * its first run at T0 + i·period/jobs, so fires are spread evenly. Emulated tasks never end, so
 * every run stays RUNNING (30,000 by the end of a default run: the engine's indexes, the master's
 * and the agents' task tables all carry that load).
 *
 *   skew (launch)   ACCEPT sent − scheduled time, for every fire in the measured window
 *   skew (running)  TASK_RUNNING received − scheduled time
 *
 *   npm run bench:cron -- [--jobs 10000] [--agents 1000] [--period 30] [--duration 90] [--quick]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryKv, startCron } from '@agora/cron';
import { cpuSeconds, freePort, machine, percentile, rssMiB, startProcess, waitFor, AGORA_BIN, ROOT } from '../support/procs.ts';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const quick = argv.includes('--quick');
const JOBS = flag('jobs', quick ? 1000 : 10_000);
const AGENTS = flag('agents', quick ? 100 : 1000);
const PERIOD_S = flag('period', 30);
const DURATION_S = flag('duration', quick ? 40 : 90);
const log = (msg: string) => process.stderr.write(`${msg}\n`);

const port = await freePort();
const masterUrl = `http://127.0.0.1:${port}`;
const master = startProcess([AGORA_BIN, 'master', `--port=${port}`, '--log-level=error', '--allocation-interval=250ms'], { quiet: true });
await waitFor('the master', async () => ((await fetch(`${masterUrl}/health`).catch(() => undefined))?.ok ? true : undefined), 30_000);
const agents = startProcess(['--import', 'tsx', 'bench/launch/agents-main.ts', `127.0.0.1:${port}`, String(AGENTS), 'cpus:16;mem:65536;disk:100000'], { quiet: true });
await waitFor(`${AGENTS} agents`, async () => {
  const s = (await (await fetch(`${masterUrl}/master/state`)).json()) as { slaves: unknown[] };
  return s.slaves.length >= AGENTS ? true : undefined;
}, 300_000);
log(`master and ${AGENTS} emulated agents up`);

const cron = await startCron(
  { master: masterUrl, httpPort: 0, hostname: '127.0.0.1', state: 'memory', failureRetry: 'PT60S', offerHold: 'PT5S', frameworkName: 'bench-cron', role: '*', user: undefined, historyLimit: 100, logLevel: 'error', failureWebhook: undefined, zkSessionTimeout: 'PT10S' },
  { kv: new MemoryKv(), log: () => undefined },
);
if (!cron.ok) throw new Error(cron.error);
const c = cron.value;
await c.elected;
await waitFor('the framework to subscribe', async () => (c.framework?.isReconciled ? true : undefined), 30_000);

// Create the jobs over HTTP (32 requests in flight); first runs start after creation is done.
const createStart = Date.now();
const T0 = Math.ceil((Date.now() + 30_000 + JOBS * 6) / 1000) * 1000; // generous: creation competes for the CPU
let next = 0;
const worker = async () => {
  while (next < JOBS) {
    const i = next++;
    const first = T0 + Math.floor((i * PERIOD_S * 1000) / JOBS);
    const res = await fetch(`${c.url}/v1/scheduler/iso8601`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `job-${i}`, command: 'sleep 3600', schedule: `R/${new Date(first).toISOString()}/PT${PERIOD_S}S`, cpus: 0.01, mem: 8, disk: 0, retries: 0, concurrent: true, epsilon: 'PT60S' }),
    });
    if (res.status !== 204) throw new Error(`job-${i}: ${res.status} ${await res.text()}`);
  }
};
await Promise.all(Array.from({ length: 32 }, worker));
log(`${JOBS} jobs created in ${((Date.now() - createStart) / 1000).toFixed(1)} s; first fire at +${((T0 - Date.now()) / 1000).toFixed(1)} s`);
if (Date.now() > T0) {
  log('job creation took longer than the head start; the measurement would be meaningless');
  await c.close();
  await agents.stop();
  await master.stop();
  process.exit(2);
}

await new Promise((r) => setTimeout(r, T0 - Date.now()));
const cpu0 = process.cpuUsage();
const masterCpu0 = cpuSeconds(master.pid);
const end = T0 + DURATION_S * 1000;
const progress = setInterval(() => log(`  ${Math.round((Date.now() - T0) / 1000)} s: ${c.framework!.skews.length} launches, ${c.engine.runs.size} active runs`), 10_000);
await new Promise((r) => setTimeout(r, end - Date.now() + 3000));
clearInterval(progress);
const self = process.cpuUsage(cpu0);
const masterCpu = cpuSeconds(master.pid) - masterCpu0;

// Every occurrence scheduled in [T0, end): from the history and the active runs.
const launchSkew: number[] = [];
const runningSkew: number[] = [];
let missed = 0;
let expected = 0;
for (let i = 0; i < JOBS; i++) {
  const first = T0 + Math.floor((i * PERIOD_S * 1000) / JOBS);
  for (let t = first; t < end; t += PERIOD_S * 1000) expected++;
}
const runs = [...c.engine.runs.values(), ...[...c.engine.history.values()].flat()].filter((r) => r.scheduledAt >= T0 && r.scheduledAt < end);
for (const r of runs) {
  if (r.state === 'MISSED') missed++;
  if (r.launchedAt !== undefined) launchSkew.push(r.launchedAt - r.scheduledAt);
  if (r.startedAt !== undefined) runningSkew.push(r.startedAt - r.scheduledAt);
}
// Where the late fires are: the worst launch skew per 10 s of scheduled time.
const buckets = new Map<number, number>();
for (const r of runs) if (r.launchedAt !== undefined) {
  const b = Math.floor((r.scheduledAt - T0) / 10_000);
  buckets.set(b, Math.max(buckets.get(b) ?? 0, r.launchedAt - r.scheduledAt));
}
const timeline = [...buckets].sort((a, b) => a[0] - b[0]).map(([b, m]) => `${b * 10}s:${m}ms`).join(' ');
log(`worst launch skew per 10 s: ${timeline}`);
launchSkew.sort((a, b) => a - b);
runningSkew.sort((a, b) => a - b);
const stats = (xs: number[]) => `p50 ${percentile(xs, 0.5)} ms, p99 ${percentile(xs, 0.99)} ms, max ${xs[xs.length - 1]} ms`;
const rss = rssMiB(process.pid);
await c.close();
await agents.stop();
await master.stop();

const pass = percentile(launchSkew, 0.99) <= 250 && (launchSkew[launchSkew.length - 1] ?? Infinity) <= 1000 && missed === 0 && launchSkew.length === expected;
const report = `# bench:cron — fire-time skew with ${JOBS.toLocaleString('en')} scheduled jobs

${machine()}; ${new Date().toISOString().slice(0, 10)}. \`npm run bench:cron${quick ? ' -- --quick' : ''}\`.

Setup: \`agora master\` (allocation interval 250 ms) and ${AGENTS.toLocaleString('en')} emulated agents (real agent
core and protocol, fake containers) in separate processes; the cron daemon in the benchmark process
(\`startCron\`, state in memory, Chronos API). ${JOBS.toLocaleString('en')} jobs created over HTTP, each
\`R/<start>/PT${PERIOD_S}S\` with starts spread evenly over one period (${(JOBS / PERIOD_S).toFixed(0)} fires/s), \`concurrent: true\`;
emulated tasks never end, so every run stays RUNNING (${JOBS * Math.ceil(DURATION_S / PERIOD_S)} at the end). Measured for ${DURATION_S} s.

| metric | value |
|---|---|
| occurrences due in the window | ${expected.toLocaleString('en')} |
| launched | ${launchSkew.length.toLocaleString('en')} |
| recorded as missed | ${missed} |
| skew, ACCEPT sent − scheduled | ${stats(launchSkew)} |
| skew, TASK_RUNNING − scheduled | ${stats(runningSkew)} |
| cron CPU (benchmark process) | ${(((self.user + self.system) / 1e6) / DURATION_S * 100).toFixed(0)}% of one core |
| master CPU | ${((masterCpu / DURATION_S) * 100).toFixed(0)}% of one core |
| cron process RSS | ${rss.toFixed(0)} MiB |
| worst launch skew per 10 s of the run | ${timeline} |

Target: p99 ≤ 250 ms and max ≤ 1 s (launch skew), none missed — **${pass ? 'met' : 'NOT met'}**.
`;
process.stdout.write(report);
if (!quick) writeFileSync(join(ROOT, 'bench/cron/RESULTS.md'), report);
process.exit(pass ? 0 : 1);
