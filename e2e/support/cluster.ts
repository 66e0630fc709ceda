/**
 * A real cluster for e2e tests: one `agora master` and N `agora agent` processes on free ports,
 * each with its own work dir, started individually so a test can kill one of them.
 */
import { join } from 'node:path';
import { freePorts, getJson, killMentioning, removeDir, startAgora, tempDir, waitFor, type Daemon } from './processes.ts';

export interface ClusterOptions {
  agents?: number;
  masterFlags?: string[];
  agentFlags?: string[] | ((index: number) => string[]);
}

export interface Cluster {
  readonly dir: string;
  readonly masterUrl: string;
  readonly master: Daemon;
  readonly agents: Daemon[];
  readonly agentUrls: string[];
  /** Agent IDs in the order of `agents` (after registration). */
  agentIds(): Promise<string[]>;
  /**
   * SIGKILLs agent `index` (as a crash would) and, `downMs` later, starts it again with the same
   * flags and work dir; `agents[index]` becomes the new process. Resolves once it answers and the
   * master lists it as active.
   */
  restartAgent(index: number, downMs?: number): Promise<Daemon>;
  state(): Promise<MasterState>;
  stop(): Promise<void>;
}

export interface MasterState {
  slaves: Array<{ id: string; hostname: string; port: number; pid: string; active: boolean }>;
  frameworks: Array<{ id: string; name: string; tasks: Array<{ id: string; state: string; slave_id: string }> }>;
  completed_frameworks: Array<{ id: string; completed_tasks: Array<{ id: string; state: string }> }>;
  unreachable_slaves: number;
}

/**
 * Starts the cluster. A daemon that dies while starting (typically: another process took a port
 * between `freePorts` and the daemon's listen) makes the whole attempt start over on new ports,
 * up to three times; whatever an attempt started is stopped before the next one or the error.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  for (let attempt = 1; ; attempt++) {
    const started = await tryStartCluster(opts);
    if (started.ok) return started.cluster;
    if (attempt >= 3) throw new Error(started.error);
  }
}

const exitedOne = (daemons: readonly Daemon[]): Daemon | undefined => daemons.find((d) => d.proc.exitCode !== null || d.proc.signalCode !== null);
const lastLine = (d: Daemon): string => d.log().trim().split('\n').at(-1) ?? '';

async function tryStartCluster(opts: ClusterOptions): Promise<{ ok: true; cluster: Cluster } | { ok: false; error: string }> {
  const n = opts.agents ?? 2;
  const dir = tempDir('cluster');
  const [masterPort, ...agentPorts] = await freePorts(n + 1);
  const masterUrl = `http://127.0.0.1:${masterPort}`;
  const master = startAgora('master', ['master', `--port=${masterPort}`, `--work-dir=${join(dir, 'master')}`, '--log-level=info', ...(opts.masterFlags ?? [])], dir);
  const agents: Daemon[] = [];
  const abandon = async (why: string) => {
    await Promise.all([master, ...agents].map((d) => d.kill()));
    killMentioning(dir);
    removeDir(dir);
    return { ok: false as const, error: why };
  };
  const ready = await waitFor('the master', async () => exitedOne([master]) ?? ((await fetch(`${masterUrl}/health`)).ok ? true : undefined), 30_000, 200).catch((e: unknown) => String(e));
  if (ready !== true) return abandon(typeof ready === 'string' ? ready : `the master exited while starting: ${lastLine(ready)}`);
  const agentArgs = (i: number) => [
    'agent',
    `--master=127.0.0.1:${masterPort}`,
    `--port=${agentPorts[i]}`,
    `--work-dir=${join(dir, `agent-${i + 1}`)}`,
    `--runtime-dir=${join(dir, `agent-${i + 1}`, 'run')}`,
    '--log-level=info',
    ...(typeof opts.agentFlags === 'function' ? opts.agentFlags(i) : (opts.agentFlags ?? [])),
  ];
  for (let i = 0; i < n; i++) agents.push(startAgora(`agent-${i + 1}`, agentArgs(i), dir));
  const restarts = new Map<number, number>();
  const state = () => getJson<MasterState>(`${masterUrl}/master/state`);
  const registered = await waitFor(`${n} agents to register`, async () =>
    exitedOne([master, ...agents]) ?? ((await state()).slaves.filter((s) => s.active).length === n ? true : undefined), 60_000, 200).catch((e: unknown) => String(e));
  if (registered !== true) return abandon(typeof registered === 'string' ? registered : `${registered.name} exited while starting: ${lastLine(registered)}`);
  const agentUrls = agentPorts.map((p) => `http://127.0.0.1:${p}`);
  const cluster: Cluster = {
    dir,
    masterUrl,
    master,
    agents,
    agentUrls,
    async agentIds() {
      const s = await state();
      return agentPorts.map((p) => s.slaves.find((a) => a.port === p)?.id ?? '');
    },
    state,
    async restartAgent(index, downMs = 0) {
      await agents[index]!.kill();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      const run = (restarts.get(index) ?? 0) + 1;
      restarts.set(index, run);
      agents[index] = startAgora(`agent-${index + 1}-restart-${run}`, agentArgs(index), dir);
      const port = agentPorts[index]!;
      await waitFor(`agent ${index + 1} to re-register`, async () => {
        // The restarted process answers on its port only once it has recovered and started.
        const up = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
        return up && (await state()).slaves.some((s) => s.port === port && s.active) ? true : undefined;
      }, 60_000, 200);
      return agents[index]!;
    },
    async stop() {
      // SIGUSR1: the agents' full shutdown (a SIGTERM would leave checkpointing frameworks' tasks running).
      await Promise.all(agents.map((a) => a.shutdown()));
      await master.stop();
      // Executor hosts outlive their agents by design (agent recovery); this test's are ended here.
      killMentioning(dir);
      removeDir(dir);
    },
  };
  return { ok: true, cluster };
}
