/**
 * Agent recovery with real processes (fault scenarios 11–13; Nomad's TestClientState_Kill): a
 * checkpointing framework's tasks run while the agent process is SIGKILLed and restarted ten
 * times in a tight loop. The executors (instances in the executor host, or their own processes)
 * outlive the agent and re-subscribe to each new agent process, which re-registers with the
 * master under the same agent ID. Then:
 *  - the long-running tasks keep their PIDs and were never restarted (STARTING, RUNNING and
 *    nothing else);
 *  - the updates made while the agent was down or bouncing — tasks finishing, a task process
 *    killed — are all delivered;
 *  - an executor killed while the agent is down gets its terminal update once the agent is back
 *    (TASK_FAILED, REASON_EXECUTOR_TERMINATED), and a later kill of a surviving task works.
 * And the agent is SIGKILLed at random moments of launches (while it writes the checkpoints): it
 * must always start again (a half-written checkpoint is incomplete, not corrupt) and no task may
 * stay in TASK_STAGING.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Offer, TaskState, TaskStatus } from '@agora/protocol';
import { buildCommandTask, newTaskId, SchedulerDriver, type Scheduler } from '@agora/sdk';
import { TestFramework } from './support/framework.ts';
import { freePorts, getJson, killMentioning, pidsMentioning, removeDir, startAgora, tempDir, waitFor, type Daemon } from './support/processes.ts';

interface Node {
  dir: string;
  masterUrl: string;
  master: Daemon;
  agent: Daemon;
  agentUrl: string;
  restartAgent(): Daemon;
}

const started: Node[] = [];
after(async () => {
  for (const n of started) {
    // A crash, not a drain: what is left of the test's executors and tasks is killed below.
    await n.agent.kill();
    await n.master.stop();
    killMentioning(n.dir);
    if (process.env.KEEP_E2E_DIRS === undefined) removeDir(n.dir);
  }
});

async function startNode(agentFlags: string[]): Promise<Node> {
  const dir = tempDir('recovery');
  const [masterPort, agentPort] = await freePorts(2);
  const masterUrl = `http://127.0.0.1:${masterPort}`;
  const master = startAgora('master', ['master', `--port=${masterPort}`, `--work-dir=${join(dir, 'master')}`, '--allocation-interval=200ms'], dir);
  await waitFor('the master', async () => ((await fetch(`${masterUrl}/health`)).ok ? true : undefined), 30_000, 100);
  const args = [
    'agent', `--master=127.0.0.1:${masterPort}`, `--port=${agentPort}`, `--work-dir=${join(dir, 'agent')}`, `--runtime-dir=${join(dir, 'agent', 'run')}`,
    '--resources=cpus:4;mem:2048', '--log-level=info', ...agentFlags,
  ];
  let runs = 0;
  const node: Node = {
    dir, masterUrl, master, agentUrl: `http://127.0.0.1:${agentPort}`,
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

const activeAgents = async (n: Node) => (await getJson<MasterState>(`${n.masterUrl}/master/state`)).slaves.filter((s) => s.active).map((s) => s.id);
const agentUp = async (n: Node) => {
  try {
    return (await fetch(`${n.agentUrl}/health`)).ok ? true : undefined;
  } catch {
    return undefined;
  }
};

/** The task's processes (its environment carries MESOS_TASK_ID=<id>), sorted. */
const taskPids = (taskId: string) => pidsMentioning(`MESOS_TASK_ID=${taskId}`).sort((a, b) => a - b);

/**
 * A checkpointing framework that acknowledges explicitly, and only while `acking`: with it off,
 * every update the agent forwards stays pending on the agent (checkpointed, re-sent after each
 * restart) until it is turned on again.
 */
class AckingFramework {
  readonly driver: SchedulerDriver;
  readonly updates: TaskStatus[] = [];
  private offers: Offer[] = [];
  private unacked: TaskStatus[] = [];
  acking = true;

  constructor(masterUrl: string) {
    const scheduler: Scheduler = {
      offers: (_d, offers) => void this.offers.push(...offers),
      rescind: (id) => void (this.offers = this.offers.filter((o) => o.id.value !== id.value)),
      update: (_d, status) => {
        this.updates.push(status);
        if (status.uuid === undefined) return;
        if (this.acking) void this.driver.acknowledge(status);
        else this.unacked.push(status);
      },
    };
    this.driver = new SchedulerDriver({ master: masterUrl, framework: { name: 'recovery', user: 'root', checkpoint: true }, scheduler, implicitAcknowledgements: false }).start();
  }

  startAcking(): void {
    this.acking = true;
    for (const s of this.unacked.splice(0)) void this.driver.acknowledge(s);
  }

  async launch(agentId: string, specs: Array<{ name: string; command: string }>): Promise<string[]> {
    const offer = await waitFor('an offer', () => this.offers.find((o) => o.agent_id.value === agentId));
    this.offers = this.offers.filter((o) => o !== offer);
    const resources = { cpus: 0.1, mem: 32 };
    const tasks = specs.map((s) => buildCommandTask({ ...s, resources }, offer.agent_id, [
      { name: 'cpus', type: 'SCALAR', scalar: { value: resources.cpus } }, { name: 'mem', type: 'SCALAR', scalar: { value: resources.mem } },
    ]));
    const r = await this.driver.launch(offer, tasks, { refuse_seconds: 0 });
    if (!r.ok) throw new Error(`launch failed: ${JSON.stringify(r.error)}`);
    return tasks.map((t) => t.task_id.value);
  }

  /** A task group of `sleep` tasks under a default executor; returns the task IDs. */
  async launchGroup(agentId: string, executorId: string, names: string[]): Promise<string[]> {
    const offer = await waitFor('an offer', () => this.offers.find((o) => o.agent_id.value === agentId));
    this.offers = this.offers.filter((o) => o !== offer);
    const scalar = (name: string, value: number) => ({ name, type: 'SCALAR' as const, scalar: { value } });
    const tasks = names.map((name) => ({
      name, task_id: { value: newTaskId(name) }, agent_id: offer.agent_id, resources: [scalar('cpus', 0.1), scalar('mem', 16)], command: { shell: true, value: 'sleep 600' },
    }));
    const r = await this.driver.launchGroup(offer, { executor_id: { value: executorId }, type: 'DEFAULT', resources: [scalar('cpus', 0.1), scalar('mem', 32)] }, tasks, { refuse_seconds: 0 });
    if (!r.ok) throw new Error(`launch failed: ${JSON.stringify(r.error)}`);
    return tasks.map((t) => t.task_id.value);
  }

  statesOf(taskId: string): TaskState[] {
    return this.updates.filter((u) => u.task_id.value === taskId).map((u) => u.state);
  }

  reached(taskId: string, state: TaskState, timeoutMs = 30_000): Promise<TaskStatus> {
    return waitFor(`${taskId} to reach ${state} (seen: ${this.statesOf(taskId).join(', ') || 'nothing'})`, () => this.updates.find((u) => u.task_id.value === taskId && u.state === state), timeoutMs);
  }
}

const terminal = (fw: { updates: TaskStatus[] }, taskId: string): TaskStatus | undefined =>
  fw.updates.find((u) => u.task_id.value === taskId && ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST'].includes(u.state));

test('agent SIGKILLed ten times in a tight loop (executor host): same PIDs, no restarts, every pending update delivered', async () => {
  const n = await startNode([]);
  const [agentId] = await waitFor('the agent to register', async () => ((await activeAgents(n)).length === 1 ? activeAgents(n) : undefined), 60_000, 100);
  const fw = new AckingFramework(n.masterUrl);
  try {
    const [l1, l2, l3, s1, s2, victim] = (await fw.launch(agentId!, [
      { name: 'long-1', command: 'sleep 600' },
      { name: 'long-2', command: 'sleep 600' },
      { name: 'long-3', command: 'sleep 600' },
      { name: 'short-1', command: 'sleep 2' },
      { name: 'short-2', command: 'sleep 6' },
      { name: 'victim', command: 'sleep 600' },
    ])) as [string, string, string, string, string, string];
    // And a task group under the default executor (an instance in the executor host too).
    const [g1, g2] = (await fw.launchGroup(agentId!, 'pod', ['pod-a', 'pod-b'])) as [string, string];
    for (const t of [l1, l2, l3, s1, s2, victim, g1, g2]) await fw.reached(t, 'TASK_RUNNING');
    const pidsBefore = new Map([l1, l2, l3, g1, g2].map((t) => [t, taskPids(t)]));
    for (const [t, pids] of pidsBefore) assert.ok(pids.length > 0, `the processes of ${t} are found`);
    const victimPids = taskPids(victim);

    // From here on nothing is acknowledged: every update stays pending on the agent.
    fw.acking = false;
    const t0 = Date.now();
    for (let i = 0; i < 9; i++) {
      await n.agent.kill();
      // While the agent is down: a task process dies (its executor reports TASK_FAILED when it can).
      if (i === 2) for (const pid of victimPids) process.kill(pid, 'SIGKILL');
      n.restartAgent();
      await waitFor(`agent run ${i + 1} to answer`, () => agentUp(n), 30_000, 25);
      // Every other time the agent gets as far as re-registering and re-sending its pending updates.
      if (i % 2 === 1) await waitFor(`agent run ${i + 1} to re-register`, async () => ((await activeAgents(n)).includes(agentId!) ? true : undefined), 30_000, 50);
    }

    // The agent re-registers under the same ID and delivers what happened meanwhile.
    await waitFor('the agent to re-register', async () => ((await activeAgents(n)).includes(agentId!) ? true : undefined), 30_000, 100);
    assert.deepEqual(await activeAgents(n), [agentId], 'one agent, the same ID');
    const s1End = await waitFor(`${s1} to end`, () => terminal(fw, s1), 30_000);
    const s2End = await waitFor(`${s2} to end`, () => terminal(fw, s2), 30_000);
    const victimEnd = await waitFor(`${victim} to end`, () => terminal(fw, victim), 30_000);
    assert.equal(s1End.state, 'TASK_FINISHED', JSON.stringify(s1End));
    assert.equal(s2End.state, 'TASK_FINISHED', JSON.stringify(s2End));
    assert.equal(victimEnd.state, 'TASK_FAILED', JSON.stringify(victimEnd));
    assert.match(victimEnd.message ?? '', /signal/);

    // The tenth kill comes while those three terminal updates are checkpointed and unacknowledged:
    // the next agent recovers them and sends them again.
    const seen = (t: string) => fw.updates.filter((u) => u.task_id.value === t && u.state === terminal(fw, t)!.state).length;
    const before = new Map([s1, s2, victim].map((t) => [t, seen(t)]));
    await n.agent.kill();
    n.restartAgent();
    const loopMs = Date.now() - t0;
    await waitFor('the agent to re-register', async () => ((await activeAgents(n)).includes(agentId!) ? true : undefined), 30_000, 50);
    // (At least: an acknowledgement still in flight at the first kill leaves one more pending.)
    const pending = Number(/"pendingUpdates":(\d+),/.exec(n.agent.log())?.[1]);
    assert.ok(pending >= 3, `the last agent recovered the three unacknowledged terminal updates (${pending})`);
    for (const [t, count] of before) await waitFor(`${t}'s terminal update to be sent again`, () => (seen(t) > count ? true : undefined), 30_000);

    // Acknowledged at last: the agent's streams end and the finished executors go.
    fw.startAcking();
    const state = () => getJson<{ frameworks: Array<{ executors: Array<{ id: string; tasks: Array<{ id: string; state: string }> }> }> }>(`${n.agentUrl}/state`);
    await waitFor('the ended executors to be removed', async () => ((await state()).frameworks.flatMap((f) => f.executors).length === 4 ? true : undefined), 20_000);
    const running = (await state()).frameworks.flatMap((f) => f.executors.flatMap((e) => e.tasks)).filter((t) => t.state === 'TASK_RUNNING').map((t) => t.id).sort();
    assert.deepEqual(running, [l1, l2, l3, g1, g2].sort(), 'the agent knows its running tasks again');

    for (const [t, pids] of pidsBefore) {
      assert.deepEqual(taskPids(t), pids, `${t} kept its processes`);
      assert.deepEqual([...new Set(fw.statesOf(t))], ['TASK_STARTING', 'TASK_RUNNING'], `${t} was never restarted nor lost`);
    }
    console.log(`10 SIGKILL/restart cycles in ${loopMs} ms`);

    // A kill after all this still works (the executor is connected to the latest agent).
    await fw.driver.kill({ value: l1 });
    await fw.reached(l1, 'TASK_KILLED', 20_000);
    await waitFor(`${l1}'s processes to go`, () => (taskPids(l1).length === 0 ? true : undefined), 10_000);
  } finally {
    await fw.driver.teardown();
  }
});

test('process executors: one killed while the agent is down gets TASK_FAILED on recovery; the other keeps running', async () => {
  const n = await startNode(['--command-executor=process']);
  const [agentId] = await waitFor('the agent to register', async () => ((await activeAgents(n)).length === 1 ? activeAgents(n) : undefined), 60_000, 100);
  const fw = new TestFramework(n.masterUrl, { name: 'recovery-process', checkpoint: true }).start();
  try {
    const offer = await fw.takeOffer(agentId);
    const [keep, lose] = (await fw.launch(offer, [{ name: 'keep', command: 'sleep 600' }, { name: 'lose', command: 'sleep 600' }])).map((t) => t.task_id.value) as [string, string];
    const running = await fw.waitForState(keep, 'TASK_RUNNING');
    const lost = await fw.waitForState(lose, 'TASK_RUNNING');
    const keepPids = taskPids(keep);
    const keepExecutor = running.container_status?.executor_pid;
    const loseExecutor = lost.container_status?.executor_pid;
    assert.ok(keepExecutor && loseExecutor, 'TASK_RUNNING carries the executor PIDs');
    assert.ok(readFileSync(`/proc/${loseExecutor}/environ`, 'utf8').includes(`MESOS_EXECUTOR_ID=${lose}`), 'the executor process is the task\'s');

    await n.agent.kill();
    process.kill(loseExecutor, 'SIGKILL');
    n.restartAgent();

    const failed = await fw.waitForState(lose, 'TASK_FAILED', 30_000);
    assert.equal(failed.reason, 'REASON_EXECUTOR_TERMINATED');
    assert.equal(failed.source, 'SOURCE_AGENT');
    await waitFor(`${lose}'s orphaned task process to be killed`, () => (taskPids(lose).length === 0 ? true : undefined), 10_000);
    assert.deepEqual(taskPids(keep), keepPids, 'the other task kept its processes');
    assert.deepEqual([...new Set(fw.statesOf(keep))], ['TASK_STARTING', 'TASK_RUNNING']);
    assert.ok(readFileSync(`/proc/${keepExecutor}/stat`, 'utf8').startsWith(`${keepExecutor} `), 'and its executor');

    await fw.driver.kill({ value: keep });
    await fw.waitForState(keep, 'TASK_KILLED', 20_000);
  } finally {
    await fw.teardown();
  }
});

test('agent SIGKILLed at random moments of a launch (checkpoint writes under way): it always starts again, and no task is left staging', async () => {
  const n = await startNode([]);
  const [agentId] = await waitFor('the agent to register', async () => ((await activeAgents(n)).length === 1 ? activeAgents(n) : undefined), 60_000, 100);
  const fw = new TestFramework(n.masterUrl, { name: 'recovery-mid-launch', checkpoint: true, failover_timeout: 3600 }).start();
  // Seeded, so that a failing round can be replayed: AGORA_E2E_SEED=<seed>.
  const seed = Number(process.env.AGORA_E2E_SEED ?? Date.now() % 100_000);
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const launched: string[] = [];
  try {
    for (let round = 0; round < 8; round++) {
      const offer = await fw.takeOffer(agentId);
      const ids = (await fw.launch(offer, [1, 2, 3].map((i) => ({ name: `r${round}-${i}`, command: 'sleep 600' })))).map((t) => t.task_id.value);
      launched.push(...ids);
      // 0–120 ms: from before the agent has the launch, through its checkpoint writes, to the executors starting.
      const delay = Math.floor(rand() * 120);
      await new Promise((r) => setTimeout(r, delay));
      await n.agent.kill();
      const agent = n.restartAgent();
      const outcome = await Promise.race([
        waitFor(`agent run ${round + 1} to re-register`, async () => ((await activeAgents(n)).includes(agentId!) ? 'registered' : undefined), 30_000, 50),
        agent.exited.then((code) => `exited (${String(code)})`),
      ]);
      assert.equal(outcome, 'registered', `seed ${seed}, round ${round}, killed ${delay} ms after the launch: the agent ${outcome}:\n${agent.log().slice(-3000)}`);
    }
    // Every task launched is running (it was launched before the kill, or after the restart) or
    // reported lost/failed (the kill came first): none is left staging on the master.
    for (const t of launched) {
      await waitFor(`${t} (seed ${seed}) to get past staging (seen: ${fw.statesOf(t).join(', ')})`, () => (fw.statesOf(t).some((s) => s !== 'TASK_STAGING') ? true : undefined), 60_000, 100);
    }
    const states = launched.map((t) => fw.statesOf(t).at(-1));
    console.log(`seed ${seed}: ${launched.length} tasks: ${[...new Set(states)].map((s) => `${s} ×${states.filter((y) => y === s).length}`).join(', ')}`);
  } finally {
    await fw.teardown();
  }
});
