/** The default executor's state machine against a scripted agent (FakeAgentExecutorApi), with real task processes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KillPolicy, TaskInfo, TaskState, TaskStatus } from '@agora/protocol';
import { FakeAgentExecutorApi, type FakeAgentOptions } from '@agora/sdk';
import type { CommandExecutorOptions } from '../command/start.ts';
import { containerIp } from './default-executor.ts';
import { startDefaultExecutor, type DefaultExecutorHandle } from './start.ts';

const EXECUTOR = 'default-exec';

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const task = (id: string, command: string, extra: Partial<TaskInfo> = {}): TaskInfo => ({
  name: id,
  task_id: { value: id },
  agent_id: { value: 'fake-agent-S0' },
  command: { shell: true, value: command },
  ...extra,
});

const grace = (ms: number): KillPolicy => ({ grace_period: { nanoseconds: ms * 1e6 } });

interface Pod {
  agent: FakeAgentExecutorApi;
  sandbox: string;
  handle: DefaultExecutorHandle;
  pids: number[];
  launchGroup(...tasks: TaskInfo[]): void;
  kill(taskId: string, policy?: KillPolicy): void;
  states(taskId: string): TaskState[];
  last(taskId: string): TaskStatus;
  reached(taskId: string, state: TaskState): Promise<void>;
  /** The task's sandbox (`<executor sandbox>/tasks/<id>`). */
  dir(taskId: string): string;
  output(taskId: string, file?: 'stdout' | 'stderr'): Promise<string>;
}

async function pod(body: (p: Pod) => Promise<void>, opts: { agent?: FakeAgentOptions; env?: Record<string, string>; exec?: CommandExecutorOptions } = {}): Promise<void> {
  const agent = await FakeAgentExecutorApi.start({ autoAcknowledge: true, ...opts.agent });
  const sandbox = await mkdtemp(join(tmpdir(), 'agora-default-'));
  const pids: number[] = [];
  const started = startDefaultExecutor(
    { ...agent.environment(EXECUTOR), MESOS_DIRECTORY: sandbox, PATH: process.env.PATH ?? '', ...opts.env },
    { terminalAckTimeoutMs: 2_000, ...opts.exec, onTaskProcess: (pid) => pids.push(pid) },
  );
  assert.ok(started.ok, started.ok ? '' : started.error);
  const handle = started.value;
  const p: Pod = {
    agent,
    sandbox,
    handle,
    pids,
    launchGroup: (...tasks) => assert.ok(agent.send(EXECUTOR, { type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks } } })),
    kill: (taskId, policy) => assert.ok(agent.send(EXECUTOR, { type: 'KILL', kill: { task_id: { value: taskId }, ...(policy ? { kill_policy: policy } : {}) } })),
    states: (taskId) => agent.updates(taskId).map((u) => u.status.state),
    last: (taskId) => agent.updates(taskId).at(-1)!.status,
    reached: (taskId, state) => until(() => p.states(taskId).includes(state), `${state} of ${taskId} (seen ${p.states(taskId).join(', ')})`),
    dir: (taskId) => join(sandbox, 'tasks', taskId),
    output: (taskId, file = 'stdout') => readFile(join(sandbox, 'tasks', taskId, file), 'utf8'),
  };
  try {
    await until(() => agent.subscription(EXECUTOR) !== undefined, 'the subscription');
    await body(p);
  } finally {
    handle.destroy();
    await handle.done;
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await agent.close();
    await rm(sandbox, { recursive: true, force: true });
  }
}

test('a 3-task group: STARTING for all, then RUNNING for all; own sandboxes, processes and process groups; ends after the acks', async () => {
  await pod(async (p) => {
    const script = (n: number) => `echo out-${n}; echo err-${n} >&2; pwd; echo "$MESOS_SANDBOX|$MESOS_TASK_ID|$MESOS_CONTAINER_IP"; ps -o pgid= -p $$ | tr -d ' '`;
    p.launchGroup(task('a', script(1)), task('b', script(2)), task('c', script(3)));
    const exit = await p.handle.done;
    assert.deepEqual(exit, { code: 0, destroyed: false, message: 'no task is left: every terminal status update was acknowledged' });
    const order = p.agent.updates().map((u) => u.status.state);
    assert.deepEqual(order.slice(0, 6), ['TASK_STARTING', 'TASK_STARTING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_RUNNING']);
    assert.equal(p.pids.length, 3);
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      assert.deepEqual(p.states(id), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      assert.equal(p.last(id).message, 'Command exited with status 0');
      assert.equal(p.agent.updates(id)[1]!.status.container_status?.executor_pid, process.pid);
      const [out, cwd, env, pgid] = (await p.output(id)).trim().split('\n');
      assert.equal(out, `out-${i + 1}`);
      assert.equal(cwd, p.dir(id));
      assert.equal(env, `${p.dir(id)}|${id}|127.0.0.1`);
      assert.ok(p.pids.includes(Number(pgid)), 'each task leads its own process group');
      assert.equal(await p.output(id, 'stderr'), `err-${i + 1}\n`);
    }
    assert.equal(p.agent.subscription(EXECUTOR), undefined, 'the executor closed its subscription');
  });
});

test('all or none: a task that cannot be spawned fails the group; the others are stopped before anything runs', async () => {
  await pod(async (p) => {
    p.launchGroup(task('ok1', 'sleep 30'), task('bad', '', { command: { shell: false, value: '/nonexistent/agora-binary' } }), task('ok2', 'sleep 30'));
    await p.handle.done;
    for (const id of ['ok1', 'bad', 'ok2']) {
      assert.deepEqual(p.states(id), ['TASK_STARTING', 'TASK_FAILED']);
      assert.equal(p.last(id).reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    }
    assert.match(p.last('bad').message!, /^Failed to launch the command: spawn \/nonexistent\/agora-binary ENOENT/);
    assert.match(p.last('ok1').message!, /^Task 'bad' of the task group could not be started: Failed to launch the command/);
    assert.equal(p.pids.length, 2, 'two tasks were spawned');
    for (const pid of p.pids) assert.ok(gone(pid), `task process ${pid} was stopped`);
  });
});

test('all or none: a task that cannot be planned (a SECRET variable) means nothing of the group is spawned', async () => {
  await pod(async (p) => {
    const secret = { environment: { variables: [{ name: 'T', type: 'SECRET' as const, secret: { type: 'REFERENCE' as const, reference: { name: 't' } } }] } };
    p.launchGroup(task('x', 'sleep 30'), task('y', 'true', { command: { shell: true, value: 'true', ...secret } }));
    await p.handle.done;
    assert.deepEqual(p.states('x'), ['TASK_STARTING', 'TASK_FAILED']);
    assert.equal(p.last('y').message, "Environment variable 'T' is a secret, and this executor cannot resolve secrets");
    assert.equal(p.pids.length, 0);
  });
});

test('one task failing kills the rest of its group (TASK_KILLED), leaving other groups alone', async () => {
  await pod(async (p) => {
    p.launchGroup(task('keep', 'sleep 30'));
    await p.reached('keep', 'TASK_RUNNING');
    p.launchGroup(task('fails', 'sleep 0.2; exit 3'), task('sib1', 'sleep 30'), task('sib2', "trap 'exit 0' TERM; while true; do sleep 0.05; done"));
    await p.reached('sib1', 'TASK_KILLED');
    await p.reached('sib2', 'TASK_KILLED');
    assert.deepEqual(p.states('fails'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
    assert.equal(p.last('fails').message, 'Command exited with status 3');
    assert.equal(p.last('sib1').message, 'Command terminated with signal SIGTERM');
    assert.equal(p.last('sib2').message, 'Command exited with status 0', 'a task that exits on SIGTERM is still KILLED');
    assert.deepEqual(p.states('keep'), ['TASK_STARTING', 'TASK_RUNNING'], 'another group is untouched');
    assert.equal(p.handle.taskPids().length, 1);
  });
});

test('a task finishing (exit 0) does not kill its group', async () => {
  await pod(async (p) => {
    p.launchGroup(task('quick', 'true'), task('slow', 'sleep 0.3'));
    await p.handle.done;
    assert.deepEqual(p.states('quick'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    assert.deepEqual(p.states('slow'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  });
});

test('KILL of one task kills its whole group: the KILL policy for it, their own kill_policy for the others; TASK_KILLING with the capability', async () => {
  await pod(
    async (p) => {
      const stubborn = "trap '' TERM; echo ready; while true; do sleep 0.05; done";
      p.launchGroup(task('k1', stubborn, { kill_policy: grace(10_000) }), task('k2', stubborn, { kill_policy: grace(600) }), task('k3', 'sleep 30'));
      await p.reached('k3', 'TASK_RUNNING');
      await until(async () => (await p.output('k1').catch(() => '')) === 'ready\n' && (await p.output('k2').catch(() => '')) === 'ready\n', 'the traps');
      const t0 = Date.now();
      p.kill('k1', grace(200));
      await p.reached('k3', 'TASK_KILLED');
      await p.reached('k1', 'TASK_KILLED');
      const k1At = Date.now() - t0;
      await p.reached('k2', 'TASK_KILLED');
      const k2At = Date.now() - t0;
      assert.ok(k1At >= 190 && k1At < 2_000, `k1 killed after ${k1At} ms (the KILL's 200 ms, not its own 10 s)`);
      assert.ok(k2At >= 590 && k2At < 3_000, `k2 killed after ${k2At} ms (its own 600 ms)`);
      for (const id of ['k1', 'k2', 'k3']) assert.deepEqual(p.states(id), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
      assert.equal(p.last('k1').message, 'Command terminated with signal SIGKILL');
      assert.equal(p.last('k3').message, 'Command terminated with signal SIGTERM');
      const exit = await p.handle.done;
      assert.equal(exit.code, 0);
    },
    { agent: { frameworkInfo: { user: process.env.USER ?? 'root', name: 'f', capabilities: [{ type: 'TASK_KILLING_STATE' }] } } },
  );
});

test('a KILL that arrives before the group is spawned: nothing runs, every task TASK_KILLED during launch', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await pod(
    async (p) => {
      p.launchGroup(task('g1', 'sleep 30', { command: { shell: true, value: 'sleep 30', user: 'somebody' } }), task('g2', 'sleep 30'));
      await p.reached('g2', 'TASK_STARTING');
      p.kill('g2');
      await new Promise((r) => setTimeout(r, 50));
      release();
      await p.handle.done;
      for (const id of ['g1', 'g2']) {
        assert.deepEqual(p.states(id), ['TASK_STARTING', 'TASK_KILLED']);
        assert.equal(p.last(id).reason, 'REASON_TASK_KILLED_DURING_LAUNCH');
      }
      assert.equal(p.pids.length, 0);
    },
    {
      exec: {
        // The executor "is root" and looks up the task's user slowly: the KILL arrives meanwhile.
        self: { uid: 0, name: 'agora-self', home: '/' },
        lookupUser: async () => {
          await gate;
          return { ok: true, value: { name: 'somebody', uid: 0, gid: 0, home: '/' } };
        },
      },
    },
  );
});

test('SHUTDOWN kills every task of every group and ends', async () => {
  await pod(
    async (p) => {
      p.launchGroup(task('s1', 'sleep 30'), task('s2', "trap '' TERM; sleep 30", { kill_policy: grace(60_000) }));
      p.launchGroup(task('s3', 'sleep 30'));
      await p.reached('s3', 'TASK_RUNNING');
      await p.reached('s2', 'TASK_RUNNING');
      const t0 = Date.now();
      p.agent.send(EXECUTOR, { type: 'SHUTDOWN' });
      const exit = await p.handle.done;
      const took = Date.now() - t0;
      assert.equal(exit.code, 0);
      assert.ok(took < 3_000, `the 60 s kill grace was capped by the 2 s shutdown grace (took ${took} ms)`);
      for (const id of ['s1', 's2', 's3']) assert.equal(p.last(id).state, 'TASK_KILLED');
      for (const pid of p.pids) await until(() => gone(pid), `task ${pid} to be gone`);
    },
    { env: { MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '2secs' } },
  );
});

test('SHUTDOWN before any group: the executor ends at once', async () => {
  await pod(async (p) => {
    p.agent.send(EXECUTOR, { type: 'SHUTDOWN' });
    assert.deepEqual(await p.handle.done, { code: 0, destroyed: false, message: 'shut down before any task was launched' });
  });
});

test('the executor waits for the terminal acknowledgements before ending; a new group meanwhile keeps it alive', async () => {
  await pod(
    async (p) => {
      let ended = false;
      void p.handle.done.then(() => (ended = true));
      p.launchGroup(task('first', 'true'));
      await p.reached('first', 'TASK_FINISHED');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(ended, false, 'still waiting for the acknowledgement');
      p.launchGroup(task('second', 'sleep 0.2'));
      await p.reached('second', 'TASK_FINISHED');
      const ack = (id: string) => {
        const u = p.agent.updates(id).at(-1)!;
        p.agent.send(EXECUTOR, { type: 'ACKNOWLEDGED', acknowledged: { task_id: u.status.task_id, uuid: u.status.uuid! } });
      };
      ack('first');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(ended, false, "the second task's update is not acknowledged yet");
      ack('second');
      assert.match((await p.handle.done).message, /every terminal status update was acknowledged/);
    },
    { agent: { autoAcknowledge: false }, exec: { terminalAckTimeoutMs: 10_000 } },
  );
});

test('without acknowledgements the executor ends after terminalAckTimeoutMs', async () => {
  await pod(
    async (p) => {
      p.launchGroup(task('t', 'true'));
      const exit = await p.handle.done;
      assert.match(exit.message, /not acknowledged within 150 ms/);
    },
    { agent: { autoAcknowledge: false }, exec: { terminalAckTimeoutMs: 150 } },
  );
});

test('LAUNCH is refused with TASK_ERROR; a replayed LAUNCH_GROUP is ignored; a reused task ID is refused', async () => {
  await pod(async (p) => {
    p.agent.send(EXECUTOR, { type: 'LAUNCH', launch: { task: task('single', 'true') } });
    await p.reached('single', 'TASK_ERROR');
    assert.equal(p.last('single').reason, 'REASON_TASK_INVALID');
    p.launchGroup(task('r1', 'sleep 30'));
    await p.reached('r1', 'TASK_RUNNING');
    p.launchGroup(task('r1', 'sleep 30'));
    p.launchGroup(task('r1', 'sleep 30'), task('r2', 'true'));
    await p.reached('r2', 'TASK_ERROR');
    assert.equal(p.last('r2').reason, 'REASON_TASK_GROUP_INVALID');
    assert.deepEqual(p.states('r1'), ['TASK_STARTING', 'TASK_RUNNING'], 'the running task is untouched');
    assert.equal(p.pids.length, 1);
  });
});

test('destroy() SIGKILLs every task and ends at once; the task sandbox keeps its output', async () => {
  await pod(async (p) => {
    p.launchGroup(task('d1', 'echo hi; sleep 30'), task('d2', 'sleep 30'));
    await p.reached('d2', 'TASK_RUNNING');
    assert.equal(p.handle.taskPids().length, 2);
    p.handle.destroy();
    assert.equal((await p.handle.done).destroyed, true);
    for (const pid of p.pids) await until(() => gone(pid), 'the tasks to die');
    assert.ok((await stat(p.dir('d1'))).isDirectory());
  });
});

test('the non-checkpointing executor loses its agent: tasks killed, exit code 3', async () => {
  await pod(async (p) => {
    p.launchGroup(task('l1', 'sleep 30'), task('l2', 'sleep 30'));
    await p.reached('l2', 'TASK_RUNNING');
    p.agent.closeStream(EXECUTOR);
    assert.equal((await p.handle.done).code, 3);
    for (const pid of p.pids) await until(() => gone(pid), 'the tasks to die');
  });
});

test('an unsafe task ID fails the whole group before anything is spawned', async () => {
  await pod(async (p) => {
    p.launchGroup(task('..', 'true'), task('fine', 'true'));
    await p.handle.done;
    assert.equal(p.last('fine').state, 'TASK_FAILED');
    assert.match(p.last('..').message!, /^Task ID '\.\.'/);
    assert.equal(p.pids.length, 0);
  });
});

test('containerIp: the agent address when it is an IP', () => {
  assert.equal(containerIp('http://10.0.0.5:5051'), '10.0.0.5');
  assert.equal(containerIp('http://[::1]:5051'), '::1');
  assert.equal(containerIp('http://agent.example:5051'), undefined);
});
