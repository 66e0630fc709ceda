/**
 * Command-executor throughput: how many `/bin/true` tasks per second run end to end
 * (SUBSCRIBE → SUBSCRIBED → LAUNCH → STARTING/RUNNING/FINISHED, each ACKNOWLEDGED → executor ends)
 * against a minimal in-process fake of the agent's executor API.
 *
 *   node --import tsx bench/executors/run.ts [host|inproc|process|spawn ...] [--tasks N] [--concurrency C] [--shell]
 *                                            [--profile-host DIR]   (host mode: --cpu-prof the host process into DIR)
 *                                            [--work-dir DIR]       (sandboxes and the socket; default .bench-out/executors)
 *                                            [--domain-socket]      (the executor API over a Unix socket: MESOS_DOMAIN_SOCKET)
 *
 * Modes:
 *   host     the real executor host process (bin/agora-executor-host), driven over its socket as the agent would
 *   inproc   instances started in this process (the host's work without the socket and the second process)
 *   process  one `bin/agora-command-executor` process per task (Mesos's model)
 *   spawn    baseline: a bare `child_process.spawn('/bin/true')` loop, no executor at all
 *
 * Prints one line per mode on stdout: `executors <mode> tasks=N concurrency=C tasks_per_s=… cpu_ms_per_task=…`
 * (cpu = this process plus the host/executor processes, user+system). Progress goes to stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { internal, TaskInfo } from '@agora/protocol';
import { FakeAgentExecutorApi } from '@agora/sdk';
import { connectExecutorHost, startCommandExecutor } from '@agora/executors';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const flagText = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const shell = args.includes('--shell');
/** Executors talk to the fake agent over a Unix socket (MESOS_DOMAIN_SOCKET) instead of TCP. */
const domainSocket = args.includes('--domain-socket');
const modes = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const MODES = ['spawn', 'inproc', 'host', 'process'];
for (const m of modes) {
  if (!MODES.includes(m)) {
    process.stderr.write(`unknown mode ${m}; known: ${MODES.join(', ')}\n`);
    process.exit(2);
  }
}

const bin = (name: string) => fileURLToPath(new URL(`../../packages/executors/bin/${name}`, import.meta.url));
const clockTicks = 100; // USER_HZ on Linux

/** user+system CPU of another process, in ms (from /proc). */
async function cpuOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return 0;
  }
}

const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU of this process's reaped children (the tasks, and in process mode the executors), from /proc/self/stat cutime+cstime. */
async function childrenCpuMs(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks;
}

const taskFor = (id: string): TaskInfo => ({
  name: id,
  task_id: { value: id },
  agent_id: { value: 'bench-agent-S0' },
  command: shell ? { shell: true, value: '/bin/true' } : { shell: false, value: '/bin/true', arguments: ['true'] },
});

interface Agent {
  agent: FakeAgentExecutorApi;
  finished: () => number;
  failures: string[];
}

async function fakeAgent(root: string): Promise<Agent> {
  let finished = 0;
  const failures: string[] = [];
  const agent = await FakeAgentExecutorApi.start({
    ...(domainSocket ? { unixSocket: join(root, 'agent.sock') } : {}),
    autoAcknowledge: true,
    recordCalls: false,
    onSubscribe: (sub) => sub.send({ type: 'LAUNCH', launch: { task: taskFor(sub.executorId) } }),
    onCall: (call) => {
      const s = call.update?.status;
      if (s === undefined) return;
      if (s.state === 'TASK_FINISHED') finished++;
      else if (s.state !== 'TASK_STARTING' && s.state !== 'TASK_RUNNING') failures.push(`${s.task_id.value}: ${s.state} ${s.message ?? ''}`);
    },
  });
  return { agent, finished: () => finished, failures };
}

/** Runs `total` jobs keeping `concurrency` in flight; resolves with the elapsed ms. */
async function pool(total: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < total) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return performance.now() - t0;
}

interface Outcome {
  tasks: number;
  elapsedMs: number;
  cpuMs: number;
  note?: string;
}

async function benchSpawn(tasks: number, concurrency: number): Promise<Outcome> {
  const cpu0 = selfCpuMs() + (await childrenCpuMs());
  const elapsedMs = await pool(tasks, concurrency, () => new Promise<void>((resolve) => spawn('/bin/true', [], { stdio: 'ignore', detached: true }).once('exit', () => resolve())));
  return { tasks, elapsedMs, cpuMs: selfCpuMs() + (await childrenCpuMs()) - cpu0 };
}

async function sandboxes(root: string, n: number): Promise<string[]> {
  const dirs = Array.from({ length: n }, (_, i) => join(root, `s${i}`));
  await Promise.all(dirs.map((d) => mkdir(d, { recursive: true })));
  return dirs;
}

async function benchInproc(tasks: number, concurrency: number, root: string): Promise<Outcome> {
  const a = await fakeAgent(root);
  const dirs = await sandboxes(root, tasks);
  const cpu0 = selfCpuMs() + (await childrenCpuMs());
  const elapsedMs = await pool(tasks, concurrency, async (i) => {
    const started = startCommandExecutor({ ...a.agent.environment(`e${i}`), MESOS_DIRECTORY: dirs[i]!, PATH: '/usr/bin:/bin' });
    if (!started.ok) throw new Error(started.error);
    await started.value.done;
  });
  const cpuMs = selfCpuMs() + (await childrenCpuMs()) - cpu0;
  await a.agent.close();
  return check(a, { tasks, elapsedMs, cpuMs });
}

async function benchHost(tasks: number, concurrency: number, root: string): Promise<Outcome> {
  const a = await fakeAgent(root);
  const dirs = await sandboxes(root, tasks);
  const socket = join(root, 'executor-host.sock');
  const profileDir = flagText('profile-host');
  const hostArgs = ['--socket', socket];
  const host = profileDir
    ? spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, bin('agora-executor-host'), ...hostArgs], { stdio: ['ignore', 'ignore', 'inherit'] })
    : spawn(bin('agora-executor-host'), hostArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const waiting = new Map<string, (status: number) => void>();
    const statuses: number[] = [];
    const onMessage = (m: internal.ExecutorHostMessage) => {
      if (m.type === 'EXITED') waiting.get(m.exited!.container_id)?.(m.exited!.status);
      else if (m.type === 'LAUNCH_FAILED') waiting.get(m.launch_failed!.container_id)?.(-1);
    };
    let conn: Awaited<ReturnType<typeof connectExecutorHost>>;
    const deadline = Date.now() + 20_000;
    while (!(conn = await connectExecutorHost(socket, { keep: false, onMessage })).ok) {
      if (Date.now() > deadline) throw new Error('the executor host did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    const hostCpu0 = await cpuOf(host.pid);
    const cpu0 = selfCpuMs() + (await childrenCpuMs());
    const elapsedMs = await pool(tasks, concurrency, (i) =>
      new Promise<void>((resolve) => {
        const id = `c${i}`;
        waiting.set(id, (status) => {
          waiting.delete(id);
          statuses.push(status);
          resolve();
        });
        conn.value.send({ type: 'LAUNCH', launch: { container_id: id, env: { ...a.agent.environment(`e${i}`), MESOS_DIRECTORY: dirs[i]!, PATH: '/usr/bin:/bin' } } });
      }),
    );
    // The tasks are the host's children: their CPU is in the host's cutime/cstime.
    const hostCpuMs = (await cpuOf(host.pid)) - hostCpu0;
    const taskCpuMs = await hostChildrenCpu(host);
    const cpuMs = selfCpuMs() + (await childrenCpuMs()) - cpu0 + hostCpuMs + taskCpuMs;
    conn.value.send({ type: 'SHUTDOWN_HOST' });
    const bad = statuses.filter((s) => s !== 0).length;
    return check(a, { tasks, elapsedMs, cpuMs, note: `host_cpu_ms_per_task=${(hostCpuMs / tasks).toFixed(2)}${bad ? ` bad_exits=${bad}` : ''}` });
  } finally {
    await new Promise<void>((resolve) => {
      if (host.exitCode !== null) return resolve();
      const t = setTimeout(() => host.kill('SIGKILL'), 5_000);
      host.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
    await a.agent.close();
  }
}

/** The CPU of the tasks the host reaped (cutime+cstime of the host). */
async function hostChildrenCpu(host: ChildProcess): Promise<number> {
  try {
    const stat = await readFile(`/proc/${host.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[13]) + Number(f[14])) * 1000) / clockTicks;
  } catch {
    return 0;
  }
}

async function benchProcess(tasks: number, concurrency: number, root: string): Promise<Outcome> {
  const a = await fakeAgent(root);
  const dirs = await sandboxes(root, tasks);
  const exe = bin('agora-command-executor');
  const cpu0 = selfCpuMs() + (await childrenCpuMs());
  let bad = 0;
  const elapsedMs = await pool(tasks, concurrency, (i) =>
    new Promise<void>((resolve) => {
      const p = spawn(exe, [], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...a.agent.environment(`e${i}`), MESOS_DIRECTORY: dirs[i]!, PATH: '/usr/bin:/bin' } });
      p.once('exit', (code) => {
        if (code !== 0) bad++;
        resolve();
      });
    }),
  );
  const cpuMs = selfCpuMs() + (await childrenCpuMs()) - cpu0;
  await a.agent.close();
  return check(a, { tasks, elapsedMs, cpuMs, ...(bad ? { note: `bad_exits=${bad}` } : {}) });
}

function check(a: Agent, o: Outcome): Outcome {
  if (a.finished() !== o.tasks || a.failures.length > 0) {
    process.stderr.write(`WARNING: ${a.finished()}/${o.tasks} TASK_FINISHED; failures: ${a.failures.slice(0, 5).join('; ')}\n`);
  }
  return o;
}

const DEFAULTS: Record<string, { tasks: number; concurrency: number }> = {
  spawn: { tasks: 2000, concurrency: 16 },
  inproc: { tasks: 2000, concurrency: 32 },
  host: { tasks: 2000, concurrency: 32 },
  process: { tasks: 40, concurrency: 4 },
};

// Not os.tmpdir(): on the reference machine creating a file under /tmp costs ~0.8 ms of kernel CPU
// (against ~0.01 ms elsewhere on the same disk), which would dominate what is measured here.
const workDir = flagText('work-dir') ?? fileURLToPath(new URL('../../.bench-out/executors', import.meta.url));
await mkdir(workDir, { recursive: true });
const root = await mkdtemp(join(workDir, 'run-'));
try {
  for (const mode of modes.length > 0 ? modes : MODES) {
    const d = DEFAULTS[mode]!;
    const tasks = flag('tasks', d.tasks);
    const concurrency = flag('concurrency', d.concurrency);
    process.stderr.write(`running ${mode}: ${tasks} tasks, ${concurrency} at a time${shell ? ', shell form' : ''}…\n`);
    const dir = join(root, mode);
    await mkdir(dir);
    const o =
      mode === 'spawn'
        ? await benchSpawn(tasks, concurrency)
        : mode === 'inproc'
          ? await benchInproc(tasks, concurrency, dir)
          : mode === 'host'
            ? await benchHost(tasks, concurrency, dir)
            : await benchProcess(tasks, concurrency, dir);
    process.stdout.write(
      `executors ${mode} tasks=${o.tasks} concurrency=${concurrency} tasks_per_s=${((o.tasks * 1000) / o.elapsedMs).toFixed(1)} ` +
        `cpu_ms_per_task=${(o.cpuMs / o.tasks).toFixed(2)}${o.note ? ` ${o.note}` : ''}\n`,
    );
    await rm(dir, { recursive: true, force: true });
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
