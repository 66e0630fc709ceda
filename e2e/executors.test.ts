/**
 * Executors end to end on a real cluster (a master, three agents; agent 2 runs default executors
 * as their own processes, agent 1 in the executor host; agent 3 gives executors only 2 s to
 * subscribe, and only the test about that uses it):
 *  - custom executors (e2e/fixtures/test-executor.ts, on the SDK's ExecutorDriver): many tasks in
 *    one process, framework messages both ways, SHUTDOWN with the executor's shutdown grace
 *    period, an executor that exits on its own, one that never subscribes, executor resources in
 *    the master's accounting;
 *  - task groups under the default executor: separate task sandboxes read through /files, one
 *    task failing kills the others, a KILL of one task kills the group.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExecutorInfo, KillPolicy, Offer, Resource, TaskInfo, TaskState, TaskStatus } from '@agora/protocol';
import { SchedulerDriver, newTaskId, type Scheduler } from '@agora/sdk';
import { startCluster, type Cluster } from './support/cluster.ts';
import { alive, getJson, pidsMentioning, waitFor } from './support/processes.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/test-executor.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

const scalars = (r: Record<string, number>): Resource[] => Object.entries(r).map(([name, value]) => ({ name, type: 'SCALAR', scalar: { value } }));
const grace = (ms: number): KillPolicy => ({ grace_period: { nanoseconds: ms * 1e6 } });

/** A framework that records what the executor API path produces: updates, messages, failures. */
class Recorder {
  readonly driver: SchedulerDriver;
  offers: Offer[] = [];
  readonly updates: TaskStatus[] = [];
  readonly messages: Array<{ agentId: string; executorId: string; text: string }> = [];
  readonly failures: Array<{ agentId?: string; executorId?: string; status?: number; at: number }> = [];

  constructor(masterUrl: string, name: string, info: { checkpoint?: boolean } = {}) {
    const scheduler: Scheduler = {
      offers: (_d, offers) => void this.offers.push(...offers),
      rescind: (id) => void (this.offers = this.offers.filter((o) => o.id.value !== id.value)),
      update: (_d, status) => void this.updates.push(status),
      message: (agentId, executorId, data) => void this.messages.push({ agentId: agentId.value, executorId: executorId.value, text: new TextDecoder().decode(data) }),
      failure: (agentId, executorId, status) =>
        void this.failures.push({ at: Date.now(), ...(agentId ? { agentId: agentId.value } : {}), ...(executorId ? { executorId: executorId.value } : {}), ...(status !== undefined ? { status } : {}) }),
    };
    this.driver = new SchedulerDriver({ master: masterUrl, framework: { name, user: 'root', capabilities: [{ type: 'TASK_KILLING_STATE' }], ...info }, scheduler }).start();
  }

  /** An offer from `agentId`, or from any agent but the impatient one. */
  takeOffer(agentId?: string): Promise<Offer> {
    return waitFor(`an offer${agentId ? ` from ${agentId}` : ''}`, () => {
      const i = this.offers.findIndex((o) => (agentId === undefined ? o.agent_id.value !== impatientAgent : o.agent_id.value === agentId));
      return i < 0 ? undefined : this.offers.splice(i, 1)[0];
    });
  }

  states(taskId: string): TaskState[] {
    return this.updates.filter((u) => u.task_id.value === taskId).map((u) => u.state);
  }

  reached(taskId: string, state: TaskState, timeoutMs = 30_000): Promise<TaskStatus> {
    return waitFor(`${taskId} to reach ${state} (seen: ${this.states(taskId).join(', ') || 'nothing'})`, () => this.updates.find((u) => u.task_id.value === taskId && u.state === state), timeoutMs);
  }

  message(pattern: RegExp): Promise<RegExpExecArray> {
    return waitFor(`a framework message matching ${pattern}`, () => {
      for (const m of this.messages) {
        const hit = pattern.exec(m.text);
        if (hit) return hit;
      }
      return undefined;
    });
  }
}

let c: Cluster;
/** The agent with a 2 s executor registration timeout. */
let impatientAgent = '';
const recorders: Recorder[] = [];
const framework = (name: string, info: { checkpoint?: boolean } = {}) => {
  const r = new Recorder(c.masterUrl, name, info);
  recorders.push(r);
  return r;
};

before(async () => {
  c = await startCluster({
    agents: 3,
    masterFlags: ['--allocation-interval=300ms'],
    agentFlags: (i) => [
      '--resources=cpus:4;mem:2048;disk:1024',
      ...(i === 1 ? ['--default-executor=process'] : []),
      ...(i === 2 ? ['--executor-registration-timeout=2secs'] : []),
    ],
  });
  impatientAgent = (await c.agentIds())[2]!;
});

afterEach(async () => {
  for (const r of recorders.splice(0)) await r.driver.teardown().catch(() => undefined);
});

after(async () => {
  await c?.stop();
});

// ───────────────────────────── custom executors ─────────────────────────────

function customExecutor(id: string, extra: Partial<ExecutorInfo> = {}, env: Record<string, string> = {}): ExecutorInfo {
  return {
    executor_id: { value: id },
    name: `test executor ${id}`,
    type: 'CUSTOM',
    command: {
      shell: true,
      value: `'${process.execPath}' --import '${TSX}' '${FIXTURE}'`,
      environment: { variables: Object.entries(env).map(([name, value]) => ({ name, type: 'VALUE' as const, value })) },
    },
    resources: scalars({ cpus: 0.25, mem: 64 }),
    ...extra,
  };
}

function customTask(offer: Offer, executor: ExecutorInfo, behaviour: 'run' | 'finish' | 'crash' | `finish-after:${number}`): TaskInfo {
  return {
    name: behaviour.replace(/:.*/, ''),
    task_id: { value: newTaskId(behaviour) },
    agent_id: offer.agent_id,
    resources: scalars({ cpus: 0.5, mem: 32 }),
    executor,
    labels: { labels: [{ key: 'behaviour', value: behaviour }] },
  };
}

async function launch(r: Recorder, offer: Offer, tasks: TaskInfo[]): Promise<void> {
  const res = await r.driver.launch(offer, tasks, { refuse_seconds: 0 });
  assert.ok(res.ok, JSON.stringify(res.ok ? '' : res.error));
}

/** The master's view of the resources a framework uses (its tasks and its executors). */
async function usedBy(r: Recorder): Promise<{ cpus: number; mem: number }> {
  const s = await getJson<{ frameworks: Array<{ id: string; used_resources: { cpus: number; mem: number } }> }>(`${c.masterUrl}/master/frameworks`);
  return s.frameworks.find((f) => f.id === r.driver.frameworkId)!.used_resources;
}
const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;

test('custom executor: two LAUNCHes reach the same process; framework messages both ways; its resources are accounted while it runs', async () => {
  const r = framework('custom-many');
  const first = await r.takeOffer();
  const agentId = first.agent_id.value;
  const executor = customExecutor('many');
  const t1 = customTask(first, executor, 'run');
  await launch(r, first, [t1]);
  await r.reached(t1.task_id.value, 'TASK_RUNNING');
  const pid1 = Number((await r.message(new RegExp(`^launched ${t1.task_id.value} pid=(\\d+)$`)))[1]);
  assert.ok(alive(pid1));
  const used = await usedBy(r);
  assert.ok(near(used.cpus, 0.75) && near(used.mem, 96), `task + executor: ${JSON.stringify(used)}`);

  const second = await r.takeOffer(agentId);
  const t2 = customTask(second, executor, 'finish');
  await launch(r, second, [t2]);
  await r.reached(t2.task_id.value, 'TASK_FINISHED');
  const pid2 = Number((await r.message(new RegExp(`^launched ${t2.task_id.value} pid=(\\d+)$`)))[1]);
  assert.equal(pid2, pid1, 'the second task reached the same executor process');
  const fw = await getJson<{ frameworks: Array<{ id: string; executors: Array<{ executor_id: string; resources: { cpus: number } }> }> }>(`${c.masterUrl}/master/state`);
  assert.equal(fw.frameworks.find((f) => f.id === r.driver.frameworkId)!.executors.filter((e) => e.executor_id === 'many').length, 1);
  await waitFor('the finished task to be released', async () => (near((await usedBy(r)).cpus, 0.75) ? true : undefined), 5_000);

  const sent = await r.driver.message(agentId, 'many', 'ping:hello');
  assert.ok(sent.ok);
  const pong = await r.message(/^pong:hello pid=(\d+)$/);
  assert.equal(Number(pong[1]), pid1);
  assert.ok(r.messages.every((m) => m.agentId === agentId && m.executorId === 'many'));

  await r.driver.kill(t1.task_id.value, agentId);
  await r.reached(t1.task_id.value, 'TASK_KILLED');
});

test('SHUTDOWN honours the shutdown_grace_period; then the container is destroyed, TASK_FAILED/REASON_EXECUTOR_TERMINATED and FAILURE', async () => {
  const r = framework('custom-shutdown');
  const offer = await r.takeOffer();
  const agentId = offer.agent_id.value;
  // Ignores SHUTDOWN, so only the agent's destroy after the 2 s grace period ends it.
  const executor = customExecutor('stubborn', { shutdown_grace_period: { nanoseconds: 2e9 } }, { ON_SHUTDOWN: 'ignore' });
  const task = customTask(offer, executor, 'run');
  await launch(r, offer, [task]);
  await r.reached(task.task_id.value, 'TASK_RUNNING');
  const pid = Number((await r.message(/^launched \S+ pid=(\d+)$/))[1]);
  const t0 = Date.now();
  assert.ok((await r.driver.shutdown('stubborn', agentId)).ok);
  const failed = await r.reached(task.task_id.value, 'TASK_FAILED', 20_000);
  const took = Date.now() - t0;
  assert.ok(took >= 1_900, `destroyed after ${took} ms, before the 2 s grace period`);
  assert.equal(failed.reason, 'REASON_EXECUTOR_TERMINATED');
  assert.equal(failed.source, 'SOURCE_AGENT');
  await waitFor('the executor process to be gone', () => (!alive(pid) ? true : undefined), 10_000);
  const failure = await waitFor('FAILURE for the executor', () => r.failures.find((f) => f.executorId === 'stubborn'));
  assert.equal(failure.agentId, agentId);
  assert.equal(failure.status, 9, 'killed by SIGKILL (wait status)');
  await waitFor('the executor resources to be released', async () => ((await usedBy(r)).cpus === 0 ? true : undefined), 10_000);
});

test('an executor that exits on its own: TASK_FAILED/REASON_EXECUTOR_TERMINATED for its tasks, FAILURE with the exit status', async () => {
  const r = framework('custom-crash');
  const offer = await r.takeOffer();
  const agentId = offer.agent_id.value;
  const executor = customExecutor('crasher');
  const keep = customTask(offer, executor, 'run');
  const crash = customTask(offer, executor, 'crash');
  await launch(r, offer, [keep, crash]);
  const failed = await r.reached(keep.task_id.value, 'TASK_FAILED');
  assert.equal(failed.reason, 'REASON_EXECUTOR_TERMINATED');
  assert.match(failed.message ?? '', /exited with status 7/);
  assert.equal((await r.reached(crash.task_id.value, 'TASK_FAILED')).reason, 'REASON_EXECUTOR_TERMINATED');
  const failure = await waitFor('FAILURE for the executor', () => r.failures.find((f) => f.executorId === 'crasher'));
  assert.deepEqual({ agentId: failure.agentId, status: failure.status }, { agentId, status: 7 << 8 });
  await waitFor('the resources to be released', async () => ((await usedBy(r)).cpus === 0 ? true : undefined), 10_000);
});

test('an executor that never subscribes is destroyed after --executor-registration-timeout: TASK_FAILED/REASON_EXECUTOR_REGISTRATION_TIMEOUT', async () => {
  const r = framework('custom-silent');
  const offer = await r.takeOffer(impatientAgent);
  // A "custom executor" that never speaks the executor API.
  const executor: ExecutorInfo = { ...customExecutor('silent'), command: { shell: true, value: 'exec sleep 300' } };
  const task = customTask(offer, executor, 'run');
  const t0 = Date.now();
  await launch(r, offer, [task]);
  const silent = () => pidsMentioning(`MESOS_EXECUTOR_ID=silent\0`);
  const [pid] = await waitFor('the executor process to start', () => (silent().length > 0 ? silent() : undefined), 10_000);
  const failed = await r.reached(task.task_id.value, 'TASK_FAILED', 20_000);
  assert.equal(failed.reason, 'REASON_EXECUTOR_REGISTRATION_TIMEOUT');
  assert.equal(failed.source, 'SOURCE_AGENT');
  assert.ok(Date.now() - t0 >= 1_900, 'not before the 2 s registration timeout');
  assert.deepEqual(r.states(task.task_id.value), ['TASK_FAILED'], 'no update before: the executor never ran the task');
  await waitFor('the executor process to be killed', () => (!alive(pid!) ? true : undefined), 10_000);
  const failure = await waitFor('FAILURE for the executor', () => r.failures.find((f) => f.executorId === 'silent'));
  assert.equal(failure.agentId, impatientAgent);
  await waitFor('the resources to be released', async () => ((await usedBy(r)).cpus === 0 ? true : undefined), 10_000);
});

test('a checkpointing framework\'s custom executor outlives an agent restart: same process, its update made while the agent was down delivered, later calls work', async () => {
  const r = framework('custom-recovery', { checkpoint: true });
  const agentId = (await c.agentIds())[0]!;
  const offer = await r.takeOffer(agentId);
  const executor = customExecutor('survivor');
  const later = customTask(offer, executor, 'finish-after:1500');
  const keep = customTask(offer, executor, 'run');
  await launch(r, offer, [later, keep]);
  await r.reached(later.task_id.value, 'TASK_RUNNING');
  await r.reached(keep.task_id.value, 'TASK_RUNNING');
  const pid = Number((await r.message(/^launched \S+ pid=(\d+)$/))[1]);

  // Down for 3 s: the task finishes meanwhile, and the executor's driver keeps that update.
  await c.restartAgent(0, 3_000);
  const finished = await r.reached(later.task_id.value, 'TASK_FINISHED', 30_000);
  assert.match(finished.message ?? '', /while the driver was (RECOVERING|DISCONNECTED)/, 'made while the agent was away');
  assert.deepEqual(r.states(later.task_id.value), ['TASK_RUNNING', 'TASK_FINISHED']);
  assert.ok(alive(pid), 'the executor process was not restarted');

  assert.ok((await r.driver.message(agentId, 'survivor', 'ping:back')).ok);
  assert.equal(Number((await r.message(/^pong:back pid=(\d+)$/))[1]), pid, 'the same process answers through the new agent');
  await r.driver.kill(keep.task_id.value, agentId);
  await r.reached(keep.task_id.value, 'TASK_KILLED');
  assert.deepEqual(r.states(keep.task_id.value), ['TASK_RUNNING', 'TASK_KILLED'], 'never restarted, never lost');
});

// ───────────────────────────── task groups (the default executor) ─────────────────────────────

const defaultExecutor = (id: string): ExecutorInfo => ({ executor_id: { value: id }, type: 'DEFAULT', resources: scalars({ cpus: 0.1, mem: 32 }) });

function groupTask(offer: Offer, name: string, command: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  return { name, task_id: { value: newTaskId(name) }, agent_id: offer.agent_id, resources: scalars({ cpus: 0.1, mem: 16 }), command: { shell: true, value: command }, ...extra };
}

async function launchGroup(r: Recorder, offer: Offer, executor: ExecutorInfo, tasks: TaskInfo[]): Promise<void> {
  const res = await r.driver.launchGroup(offer, executor, tasks, { refuse_seconds: 0 });
  assert.ok(res.ok, JSON.stringify(res.ok ? '' : res.error));
}

interface AgentState {
  frameworks: Array<{ id: string; executors: Array<{ id: string; directory: string; tasks: Array<{ id: string; executor_id: string; state: string }> }> }>;
}

for (const agentIndex of [0, 1]) {
  const mode = agentIndex === 0 ? 'executor host' : 'own process';
  test(`task group (${mode}): 3 tasks run together, each in its own sandbox, read through /files; /state on agent and master`, async () => {
    const r = framework(`pod-${agentIndex}`);
    const agentId = (await c.agentIds())[agentIndex]!;
    const offer = await r.takeOffer(agentId);
    const tasks = ['web', 'db', 'cache'].map((n) => groupTask(offer, n, `echo "$MESOS_TASK_ID in $MESOS_SANDBOX"; sleep 300`));
    await launchGroup(r, offer, defaultExecutor('pod'), tasks);
    for (const t of tasks) await r.reached(t.task_id.value, 'TASK_RUNNING');
    for (const t of tasks) assert.deepEqual(r.states(t.task_id.value), ['TASK_STARTING', 'TASK_RUNNING']);
    const executorPid = r.updates.find((u) => u.state === 'TASK_RUNNING')!.container_status!.executor_pid!;
    const expected = agentIndex === 0 ? 'agora-executor-host' : 'agora-default-executor';
    assert.ok(readFileSync(`/proc/${executorPid}/cmdline`, 'utf8').includes(expected), `the executor runs in ${expected}`);

    const agentUrl = c.agentUrls[agentIndex]!;
    const state = await getJson<AgentState>(`${agentUrl}/state`);
    const ex = state.frameworks.find((f) => f.id === r.driver.frameworkId)!.executors.find((e) => e.id === 'pod')!;
    assert.deepEqual(ex.tasks.map((t) => t.id).sort(), tasks.map((t) => t.task_id.value).sort());
    assert.ok(ex.tasks.every((t) => t.executor_id === 'pod' && t.state === 'TASK_RUNNING'));
    for (const t of tasks) {
      const path = `${ex.directory}/tasks/${t.task_id.value}/stdout`;
      const read = await waitFor(`${t.name}'s stdout`, async () => {
        const got = await getJson<{ data: string }>(`${agentUrl}/files/read?path=${encodeURIComponent(path)}&offset=0`);
        return got.data === '' ? undefined : got.data;
      });
      assert.equal(read, `${t.task_id.value} in ${ex.directory}/tasks/${t.task_id.value}\n`);
    }
    const master = await getJson<{ frameworks: Array<{ id: string; tasks: Array<{ id: string; executor_id: string; state: string }>; executors: Array<{ executor_id: string; type: string }> }> }>(`${c.masterUrl}/master/state`);
    const mfw = master.frameworks.find((f) => f.id === r.driver.frameworkId)!;
    assert.deepEqual(mfw.tasks.map((t) => [t.executor_id, t.state]), tasks.map(() => ['pod', 'TASK_RUNNING']));
    assert.deepEqual(mfw.executors.map((e) => [e.executor_id, e.type]), [['pod', 'DEFAULT']]);
    assert.ok(near((await usedBy(r)).cpus, 0.4), 'three tasks and the executor');
  });
}

test('task group: one task failing kills the others (TASK_KILLED)', async () => {
  const r = framework('pod-failing');
  const offer = await r.takeOffer();
  const failing = groupTask(offer, 'failing', 'sleep 1; exit 4');
  const others = [groupTask(offer, 'other1', 'sleep 300'), groupTask(offer, 'other2', 'sleep 300')];
  await launchGroup(r, offer, defaultExecutor('pod-f'), [failing, ...others]);
  const f = await r.reached(failing.task_id.value, 'TASK_FAILED');
  assert.equal(f.message, 'Command exited with status 4');
  for (const t of others) {
    await r.reached(t.task_id.value, 'TASK_KILLED');
    assert.deepEqual(r.states(t.task_id.value), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
  }
  await waitFor('FAILURE for the finished default executor', () => r.failures.find((x) => x.executorId === 'pod-f'));
});

test('task group: a KILL of one task kills the whole group, each with its kill policy', async () => {
  const r = framework('pod-kill');
  const offer = await r.takeOffer();
  const tasks = [
    groupTask(offer, 'a', 'sleep 300'),
    groupTask(offer, 'b', "trap '' TERM; sleep 300", { kill_policy: grace(1_000) }),
    groupTask(offer, 'c', 'sleep 300'),
  ];
  await launchGroup(r, offer, defaultExecutor('pod-k'), tasks);
  for (const t of tasks) await r.reached(t.task_id.value, 'TASK_RUNNING');
  const t0 = Date.now();
  await r.driver.kill(tasks[0]!.task_id.value, offer.agent_id);
  for (const t of tasks) await r.reached(t.task_id.value, 'TASK_KILLED');
  const stubborn = r.updates.find((u) => u.task_id.value === tasks[1]!.task_id.value && u.state === 'TASK_KILLED')!;
  assert.equal(stubborn.message, 'Command terminated with signal SIGKILL');
  assert.ok(Date.now() - t0 >= 900, 'the task that ignores SIGTERM got its 1 s grace');
});
