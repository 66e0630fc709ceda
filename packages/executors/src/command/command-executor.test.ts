import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskInfo, TaskState } from '@agora/protocol';
import { FakeAgentExecutorApi, type FakeAgentOptions } from '@agora/sdk';
import { startCommandExecutor, type CommandExecutorHandle, type CommandExecutorOptions } from './start.ts';

/** Whether the process exists and is not a zombie (an orphan waits for init to reap it). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const shellTask = (value: string, extra: Partial<TaskInfo> = {}): TaskInfo => ({
  name: 't1',
  task_id: { value: 't1' },
  agent_id: { value: 'fake-agent-S0' },
  command: { shell: true, value },
  ...extra,
});

interface Scenario {
  agent: FakeAgentExecutorApi;
  sandbox: string;
  handle: CommandExecutorHandle;
  pids: number[];
  states(taskId?: string): TaskState[];
  waitForState(state: TaskState, taskId?: string): Promise<void>;
  launch(task: TaskInfo): void;
}

/** A fake agent (auto-acknowledging unless told otherwise), a temp sandbox, and a command executor subscribed to it. */
async function scenario(
  body: (s: Scenario) => Promise<void>,
  opts: { agent?: FakeAgentOptions; env?: Record<string, string>; exec?: CommandExecutorOptions; sandboxMode?: number } = {},
): Promise<void> {
  const agent = await FakeAgentExecutorApi.start({ autoAcknowledge: true, ...opts.agent });
  const sandbox = await mkdtemp(join(tmpdir(), 'agora-cmd-'));
  if (opts.sandboxMode !== undefined) await chmod(sandbox, opts.sandboxMode);
  const pids: number[] = [];
  const started = startCommandExecutor(
    { ...agent.environment('exec-1'), MESOS_DIRECTORY: sandbox, PATH: process.env.PATH ?? '', ...opts.env },
    { terminalAckTimeoutMs: 2_000, ...opts.exec, onTaskProcess: (pid) => pids.push(pid) },
  );
  assert.ok(started.ok, started.ok ? '' : started.error);
  const handle = started.value;
  const s: Scenario = {
    agent,
    sandbox,
    handle,
    pids,
    states: (taskId = 't1') => agent.updates(taskId).map((u) => u.status.state),
    waitForState: (state, taskId = 't1') => eventually(() => s.states(taskId).includes(state), `${state} of ${taskId}`),
    launch: (task) => {
      assert.ok(agent.send('exec-1', { type: 'LAUNCH', launch: { task } }));
    },
  };
  try {
    await eventually(() => agent.subscription('exec-1') !== undefined, 'subscription');
    await body(s);
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

const lastStatus = (s: Scenario, taskId = 't1') => s.agent.updates(taskId).at(-1)!.status;

test('exit 0: STARTING, RUNNING (with executor_pid), FINISHED; stdout/stderr appended to the sandbox files', async () => {
  await scenario(async (s) => {
    await writeFile(join(s.sandbox, 'stdout'), 'earlier\n');
    s.launch(shellTask('echo out; echo err >&2; pwd'));
    const exit = await s.handle.done;
    assert.deepEqual(exit, { code: 0, destroyed: false, message: 'the terminal status update was acknowledged' });
    assert.deepEqual(s.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const [starting, running, finished] = s.agent.updates('t1').map((u) => u.status);
    assert.equal(starting!.source, 'SOURCE_EXECUTOR');
    assert.equal(running!.container_status?.executor_pid, process.pid);
    assert.equal(finished!.message, 'Command exited with status 0');
    assert.equal(s.pids.length, 1);
    assert.equal(await readFile(join(s.sandbox, 'stdout'), 'utf8'), `earlier\nout\n${s.sandbox}\n`);
    assert.equal(await readFile(join(s.sandbox, 'stderr'), 'utf8'), 'err\n');
    assert.equal(s.agent.subscription('exec-1'), undefined, 'the executor closed its subscription');
  });
});

test('exit 3: TASK_FAILED with the status in the message', async () => {
  await scenario(async (s) => {
    s.launch(shellTask('exit 3'));
    await s.handle.done;
    assert.deepEqual(s.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
    assert.equal(lastStatus(s).message, 'Command exited with status 3');
    assert.equal(lastStatus(s).reason, undefined);
  });
});

test('killed by a signal (not by a KILL): TASK_FAILED naming the signal', async () => {
  await scenario(async (s) => {
    s.launch(shellTask('kill -USR1 $$'));
    await s.handle.done;
    assert.deepEqual(s.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FAILED']);
    assert.equal(lastStatus(s).message, 'Command terminated with signal SIGUSR1');
  });
});

test('argv form: value is the executable, arguments the whole argv including argv[0]', async () => {
  await scenario(async (s) => {
    const script = 'tr "\\0" "|" < /proc/$$/cmdline';
    s.launch(shellTask('', { command: { shell: false, value: '/bin/sh', arguments: ['my-argv0', '-c', script, 'first arg'] } }));
    await s.handle.done;
    assert.equal(lastStatus(s).state, 'TASK_FINISHED');
    assert.equal(await readFile(join(s.sandbox, 'stdout'), 'utf8'), `my-argv0|-c|${script}|first arg|`);
  });
});

test('argv form with a missing executable: TASK_FAILED from the spawn error', async () => {
  await scenario(async (s) => {
    s.launch(shellTask('', { command: { shell: false, value: '/nonexistent/agora-binary' } }));
    await s.handle.done;
    assert.deepEqual(s.states(), ['TASK_STARTING', 'TASK_FAILED']);
    assert.match(lastStatus(s).message!, /^Failed to launch the command: spawn \/nonexistent\/agora-binary ENOENT/);
    assert.equal(lastStatus(s).reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  });
});

test('environment: CommandInfo variables over a sane base; nothing leaks from the executor process', async () => {
  await scenario(
    async (s) => {
      s.launch(
        shellTask('env > env.txt', {
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: 'eng' } }],
          command: { shell: true, value: 'env > env.txt', environment: { variables: [{ name: 'GREETING', type: 'VALUE', value: 'hello world' }, { name: 'PATH', type: 'VALUE', value: '/usr/bin:/bin' }] } },
        }),
      );
      await s.handle.done;
      assert.equal(lastStatus(s).state, 'TASK_FINISHED');
      const env = Object.fromEntries(
        (await readFile(join(s.sandbox, 'env.txt'), 'utf8'))
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      assert.equal(env.GREETING, 'hello world');
      assert.equal(env.PATH, '/usr/bin:/bin', 'the task overrides the base');
      assert.equal(env.MESOS_TASK_ID, 't1');
      assert.equal(env.MESOS_SANDBOX, s.sandbox);
      assert.equal(env.MESOS_FRAMEWORK_ID, 'fake-framework-0000');
      assert.equal(env.MESOS_EXECUTOR_ID, 'exec-1');
      assert.equal(env.MESOS_AGENT_ENDPOINT, s.agent.endpoint);
      assert.equal(env.MESOS_ALLOCATION_ROLE, 'eng');
      assert.ok(env.HOME !== undefined && env.HOME !== '');
      assert.equal(env.AGORA_TEST, undefined, "the executor's own environment is not passed on");
      assert.equal(env.SECRET_OF_THE_EXECUTOR, undefined);
      assert.equal(env.AGORA_CONTAINER_ID, 'container-7', 'the agent finds container processes by it');
    },
    { env: { SECRET_OF_THE_EXECUTOR: 'x', AGORA_CONTAINER_ID: 'container-7' } },
  );
});

test('a SECRET environment variable fails the task clearly', async () => {
  await scenario(async (s) => {
    s.launch(
      shellTask('true', {
        command: { shell: true, value: 'true', environment: { variables: [{ name: 'TOKEN', type: 'SECRET', secret: { type: 'REFERENCE', reference: { name: 'token' } } }] } },
      }),
    );
    await s.handle.done;
    assert.deepEqual(s.states(), ['TASK_STARTING', 'TASK_FAILED']);
    assert.equal(lastStatus(s).message, "Environment variable 'TOKEN' is a secret, and this executor cannot resolve secrets");
    assert.equal(s.pids.length, 0);
  });
});

test('KILL: SIGTERM, then SIGKILL after the grace period for a task that ignores SIGTERM', async () => {
  await scenario(async (s) => {
    s.launch(shellTask("trap '' TERM; echo ready; sleep 30", { kill_policy: { grace_period: { nanoseconds: 10e9 } } }));
    await s.waitForState('TASK_RUNNING');
    await eventually(async () => (await readFile(join(s.sandbox, 'stdout'), 'utf8').catch(() => '')) === 'ready\n', 'the trap');
    const t0 = Date.now();
    // The KILL event's policy (300 ms) overrides the task's (10 s).
    s.agent.send('exec-1', { type: 'KILL', kill: { task_id: { value: 't1' }, kill_policy: { grace_period: { nanoseconds: 300e6 } } } });
    await s.waitForState('TASK_KILLED');
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 290 && elapsed < 3_000, `killed after ${elapsed} ms`);
    assert.deepEqual(s.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED'], 'no TASK_KILLING without the capability');
    assert.equal(lastStatus(s).message, 'Command terminated with signal SIGKILL');
    await s.handle.done;
  });
});

test('KILL reaches the whole process group: a forked child dies too; TASK_KILLING with the capability', async () => {
  await scenario(
    async (s) => {
      s.launch(shellTask('sleep 30 & echo $! > child.pid; wait'));
      await s.waitForState('TASK_RUNNING');
      const childPidFile = join(s.sandbox, 'child.pid');
      await eventually(async () => (await readFile(childPidFile, 'utf8').catch(() => '')).endsWith('\n'), 'child pid');
      const child = Number((await readFile(childPidFile, 'utf8')).trim());
      assert.ok(alive(child));
      s.agent.send('exec-1', { type: 'KILL', kill: { task_id: { value: 't1' } } });
      await s.waitForState('TASK_KILLED');
      assert.deepEqual(s.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
      assert.equal(lastStatus(s).message, 'Command terminated with signal SIGTERM');
      await eventually(() => !alive(child), 'the forked child to die');
      await s.handle.done;
    },
    { agent: { frameworkInfo: { user: process.env.USER ?? 'root', name: 'f', capabilities: [{ type: 'TASK_KILLING_STATE' }] } } },
  );
});

test('a retried KILL with a longer grace does not postpone the escalation; a shorter one advances it', async () => {
  await scenario(async (s) => {
    s.launch(shellTask("trap '' TERM; sleep 30"));
    await s.waitForState('TASK_RUNNING');
    await new Promise((r) => setTimeout(r, 50));
    const kill = (ms: number) => s.agent.send('exec-1', { type: 'KILL', kill: { task_id: { value: 't1' }, kill_policy: { grace_period: { nanoseconds: ms * 1e6 } } } });
    const t0 = Date.now();
    kill(2_000);
    kill(60_000);
    await new Promise((r) => setTimeout(r, 100));
    kill(200);
    await s.waitForState('TASK_KILLED');
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 190 && elapsed < 1_900, `killed after ${elapsed} ms (the 2 s grace was not used)`);
    await s.handle.done;
  });
});

test('SHUTDOWN kills the task and ends the executor', async () => {
  await scenario(
    async (s) => {
      s.launch(shellTask('sleep 30'));
      await s.waitForState('TASK_RUNNING');
      s.agent.send('exec-1', { type: 'SHUTDOWN' });
      const exit = await s.handle.done;
      assert.equal(exit.code, 0);
      assert.deepEqual(s.states(), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
      assert.ok(!alive(s.pids[0]!));
    },
    { env: { MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '2secs' } },
  );
});

test('SHUTDOWN before any task: the executor ends at once', async () => {
  await scenario(async (s) => {
    s.agent.send('exec-1', { type: 'SHUTDOWN' });
    assert.deepEqual(await s.handle.done, { code: 0, destroyed: false, message: 'shut down before any task was launched' });
  });
});

test('a second LAUNCH is refused with TASK_FAILED; LAUNCH_GROUP with TASK_ERROR; a replayed LAUNCH is ignored', async () => {
  await scenario(async (s) => {
    s.launch(shellTask('sleep 30'));
    await s.waitForState('TASK_RUNNING');
    s.launch(shellTask('sleep 30'));
    s.launch(shellTask('true', { task_id: { value: 't2' }, name: 't2' }));
    s.agent.send('exec-1', { type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks: [shellTask('true', { task_id: { value: 'g1' } })] } } });
    await s.waitForState('TASK_FAILED', 't2');
    await s.waitForState('TASK_ERROR', 'g1');
    assert.equal(lastStatus(s, 't2').message, 'Attempted to run multiple tasks using a "command" executor');
    assert.equal(lastStatus(s, 'g1').reason, 'REASON_TASK_GROUP_INVALID');
    assert.deepEqual(s.states(), ['TASK_STARTING', 'TASK_RUNNING'], 'the first task is untouched');
  });
});

test('the non-checkpointing executor loses its agent: the task is killed and the executor ends with AGENT_LOST', async () => {
  await scenario(async (s) => {
    s.launch(shellTask('sleep 30'));
    await s.waitForState('TASK_RUNNING');
    s.agent.closeStream('exec-1');
    const exit = await s.handle.done;
    assert.equal(exit.code, 3);
    assert.ok(!alive(s.pids[0]!));
  });
});

test('without an acknowledgement the executor ends after terminalAckTimeoutMs', async () => {
  await scenario(
    async (s) => {
      s.launch(shellTask('true'));
      const t0 = Date.now();
      const exit = await s.handle.done;
      assert.match(exit.message, /not acknowledged within 150 ms/);
      assert.ok(Date.now() - t0 >= 140);
      assert.equal(s.states().at(-1), 'TASK_FINISHED');
    },
    { agent: { autoAcknowledge: false }, exec: { terminalAckTimeoutMs: 150 } },
  );
});

test('destroy() SIGKILLs the task group and ends at once', async () => {
  await scenario(async (s) => {
    s.launch(shellTask('sleep 30'));
    await s.waitForState('TASK_RUNNING');
    assert.deepEqual(s.handle.taskPids(), s.pids);
    s.handle.destroy();
    const exit = await s.handle.done;
    assert.equal(exit.destroyed, true);
    await eventually(() => !alive(s.pids[0]!), 'the task to die');
    await eventually(() => s.handle.taskPids().length === 0, 'the task to be reaped');
  });
});

test('users: an unknown user, or another user without root, fails the task', async () => {
  await scenario(
    async (s) => {
      s.launch(shellTask('true', { command: { shell: true, value: 'true', user: 'no-such-user-agora' } }));
      await s.handle.done;
      assert.deepEqual(s.states(), ['TASK_STARTING', 'TASK_FAILED']);
      assert.equal(lastStatus(s).message, "Cannot run the task as user 'no-such-user-agora': no such user on this agent");
    },
    { exec: { self: { uid: 0, name: 'root', home: '/root' }, lookupUser: async () => ({ ok: true, value: undefined }) } },
  );
  await scenario(
    async (s) => {
      s.launch(shellTask('true', { command: { shell: true, value: 'true', user: 'alice' } }));
      await s.handle.done;
      assert.equal(lastStatus(s).message, "Cannot run the task as user 'alice': the executor runs as 'bob', which is not root and cannot switch users");
    },
    { exec: { self: { uid: 1000, name: 'bob', home: '/home/bob' } } },
  );
});

test('as root, the task runs as the requested user (FrameworkInfo.user here)', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  await scenario(
    async (s) => {
      s.launch(shellTask('id -u; id -g; echo "$HOME"'));
      await s.handle.done;
      assert.equal(lastStatus(s).state, 'TASK_FINISHED', lastStatus(s).message);
      assert.equal(await readFile(join(s.sandbox, 'stdout'), 'utf8'), '65534\n65534\n/nonexistent\n');
    },
    { agent: { frameworkInfo: { user: 'nobody', name: 'f' } }, sandboxMode: 0o755 },
  );
});

test('an unusable environment is an error naming the variable', () => {
  const r = startCommandExecutor({ MESOS_FRAMEWORK_ID: 'f', MESOS_AGENT_ENDPOINT: '127.0.0.1:5051', MESOS_DIRECTORY: '/tmp' });
  assert.ok(!r.ok && r.error === 'MESOS_EXECUTOR_ID: expected to be set in the environment');
  const r2 = startCommandExecutor({ MESOS_FRAMEWORK_ID: 'f', MESOS_EXECUTOR_ID: 'e', MESOS_AGENT_ENDPOINT: '127.0.0.1:5051' });
  assert.ok(!r2.ok && r2.error.startsWith('MESOS_DIRECTORY: expected to be set'));
  const r3 = startCommandExecutor({ MESOS_FRAMEWORK_ID: 'f', MESOS_EXECUTOR_ID: 'e', MESOS_AGENT_ENDPOINT: '127.0.0.1:5051', MESOS_DIRECTORY: '/tmp', AGORA_SWITCH_USER: 'maybe' });
  assert.ok(!r3.ok && r3.error === "AGORA_SWITCH_USER: expected 0 or 1, got 'maybe'");
});

test('checkpointing: the terminal update waits for the agent to come back, then the executor ends on its acknowledgement', async () => {
  let refuse = false;
  await scenario(
    async (s) => {
      s.launch(shellTask('sleep 0.3'));
      await s.waitForState('TASK_RUNNING');
      refuse = true; // the agent restarts: the stream breaks and SUBSCRIBE is answered 503 for a while
      s.agent.closeStream('exec-1');
      await new Promise((r) => setTimeout(r, 700)); // the task finishes meanwhile; the ack timeout (150 ms) passes
      const resubscribe = s.agent.waitForCall((c) => c.type === 'SUBSCRIBE' && (c.subscribe?.unacknowledged_updates?.length ?? 0) > 0);
      refuse = false;
      const call = await resubscribe;
      assert.equal(call.subscribe!.unacknowledged_updates!.at(-1)!.status.state, 'TASK_FINISHED');
      // The fake agent does not replay updates; acknowledge the terminal one as the real agent would after replaying it.
      const terminal = call.subscribe!.unacknowledged_updates!.at(-1)!.status;
      await eventually(() => s.agent.subscription('exec-1') !== undefined, 're-subscription');
      s.agent.send('exec-1', { type: 'ACKNOWLEDGED', acknowledged: { task_id: terminal.task_id, uuid: terminal.uuid! } });
      const exit = await s.handle.done;
      assert.deepEqual(exit, { code: 0, destroyed: false, message: 'the terminal status update was acknowledged' });
    },
    {
      env: { MESOS_CHECKPOINT: '1', MESOS_SUBSCRIPTION_BACKOFF_MAX: '50ms', MESOS_RECOVERY_TIMEOUT: '1mins' },
      agent: { refuseSubscribe: () => (refuse ? 503 : undefined) },
      exec: { terminalAckTimeoutMs: 150 },
    },
  );
});
