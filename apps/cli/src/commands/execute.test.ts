import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { unwrap, uuidToBase64, type Offer, type TaskInfo, type TaskState, type TaskStatus } from '@agora/protocol';
import { FakeClock } from '@agora/runtime';
import { FakeMaster } from '@agora/sdk';
import { makeContext } from '../context.ts';
import { exitStatusOf } from '../exit-status.ts';
import { FakeAgent } from '../fake-agent.ts';
import { testIO } from '../test-io.ts';
import { executeCommand, parseEnv, type ExecuteOptions } from './execute.ts';

interface Harness {
  master: FakeMaster;
  agent: FakeAgent;
  launched: Promise<TaskInfo>;
  offer(id: string, cpus: number, mem: number): Offer;
  update(task: TaskInfo, state: TaskState, message?: string): void;
  sandbox(task: TaskInfo): string;
}

async function harness(t: TestContext): Promise<Harness> {
  const master = await FakeMaster.start({ heartbeatIntervalSeconds: 15 });
  const agent = await FakeAgent.start();
  t.after(async () => {
    await master.close();
    await agent.close();
  });
  let resolveLaunch!: (task: TaskInfo) => void;
  const launched = new Promise<TaskInfo>((r) => (resolveLaunch = r));
  const sandbox = (task: TaskInfo) => `/sandboxes/${task.task_id.value}`;
  master.onCall = (call) => {
    const task = call.accept?.operations?.[0]?.launch?.task_infos?.[0];
    if (call.type !== 'ACCEPT' || task === undefined) return;
    const fid = master.current!.frameworkId;
    agent.state = {
      frameworks: [{ id: fid, executors: [{ id: task.task_id.value, directory: sandbox(task), tasks: [{ id: task.task_id.value }] }] }],
    };
    resolveLaunch(task);
  };
  return {
    master,
    agent,
    launched,
    sandbox,
    offer: (id, cpus, mem) => ({
      id: { value: id },
      framework_id: { value: master.current!.frameworkId },
      agent_id: { value: 'S0' },
      hostname: '127.0.0.1',
      url: { scheme: 'http', address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: agent.port }, path: '/slave(1)' },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, allocation_info: { role: '*' } },
        { name: 'mem', type: 'SCALAR', scalar: { value: mem }, allocation_info: { role: '*' } },
      ],
      allocation_info: { role: '*' },
    }),
    update(task, state, message) {
      const status: TaskStatus = {
        task_id: task.task_id,
        state,
        agent_id: task.agent_id,
        executor_id: { value: task.task_id.value },
        source: 'SOURCE_EXECUTOR',
        uuid: unwrap(uuidToBase64(randomUUID())),
        timestamp: Date.now() / 1000,
        ...(message ? { message } : {}),
      };
      master.current!.update(status);
    },
  };
}

function start(h: Harness, opts: Partial<ExecuteOptions>) {
  const io = testIO();
  const ctx = makeContext(io.io, h.master.url);
  const done = executeCommand(ctx, {
    resources: 'cpus:0.1;mem:32',
    role: '*',
    env: [],
    shell: true,
    command: ['echo', 'hello'],
    pollMs: 10,
    driverOptions: { backoff: { initialMs: 10, maxMs: 20, random: () => 0 } },
    ...opts,
  });
  return { io, done };
}

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `timed out waiting for ${what}`);
};

test('execute: waits for a fitting offer, launches, streams output live, tears down, exits 0', async (t) => {
  const h = await harness(t);
  const { io, done } = start(h, { name: 'hi', env: ['GREETING=hello world'] });
  const sub = await h.master.nextSubscription();
  const subscribe = await h.master.nextCall('SUBSCRIBE');
  assert.equal(subscribe.call.subscribe?.framework_info.name, 'agora execute (hi)');
  assert.deepEqual(subscribe.call.subscribe?.framework_info.roles, ['*']);

  sub.offers([h.offer('small', 0.05, 1024)]);
  const decline = await h.master.nextCall('DECLINE');
  assert.deepEqual(decline.call.decline?.offer_ids, [{ value: 'small' }]);
  sub.offers([h.offer('big', 1, 1024)]);
  const task = await h.launched;
  assert.match(task.task_id.value, /^hi\.[0-9a-f-]{36}$/);
  assert.equal(task.name, 'hi');
  assert.deepEqual(task.command, { shell: true, value: 'echo hello', environment: { variables: [{ name: 'GREETING', type: 'VALUE', value: 'hello world' }] } });
  assert.deepEqual(task.resources?.map((r) => [r.name, r.scalar?.value]), [['cpus', 0.1], ['mem', 32]]);

  h.update(task, 'TASK_STARTING');
  h.update(task, 'TASK_RUNNING');
  h.agent.append(`${h.sandbox(task)}/stdout`, 'hello\n');
  h.agent.append(`${h.sandbox(task)}/stderr`, 'a warning\n');
  await until(() => io.out() === 'hello\n', 'live stdout');
  h.agent.append(`${h.sandbox(task)}/stdout`, 'bye\n');
  h.update(task, 'TASK_FINISHED', 'Command exited with status 0');
  assert.equal(await done, 0);
  assert.equal(io.out(), 'hello\nbye\n', 'output written after the task ended is drained');
  assert.match(io.err(), /a warning\n/);
  assert.match(io.err(), /Task hi\.\S+ is TASK_RUNNING/);
  assert.match(io.err(), /Task hi\.\S+ is TASK_FINISHED: Command exited with status 0/);
  await h.master.nextCall('TEARDOWN');
  assert.equal(h.master.calls.filter((c) => c.call.type === 'ACKNOWLEDGE').length >= 2, true, 'updates acknowledged');
});

test('execute: a failed command exits with its status, the state and message printed', async (t) => {
  const h = await harness(t);
  const { io, done } = start(h, { command: ['exit 3'], quiet: false });
  const sub = await h.master.nextSubscription();
  sub.offers([h.offer('o1', 1, 128)]);
  const task = await h.launched;
  assert.equal(task.name, 'exit');
  h.update(task, 'TASK_RUNNING');
  h.update(task, 'TASK_FAILED', 'Command exited with status 3');
  assert.equal(await done, 3);
  assert.match(io.err(), /TASK_FAILED: Command exited with status 3/);
});

test('execute --no-shell sends an argv; --kill-after kills the running task', async (t) => {
  const h = await harness(t);
  const { done } = start(h, { command: ['/bin/sleep', '100'], shell: false, killAfter: '50ms' });
  const sub = await h.master.nextSubscription();
  sub.offers([h.offer('o1', 1, 128)]);
  const task = await h.launched;
  assert.deepEqual(task.command, { shell: false, value: '/bin/sleep', arguments: ['/bin/sleep', '100'] });
  h.update(task, 'TASK_RUNNING');
  const kill = await h.master.nextCall('KILL');
  assert.equal(kill.call.kill?.task_id.value, task.task_id.value);
  assert.equal(kill.call.kill?.agent_id?.value, 'S0');
  h.update(task, 'TASK_KILLED', 'Command terminated with signal Terminated');
  assert.equal(await done, 143);
});

test('execute: Ctrl-C kills a launched task and exits 130; before any launch it just leaves', async (t) => {
  const h = await harness(t);
  const { io, done } = start(h, {});
  const sub = await h.master.nextSubscription();
  sub.offers([h.offer('o1', 1, 128)]);
  const task = await h.launched;
  h.update(task, 'TASK_RUNNING');
  await until(() => /TASK_RUNNING/.test(io.err()), 'RUNNING printed');
  io.interrupt();
  await h.master.nextCall('KILL');
  h.update(task, 'TASK_KILLED');
  assert.equal(await done, 130);
  await h.master.nextCall('TEARDOWN');

  const h2 = await harness(t);
  const second = start(h2, {});
  await h2.master.nextSubscription();
  await until(() => h2.master.calls.length > 0, 'subscribe');
  second.io.interrupt();
  assert.equal(await second.done, 130);
});

test('execute --offer-timeout: counted from the subscription; no fitting offer is an error naming the largest offer', async (t) => {
  const h = await harness(t);
  // The timeout's own clock: time passes only when the test says (the driver keeps real time).
  const clock = new FakeClock();
  const { io, done } = start(h, { offerTimeout: '100ms', resources: 'cpus:4;mem:32', clock });
  let finished = false;
  void done.then(() => (finished = true));
  clock.advance(1000);
  const sub = await h.master.nextSubscription();
  await until(() => /Subscribed to/.test(io.err()), 'the subscription');
  assert.equal(finished, false, 'time before subscribing does not count');
  sub.offers([h.offer('o1', 1, 128)]);
  await h.master.nextCall('DECLINE');
  clock.advance(99);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(finished, false);
  clock.advance(1);
  assert.equal(await done, 1);
  assert.match(io.err(), /No offer fitting cpus:4;mem:32 arrived within 100ms of subscribing \(largest offer seen: cpus:1;mem:128\)/);
});

test('execute: bad input is rejected before subscribing', async () => {
  for (const [opts, pattern] of [
    [{ resources: 'cpus' }, /--resources: 'cpus' is not name:amount/],
    [{ env: ['NOEQUALS'] }, /--env: 'NOEQUALS' is not NAME=VALUE/],
    [{ killAfter: 'soon' }, /--kill-after: 'soon' is not a duration/],
    [{ command: [] }, /no command given/],
  ] as const) {
    const io = testIO();
    const code = await executeCommand(makeContext(io.io, 'http://127.0.0.1:1'), {
      resources: 'cpus:0.1', role: '*', env: [], shell: true, command: ['true'], ...(opts as Partial<ExecuteOptions>),
    });
    assert.equal(code, 1);
    assert.match(io.err(), pattern);
  }
  assert.deepEqual(parseEnv(['A=1', 'B=x=y', 'C=']), { ok: true, value: { A: '1', B: 'x=y', C: '' } });
});

test('exit status from the final update', () => {
  assert.equal(exitStatusOf({ state: 'TASK_FINISHED' }), 0);
  assert.equal(exitStatusOf({ state: 'TASK_FAILED', message: 'Command exited with status 42' }), 42);
  assert.equal(exitStatusOf({ state: 'TASK_KILLED', message: 'Command terminated with signal Killed' }), 137);
  assert.equal(exitStatusOf({ state: 'TASK_FAILED', message: 'Command terminated with signal SIGSEGV' }), 139);
  assert.equal(exitStatusOf({ state: 'TASK_LOST', message: 'Agent removed' }), 1);
  assert.equal(exitStatusOf({ state: 'TASK_ERROR' }), 1);
});
