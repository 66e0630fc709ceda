/**
 * `npm run bench:agent` — real processes through one real agent: a master, one `agora agent`
 * (command executors in the executor host by default), and a framework on our SDK launching
 * `/bin/true` tasks with at most --window of them unfinished. Measures tasks per second from the
 * first ACCEPT to the last TASK_FINISHED acknowledged, and the CPU each process spent per task.
 *
 *   npm run bench:agent -- [--tasks 2000] [--window 64] [--mode host|process] [--command /bin/true] [--argv] [--profile DIR]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Offer, TaskInfo } from '@agora/protocol';
import { SchedulerDriver } from '@agora/sdk';
import { cpuSeconds, freePort, machine, startProcess, waitFor, AGORA_BIN, ROOT } from '../support/procs.ts';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : dflt;
};
const TASKS = Number(opt('tasks', '2000'));
const WINDOW = Number(opt('window', '64'));
const MODE = opt('mode', 'host');
const COMMAND = opt('command', '/bin/true');
/** A directory to write CPU profiles of the agent and the executor host into. */
const PROFILE = opt('profile', '');
/** Run the command as an argv (`shell: false`, one exec) instead of `sh -c` (two). */
const ARGV = argv.includes('--argv');
const log = (s: string) => process.stderr.write(`${s}\n`);

/** PIDs of processes whose command line mentions `marker` (the agent's executor host). */
function pidsOf(marker: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Busy and total jiffies over all CPUs, from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

async function main(): Promise<void> {
  log(`machine: ${machine()}`);
  const [mport, aport] = [await freePort(), await freePort()];
  const work = join(ROOT, '.bench-out', `agent-${process.pid}`);
  const master = startProcess([AGORA_BIN, 'master', `--port=${mport}`, '--log-level=error', '--allocation-interval=100ms']);
  const procs = [master];
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void Promise.all(procs.map((p) => p.stop())).then(() => process.exit(130)));
  try {
    const masterUrl = `http://127.0.0.1:${mport}`;
    await waitFor('the master', async () => ((await fetch(`${masterUrl}/health`)).ok ? true : undefined), 60_000);
    const profArgs = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [];
    if (PROFILE && MODE === 'host') {
      // Start the executor host ourselves (profiled); the agent finds it on its socket and uses it.
      procs.unshift(startProcess(['packages/executors/bin/agora-executor-host', `--socket=${join(work, 'run', 'executor-host.sock')}`], { nodeArgs: profArgs }));
      await waitFor('the executor host', async () => (readdirSync(join(work, 'run')).includes('executor-host.sock') ? true : undefined), 30_000).catch(() => undefined);
    }
    const agent = startProcess([
      AGORA_BIN, 'agent', `--master=127.0.0.1:${mport}`, `--port=${aport}`, `--work-dir=${work}`, `--runtime-dir=${join(work, 'run')}`,
      `--command-executor=${MODE}`, '--log-level=error', '--resources=cpus:64;mem:65536;disk:100000;ports:[31000-32000]',
    ], { nodeArgs: profArgs, stopSignal: 'SIGUSR1' });
    procs.unshift(agent);
    await waitFor('the agent', async () => {
      const s = (await (await fetch(`${masterUrl}/metrics/snapshot`)).json()) as Record<string, number>;
      return s['master/slaves_active'] === 1 ? true : undefined;
    }, 60_000);

    const offers: Offer[] = [];
    let launched = 0;
    let finished = 0;
    let failed = 0;
    let firstLaunch = 0;
    let lastDone = 0;
    let pump = () => {};
    const allDone = new Promise<void>((resolve) => {
      const driver = new SchedulerDriver({
        master: masterUrl,
        framework: { name: 'bench-agent', user: 'root' },
        scheduler: {
          offers(_d, o) {
            offers.push(...o);
            pump();
          },
          update(_d, s) {
            if (s.state === 'TASK_FINISHED' || s.state === 'TASK_FAILED' || s.state === 'TASK_LOST' || s.state === 'TASK_ERROR') {
              if (s.state !== 'TASK_FINISHED' && failed++ < 3) log(`task ${s.task_id.value}: ${s.state} ${s.message ?? ''}`);
              finished++;
              lastDone = performance.now();
              if (finished === TASKS) resolve();
              else pump();
            }
          },
        },
      });
      pump = () => {
        while (offers.length > 0 && launched < TASKS && launched - finished < WINDOW) {
          const offer = offers.shift()!;
          const scalar = (name: string) => offer.resources?.filter((r) => r.name === name).reduce((a, r) => a + (r.scalar?.value ?? 0), 0) ?? 0;
          const fits = Math.floor(Math.min(scalar('cpus') / 0.01, scalar('mem') / 8));
          const tasks: TaskInfo[] = [];
          while (launched < TASKS && launched - finished < WINDOW && tasks.length < fits) {
            const id = `true-${launched++}`;
            tasks.push({
              name: id, task_id: { value: id }, agent_id: offer.agent_id,
              resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 8 } }],
              command: ARGV ? { value: COMMAND, shell: false, arguments: [COMMAND] } : { value: COMMAND, shell: true },
            });
          }
          if (tasks.length === 0) {
            void driver.decline([offer.id], { refuse_seconds: 0 });
            continue;
          }
          if (firstLaunch === 0) firstLaunch = performance.now();
          void driver.launch(offer, tasks, { refuse_seconds: 0 });
        }
      };
      driver.start();
    });

    const host = () => pidsOf(join(work, 'run'))[0];
    await waitFor('offers', async () => (offers.length > 0 || launched > 0 ? true : undefined), 30_000);
    const cpu0 = { master: cpuSeconds(master.pid), agent: cpuSeconds(agent.pid), self: process.cpuUsage() };
    const machine0 = machineTicks();
    const progress = setInterval(() => log(`  ${finished}/${TASKS} finished`), 5000);
    await allDone;
    clearInterval(progress);
    const seconds = (lastDone - firstLaunch) / 1000;
    const busy = machineTicks();
    const utilisation = (busy.busy - machine0.busy) / (busy.total - machine0.total);
    const self = process.cpuUsage(cpu0.self);
    const hostPid = host();
    const per = (s: number) => ((s * 1000) / TASKS).toFixed(2);
    console.log(
      `agent real-processes mode=${MODE} command=${COMMAND}${ARGV ? ' (argv)' : ' (sh -c)'} tasks=${TASKS} window=${WINDOW} tasks_per_s=${(TASKS / seconds).toFixed(0)} seconds=${seconds.toFixed(1)} failed=${failed} ` +
        `cpu_ms_per_task: master=${per(cpuSeconds(master.pid) - cpu0.master)} agent=${per(cpuSeconds(agent.pid) - cpu0.agent)} ` +
        `framework=${per((self.user + self.system) / 1e6)}${hostPid ? ` executor_host_total=${per(cpuSeconds(hostPid))}` : ''} machine_busy=${(100 * utilisation).toFixed(0)}%`,
    );
  } finally {
    for (const p of procs) await p.stop();
    for (const pid of pidsOf(work)) process.kill(pid, 'SIGKILL');
  }
}

await main();
