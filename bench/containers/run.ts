/**
 * `npm run bench:containers` — launch and destroy N cgroup-isolated tasks on one real agent
 * (ADR 0004): a master, one `agora agent` with `--isolation=cgroups/cpu,cgroups/mem,cgroups/pids`
 * (command executors in the executor host by default), and a framework on our SDK that launches N
 * long-running tasks, waits until all are TASK_RUNNING, then kills them all. Measured:
 *   launch  = first ACCEPT → the last TASK_RUNNING (every task's cgroups created, task placed);
 *   destroy = first KILL → the last TASK_KILLED and no container cgroup left under the root.
 * With --images each task runs from a busybox image (docker-save tarball built here) under runc.
 *
 *   npm run bench:containers -- [--tasks 1000] [--mode host|process] [--images] [--isolation LIST]
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Offer, TaskInfo, TaskState } from '@agora/protocol';
import { SchedulerDriver } from '@agora/sdk';
import { writeDockerSave } from '../../packages/agent/src/images/testing.ts';
import { cpuSeconds, freePort, machine, rssMiB, startProcess, waitFor, AGORA_BIN, ROOT } from '../support/procs.ts';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : dflt;
};
const TASKS = Number(opt('tasks', '1000'));
const MODE = opt('mode', 'host');
const IMAGES = argv.includes('--images');
const ISOLATION = opt('isolation', 'cgroups/cpu,cgroups/mem,cgroups/pids');
const log = (s: string) => process.stderr.write(`${s}\n`);
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'freezer'];

function containerCgroups(root: string): number {
  let n = 0;
  for (const c of CONTROLLERS) {
    const dir = join('/sys/fs/cgroup', c, root);
    if (existsSync(dir)) n += readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
  }
  return n;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:containers needs root (cgroups)');
  log(`machine: ${machine()}`);
  const [mport, aport] = [await freePort(), await freePort()];
  const work = join(ROOT, '.bench-out', `containers-${process.pid}`);
  const root = `agora-bench-${process.pid}`;
  const registry = join(work, 'registry');
  if (IMAGES) writeDockerSave(registry, 'busybox', 'bench');
  const master = startProcess([AGORA_BIN, 'master', `--port=${mport}`, '--log-level=error', '--allocation-interval=100ms']);
  const procs = [master];
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void Promise.all(procs.map((p) => p.stop())).then(() => process.exit(130)));
  try {
    const masterUrl = `http://127.0.0.1:${mport}`;
    await waitFor('the master', async () => ((await fetch(`${masterUrl}/health`)).ok ? true : undefined), 60_000);
    const agent = startProcess([
      AGORA_BIN, 'agent', `--master=127.0.0.1:${mport}`, `--port=${aport}`, `--work-dir=${work}`, `--runtime-dir=${join(work, 'run')}`,
      `--command-executor=${MODE}`, '--log-level=error', '--resources=cpus:64;mem:65536;disk:100000;ports:[31000-32000]',
      `--isolation=${ISOLATION}`, `--cgroups-root=${root}`, '--cgroups-enable-cfs', '--executor-shutdown-grace-period=1secs',
      ...(IMAGES ? ['--image-providers=docker', `--docker-registry=${registry}`] : []),
    ], { stopSignal: 'SIGUSR1' });
    procs.unshift(agent);
    await waitFor('the agent', async () => {
      const s = (await (await fetch(`${masterUrl}/metrics/snapshot`)).json()) as Record<string, number>;
      return s['master/slaves_active'] === 1 ? true : undefined;
    }, 60_000);

    const offers: Offer[] = [];
    const state = new Map<string, TaskState>();
    const count = (s: TaskState) => [...state.values()].filter((v) => v === s).length;
    let launched = 0;
    let firstLaunch = 0;
    let lastRunning = 0;
    let lastKilled = 0;
    let failures = 0;
    const driver = new SchedulerDriver({
      master: masterUrl,
      framework: { name: 'bench-containers', user: 'root' },
      scheduler: {
        offers(_d, o) {
          offers.push(...o);
          pump();
        },
        update(_d, s) {
          state.set(s.task_id.value, s.state);
          if (s.state === 'TASK_RUNNING') lastRunning = performance.now();
          if (s.state === 'TASK_KILLED') lastKilled = performance.now();
          if (['TASK_FAILED', 'TASK_ERROR', 'TASK_LOST'].includes(s.state) && failures++ < 3) log(`task ${s.task_id.value}: ${s.state} ${s.message ?? ''}`);
        },
      },
    });
    const pump = () => {
      while (offers.length > 0 && launched < TASKS) {
        const offer = offers.shift()!;
        const scalar = (name: string) => offer.resources?.filter((r) => r.name === name).reduce((a, r) => a + (r.scalar?.value ?? 0), 0) ?? 0;
        const fits = Math.floor(Math.min(scalar('cpus') / 0.01, scalar('mem') / 32));
        const tasks: TaskInfo[] = [];
        while (launched < TASKS && tasks.length < fits) {
          const id = `c-${launched++}`;
          tasks.push({
            name: id, task_id: { value: id }, agent_id: offer.agent_id,
            resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
            command: { value: 'sleep 3600', shell: true },
            ...(IMAGES ? { container: { type: 'MESOS' as const, mesos: { image: { type: 'DOCKER' as const, docker: { name: 'busybox:bench' }, cached: true } } } } : {}),
          });
        }
        if (tasks.length === 0) continue;
        if (firstLaunch === 0) firstLaunch = performance.now();
        void driver.launch(offer, tasks, { refuse_seconds: 0 });
      }
    };
    driver.start();
    const cpu0 = { master: cpuSeconds(master.pid), agent: cpuSeconds(agent.pid) };
    const progress = setInterval(() => log(`  running ${count('TASK_RUNNING')}/${TASKS}, killed ${count('TASK_KILLED')}, cgroups ${containerCgroups(root)}`), 5000);
    await waitFor('all tasks running', async () => (count('TASK_RUNNING') === TASKS ? true : undefined), 600_000);
    const launchSeconds = (lastRunning - firstLaunch) / 1000;
    const cgroupsRunning = containerCgroups(root);
    const runcs = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && (() => {
      try {
        return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'runc';
      } catch {
        return false;
      }
    })());
    const runcMiB = runcs.reduce((sum, pid) => sum + rssMiB(Number(pid)), 0);
    const cpu1 = { master: cpuSeconds(master.pid), agent: cpuSeconds(agent.pid) };
    const firstKill = performance.now();
    for (const id of state.keys()) void driver.kill({ value: id });
    await waitFor('all tasks killed', async () => (count('TASK_KILLED') === TASKS ? true : undefined), 600_000);
    await waitFor('no cgroup left', async () => (containerCgroups(root) === 0 ? true : undefined), 120_000);
    const destroySeconds = (Math.max(lastKilled, performance.now()) - firstKill) / 1000;
    clearInterval(progress);
    const per = (s: number) => ((s * 1000) / TASKS).toFixed(1);
    console.log(
      `containers mode=${MODE} isolation=${ISOLATION}${IMAGES ? ' images=busybox(runc)' : ''} tasks=${TASKS} ` +
        `launch_s=${launchSeconds.toFixed(1)} destroy_s=${destroySeconds.toFixed(1)} cgroups_while_running=${cgroupsRunning} failures=${failures} ` +
        `${IMAGES ? `runc_processes=${runcs.length} runc_rss_mib=${runcMiB.toFixed(0)} ` : ''}` +
        `agent_cpu_ms_per_task: launch=${per(cpu1.agent - cpu0.agent)} destroy=${per(cpuSeconds(agent.pid) - cpu1.agent)}`,
    );
    await driver.teardown().catch(() => undefined);
  } finally {
    for (const p of procs) await p.stop();
    // The store holds the unpacked image and nothing is mounted any more (the agent cleaned up).
    if (!readFileSync('/proc/self/mountinfo', 'utf8').includes(work)) rmSync(work, { recursive: true, force: true });
    else log(`left mounted under ${work}`);
    for (const c of readdirSync('/sys/fs/cgroup')) {
      const dir = join('/sys/fs/cgroup', c, root);
      try {
        if (existsSync(dir)) rmdirSync(dir);
      } catch {
        log(`left behind: ${dir}`);
      }
    }
  }
}

await main();
