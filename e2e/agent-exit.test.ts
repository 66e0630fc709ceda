/**
 * The agent's two ways to stop, with real daemons, as Mesos's agent (docs/agent-recovery.md):
 *  - SIGTERM is an exit (an upgrade, a restart): the agent exits 0 promptly; the tasks of a
 *    checkpointing framework keep running — same PIDs, the executor host too, their cgroups — and
 *    the restarted agent recovers them (no restart, a kill works); a non-checkpointing framework's
 *    task is killed and the framework hears TASK_LOST from the master (the agent disconnected).
 *  - SIGUSR1 is the full shutdown: every task process goes, the master removes the agent at once
 *    (UNREGISTER_AGENT, not a ping timeout), the framework gets the terminal update, no cgroup is
 *    left and the executor host is gone.
 * Both for command executors in the executor host (with cgroups when the machine has them) and
 * as processes of their own.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { TestFramework } from './support/framework.ts';
import { alive, freePorts, getJson, killMentioning, pidsMentioning, removeDir, startAgora, tempDir, waitFor, type Daemon } from './support/processes.ts';

const cgroupsV1 = process.getuid?.() === 0 && existsSync('/sys/fs/cgroup/memory/cgroup.procs') && existsSync('/sys/fs/cgroup/freezer/cgroup.procs');
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'freezer'];

interface Node {
  dir: string;
  masterUrl: string;
  master: Daemon;
  agent: Daemon;
  agentUrl: string;
  cgroupsRoot: string | undefined;
  restartAgent(): Daemon;
}

const started: Node[] = [];
after(async () => {
  for (const n of started) {
    await n.agent.shutdown(5000);
    await n.master.stop();
    killMentioning(n.dir);
    if (n.cgroupsRoot) for (const c of CONTROLLERS) if (existsSync(join('/sys/fs/cgroup', c, n.cgroupsRoot))) rmdirSync(join('/sys/fs/cgroup', c, n.cgroupsRoot));
    if (process.env.KEEP_E2E_DIRS === undefined) removeDir(n.dir);
  }
});

async function startNode(name: string, agentFlags: string[], cgroupsRoot: string | undefined): Promise<Node> {
  const dir = tempDir(`exit-${name}`);
  const [masterPort, agentPort] = await freePorts(2);
  const masterUrl = `http://127.0.0.1:${masterPort}`;
  const master = startAgora('master', ['master', `--port=${masterPort}`, `--work-dir=${join(dir, 'master')}`, '--allocation-interval=100ms'], dir);
  const args = [
    'agent', `--master=127.0.0.1:${masterPort}`, `--port=${agentPort}`, `--work-dir=${join(dir, 'agent')}`, `--runtime-dir=${join(dir, 'agent', 'run')}`,
    '--resources=cpus:4;mem:2048', '--log-level=info', '--executor-shutdown-grace-period=2secs', '--registration-backoff-factor=100ms',
    ...(cgroupsRoot ? ['--isolation=cgroups/cpu,cgroups/mem', `--cgroups-root=${cgroupsRoot}`] : []), ...agentFlags,
  ];
  let runs = 0;
  const node: Node = {
    dir, masterUrl, master, agentUrl: `http://127.0.0.1:${agentPort}`, cgroupsRoot,
    agent: startAgora(`agent-${runs}`, args, dir),
    restartAgent() {
      node.agent = startAgora(`agent-${++runs}`, args, dir);
      return node.agent;
    },
  };
  started.push(node);
  return node;
}

interface MasterState {
  slaves: Array<{ id: string; active: boolean }>;
}

const agentsOf = async (n: Node) => (await getJson<MasterState>(`${n.masterUrl}/master/state`)).slaves;
const activeAgent = async (n: Node, id?: string) => (await agentsOf(n)).find((s) => s.active && (id === undefined || s.id === id))?.id;
/** The task's processes (their environment carries MESOS_TASK_ID=<id>), sorted. */
const taskPids = (taskId: string) => pidsMentioning(`MESOS_TASK_ID=${taskId}`).sort((a, b) => a - b);
/** The executor host serving this node's agent (its command line names the socket). */
const hostPids = (n: Node) => pidsMentioning(`--socket=${join(n.dir, 'agent', 'run')}`);
/** Container cgroups under the node's root (the memory controller's: one per container). */
const cgroups = (n: Node) => {
  const d = join('/sys/fs/cgroup/memory', n.cgroupsRoot ?? '-');
  return existsSync(d) ? readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).length : 0;
};

/**
 * Launches `sleep 600` for `fw`. The frameworks hold their offers, so the other one's are
 * declined (filtered for a while, so that they reach `fw`), and it is revived afterwards.
 */
/** Whether the process exists and is not a zombie. */
const running = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const describe = (pids: number[]) => pids.map((pid) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ').slice(0, 4).join(' ');
  } catch {
    return `${pid} gone`;
  }
}).join('; ');

async function launchSleep(fw: TestFramework, other: TestFramework, agentId: string, name: string): Promise<string> {
  const offer = await waitFor(`an offer for ${name}`, () => {
    const held = other.offers.splice(0);
    if (held.length > 0) void other.driver.decline(held.map((o) => o.id), { refuse_seconds: 30 });
    const i = fw.offers.findIndex((o) => o.agent_id.value === agentId);
    return i < 0 ? undefined : fw.offers.splice(i, 1)[0];
  }, 30_000, 50);
  const [task] = await fw.launch(offer, [{ name, command: 'sleep 600' }]);
  await other.driver.revive();
  await fw.waitForState(task!.task_id.value, 'TASK_RUNNING');
  return task!.task_id.value;
}

for (const mode of ['host', 'process'] as const) {
  const withCgroups = mode === 'host' && cgroupsV1;
  test(`${mode} executors${withCgroups ? ' in cgroups' : ''}: SIGTERM leaves checkpointing tasks running for the restarted agent; SIGUSR1 ends everything and unregisters`, async () => {
    const n = await startNode(mode, [`--command-executor=${mode}`], withCgroups ? `agora-e2e-${process.pid}-exit` : undefined);
    const agentId = await waitFor('the agent to register', () => activeAgent(n), 60_000, 50);
    const cp = new TestFramework(n.masterUrl, { name: 'exit-checkpointing', checkpoint: true, failover_timeout: 3600 }).start();
    const plain = new TestFramework(n.masterUrl, { name: 'exit-plain', checkpoint: false }).start();
    try {
      const keep = await launchSleep(cp, plain, agentId, 'keep');
      const lose = await launchSleep(plain, cp, agentId, 'lose');
      const keepPids = taskPids(keep);
      const host = hostPids(n);
      assert.ok(keepPids.length > 0 && taskPids(lose).length > 0, 'the task processes are found');
      if (mode === 'host') assert.equal(host.length, 1, 'one executor host');
      if (withCgroups) assert.equal(cgroups(n), 2, 'a cgroup per container');

      // SIGTERM: an exit.
      const t0 = Date.now();
      n.agent.proc.kill('SIGTERM');
      assert.equal(await n.agent.exited, 0, n.agent.log().slice(-2000));
      const exitMs = Date.now() - t0;
      assert.ok(exitMs < 5000, `the agent exited promptly (${exitMs} ms)`);
      assert.deepEqual(taskPids(keep), keepPids, 'the checkpointing framework\'s task still runs, same processes');
      assert.deepEqual(taskPids(lose), [], 'the other framework\'s task is gone');
      if (mode === 'host') assert.ok(alive(host[0]!), 'the executor host survived the agent');
      if (withCgroups) assert.equal(cgroups(n), 1, 'the surviving container keeps its cgroups; the other\'s are removed');
      const lost = await plain.waitForState(lose, 'TASK_LOST', 10_000);
      assert.equal(lost.reason, 'REASON_AGENT_DISCONNECTED');

      // The restarted agent recovers the task: same processes, never restarted, and a kill works.
      n.restartAgent();
      await waitFor('the agent to re-register', () => activeAgent(n, agentId), 30_000, 50);
      assert.deepEqual(taskPids(keep), keepPids);
      if (mode === 'host') assert.deepEqual(hostPids(n), host, 'the same executor host');
      await cp.driver.kill({ value: keep });
      await cp.waitForState(keep, 'TASK_KILLED', 10_000);
      assert.deepEqual([...new Set(cp.statesOf(keep))], ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED'], 'never restarted nor lost');
      await waitFor(`${keep}'s processes to go`, () => (taskPids(keep).length === 0 ? true : undefined), 10_000, 50);
      console.log(`${mode}: SIGTERM → exit in ${exitMs} ms`);

      // SIGUSR1: the full shutdown.
      const last = await launchSleep(cp, plain, agentId, 'last');
      const lastPids = taskPids(last);
      if (withCgroups) await waitFor('the new container\'s cgroup', () => (cgroups(n) === 1 ? true : undefined), 5000, 50);
      const t1 = Date.now();
      n.agent.proc.kill('SIGUSR1');
      // Removed at once (the ping timeout is 75 s away): the agent unregistered.
      await waitFor('the master to remove the agent', async () => ((await agentsOf(n)).some((s) => s.id === agentId) ? undefined : true), 5000, 25);
      const removedMs = Date.now() - t1;
      assert.equal(await n.agent.exited, 0, n.agent.log().slice(-2000));
      const gone = await waitFor(`${last}'s terminal update`, () => cp.updates.find((u) => u.task_id.value === last && ['TASK_LOST', 'TASK_KILLED'].includes(u.state)), 5000);
      assert.equal(gone.state, 'TASK_LOST', JSON.stringify(gone));
      assert.equal(gone.reason, 'REASON_AGENT_REMOVED');
      // (A killed process may take a moment to be reaped by whoever inherited it.)
      await waitFor(`${last}'s processes to go (${describe(lastPids)})`, () => (lastPids.some(running) ? undefined : true), 3000, 25);
      assert.deepEqual(pidsMentioning(join(n.dir, 'agent')), [], 'nothing of the agent runs: no executor, no executor host');
      if (withCgroups) assert.equal(cgroups(n), 0, 'no cgroup left');
      console.log(`${mode}: SIGUSR1 → removed from the master in ${removedMs} ms, exit in ${Date.now() - t1} ms`);
    } finally {
      await cp.teardown().catch(() => undefined);
      await plain.teardown().catch(() => undefined);
    }
  });
}
