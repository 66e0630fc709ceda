import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '@agora/runtime';
import type { KillPolicy, TaskGroupInfo, TaskID, TaskInfo } from '@agora/protocol';
import { ExecutorDriver, type ExecutorDriverOptions } from './driver.ts';
import type { Executor, SubscribedInfo } from './executor.ts';
import { FakeAgentExecutorApi, type FakeAgentOptions } from './testing/fake-agent.ts';

/** Records every callback as `name[:detail]`. */
class RecordingExecutor implements Executor {
  readonly seen: string[] = [];
  readonly errors: string[] = [];
  readonly launched: TaskInfo[] = [];
  readonly messages: string[] = [];
  onLaunch: ((task: TaskInfo) => void) | undefined;
  subscribed(info: SubscribedInfo): void {
    this.seen.push(`subscribed:${info.framework_info.id?.value}`);
  }
  launch(task: TaskInfo): void {
    this.launched.push(task);
    this.seen.push(`launch:${task.task_id.value}`);
    this.onLaunch?.(task);
  }
  launchGroup(group: TaskGroupInfo): void {
    this.seen.push(`launchGroup:${group.tasks?.length ?? 0}`);
  }
  kill(taskId: TaskID, policy?: KillPolicy): void {
    this.seen.push(`kill:${taskId.value}:${policy?.grace_period?.nanoseconds ?? '-'}`);
  }
  acknowledged(taskId: TaskID, uuid: string): void {
    this.seen.push(`acknowledged:${taskId.value}:${uuid}`);
  }
  message(data: Uint8Array): void {
    this.messages.push(new TextDecoder().decode(data));
  }
  shutdown(): void {
    this.seen.push('shutdown');
  }
  error(message: string): void {
    this.errors.push(message);
    this.seen.push('error');
  }
  disconnected(): void {
    this.seen.push('disconnected');
  }
}

async function eventually(check: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const task = (id: string): TaskInfo => ({
  name: id,
  task_id: { value: id },
  agent_id: { value: 'fake-agent-S0' },
  command: { shell: true, value: 'true' },
});

interface Harness {
  agent: FakeAgentExecutorApi;
  driver: ExecutorDriver;
  executor: RecordingExecutor;
  clock: FakeClock | undefined;
  [Symbol.asyncDispose](): Promise<void>;
}

async function harness(
  opts: { agent?: FakeAgentOptions; env?: Record<string, string>; fakeClock?: boolean; driver?: Partial<ExecutorDriverOptions>; start?: boolean } = {},
): Promise<Harness> {
  const agent = await FakeAgentExecutorApi.start(opts.agent);
  const executor = new RecordingExecutor();
  const clock = opts.fakeClock ? new FakeClock() : undefined;
  const created = ExecutorDriver.create({
    env: agent.environment('exec-1', opts.env),
    executor,
    ...(clock ? { clock } : {}),
    ...opts.driver,
  });
  assert.ok(created.ok);
  const driver = created.value;
  if (opts.start !== false) driver.start();
  return {
    agent,
    driver,
    executor,
    clock,
    async [Symbol.asyncDispose]() {
      driver.stop();
      await agent.close();
    },
  };
}

async function withHarness(opts: Parameters<typeof harness>[0], body: (h: Harness) => Promise<void>): Promise<void> {
  const h = await harness(opts);
  try {
    await body(h);
  } finally {
    await h[Symbol.asyncDispose]();
  }
}

test('subscribe, LAUNCH, status updates with uuid/timestamp/source, ACKNOWLEDGED', async () => {
  await withHarness({}, async ({ agent, driver, executor }) => {
    const sub = await agent.waitForCall((c) => c.type === 'SUBSCRIBE');
    assert.deepEqual(sub.subscribe, {}, 'a first SUBSCRIBE carries nothing unacknowledged');
    assert.equal(sub.executor_id.value, 'exec-1');
    await eventually(() => driver.state === 'SUBSCRIBED' && executor.seen.length > 0, 'SUBSCRIBED');
    assert.deepEqual(executor.seen, ['subscribed:fake-framework-0000']);

    agent.send('exec-1', { type: 'LAUNCH', launch: { task: task('t1') } });
    await eventually(() => executor.launched.length === 1, 'launch');
    assert.deepEqual(driver.unacknowledgedTasks.map((t) => t.task_id.value), ['t1']);

    const sent = driver.sendStatusUpdate({ task_id: { value: 't1' }, state: 'TASK_RUNNING' });
    assert.ok(sent.ok);
    const status = sent.value;
    assert.equal(status.source, 'SOURCE_EXECUTOR');
    assert.equal(status.executor_id?.value, 'exec-1');
    assert.equal(Buffer.from(status.uuid!, 'base64').length, 16);
    assert.ok(Math.abs(status.timestamp! - Date.now() / 1000) < 5);
    const update = await agent.waitForCall((c) => c.type === 'UPDATE');
    assert.deepEqual(update.update!.status, status);
    assert.equal(driver.unacknowledgedUpdates.length, 1);

    agent.send('exec-1', { type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 't1' }, uuid: status.uuid! } });
    await eventually(() => executor.seen.includes(`acknowledged:t1:${status.uuid}`), 'acknowledged');
    assert.equal(driver.unacknowledgedUpdates.length, 0);
    assert.equal(driver.unacknowledgedTasks.length, 0);
  });
});

test('updates are sent in order, one POST at a time', async () => {
  await withHarness({}, async ({ agent, driver }) => {
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscription');
    const states = ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'] as const;
    for (const state of states) assert.ok(driver.sendStatusUpdate({ task_id: { value: 't' }, state }).ok);
    await eventually(() => agent.updates().length === 3, 'three updates');
    assert.deepEqual(agent.updates().map((u) => u.status.state), [...states]);
  });
});

test('invalid updates are refused with Mesos validation messages; nothing is kept', async () => {
  await withHarness({ start: false }, async ({ driver }) => {
    const r = driver.sendStatusUpdate({ task_id: { value: 't' }, state: 'TASK_STAGING' });
    assert.ok(!r.ok && r.error === 'Received TASK_STAGING from executor exec-1 of framework fake-framework-0000 which is not allowed');
    assert.equal(driver.unacknowledgedUpdates.length, 0);
    driver.stop();
    assert.ok(!driver.sendStatusUpdate({ task_id: { value: 't' }, state: 'TASK_RUNNING' }).ok);
  });
});

test('an update made before the subscription travels in SUBSCRIBE', async () => {
  await withHarness({ start: false }, async ({ agent, driver }) => {
    const r = driver.sendStatusUpdate({ task_id: { value: 't0' }, state: 'TASK_RUNNING' });
    assert.ok(r.ok);
    driver.start();
    const sub = await agent.waitForCall((c) => c.type === 'SUBSCRIBE');
    assert.deepEqual(sub.subscribe?.unacknowledged_updates?.map((u) => u.status.uuid), [r.value.uuid]);
  });
});

test('checkpointing: a broken stream re-subscribes with unacknowledged updates and tasks', async () => {
  await withHarness({ env: { MESOS_CHECKPOINT: '1', MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs' }, fakeClock: true }, async ({ agent, driver, executor }) => {
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscription');
    agent.send('exec-1', { type: 'LAUNCH', launch: { task: task('t1') } });
    agent.send('exec-1', { type: 'LAUNCH', launch: { task: task('t2') } });
    await eventually(() => executor.launched.length === 2, 'two launches');
    const u1 = driver.sendStatusUpdate({ task_id: { value: 't1' }, state: 'TASK_RUNNING' });
    const u2 = driver.sendStatusUpdate({ task_id: { value: 't2' }, state: 'TASK_RUNNING' });
    assert.ok(u1.ok && u2.ok);
    await eventually(() => agent.updates().length === 2, 'updates');
    // t2's update is acknowledged: t2 is no longer unacknowledged, t1 (and its update) still are.
    agent.send('exec-1', { type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 't2' }, uuid: u2.value.uuid! } });
    await eventually(() => driver.unacknowledgedUpdates.length === 1, 'ack');

    agent.closeStream('exec-1');
    await eventually(() => agent.calls.filter((c) => c.type === 'SUBSCRIBE').length === 2, 're-subscription');
    const resub = agent.calls.filter((c) => c.type === 'SUBSCRIBE')[1]!;
    assert.deepEqual(resub.subscribe?.unacknowledged_updates?.map((u) => u.status.uuid), [u1.value.uuid]);
    assert.deepEqual(resub.subscribe?.unacknowledged_tasks?.map((t) => t.task_id.value), ['t1']);
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscribed again');
    assert.deepEqual(executor.seen.filter((s) => s === 'disconnected' || s.startsWith('subscribed')), [
      'subscribed:fake-framework-0000',
      'disconnected',
      'subscribed:fake-framework-0000',
    ]);
    assert.ok(!executor.seen.includes('shutdown'));
  });
});

test('checkpointing: retries with backoff ≤ MESOS_SUBSCRIPTION_BACKOFF_MAX, then gives up after MESOS_RECOVERY_TIMEOUT', async () => {
  const env = { MESOS_CHECKPOINT: '1', MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs', MESOS_RECOVERY_TIMEOUT: '10secs' };
  await withHarness({ env, fakeClock: true, driver: { random: () => 1 } }, async ({ agent, driver, executor, clock }) => {
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscription');
    await agent.close(); // the agent is gone: connections are refused from now on
    await eventually(() => executor.seen.includes('disconnected'), 'disconnected');
    assert.equal(driver.state, 'RECOVERING');
    // The immediate attempt fails; the next one waits random() × max = 2 s. Live timers: the
    // heartbeat, the recovery timeout and (once an attempt has failed) the retry.
    const retryArmed = () => eventually(() => clock!.timers === 3, 'a failed attempt to arm the retry timer');
    for (let i = 0; i < 4; i++) {
      await retryArmed();
      const attempts = agent.calls.length;
      clock!.advance(1_999);
      assert.equal(clock!.timers, 3, 'no attempt before the backoff has passed');
      clock!.advance(1);
      assert.equal(driver.state, 'RECOVERING');
      assert.equal(agent.calls.length, attempts, 'the agent is gone: nothing reaches it');
    }
    await retryArmed();
    assert.ok(!executor.seen.includes('shutdown'));
    clock!.advance(2_000); // 10 s since the disconnection
    await eventually(() => executor.seen.includes('shutdown'), 'shutdown after the recovery timeout');
    assert.equal(driver.state, 'DISCONNECTED');
  });
});

test('checkpointing: the agent coming back within the recovery timeout cancels it', async () => {
  const env = { MESOS_CHECKPOINT: '1', MESOS_SUBSCRIPTION_BACKOFF_MAX: '1secs', MESOS_RECOVERY_TIMEOUT: '5secs' };
  let refuse = false;
  await withHarness(
    { env, fakeClock: true, driver: { random: () => 1 }, agent: { refuseSubscribe: () => (refuse ? 503 : undefined) } },
    async ({ agent, driver, executor, clock }) => {
      await eventually(() => driver.state === 'SUBSCRIBED', 'subscription');
      refuse = true; // the restarted agent is still recovering
      agent.closeStream('exec-1');
      await eventually(() => executor.seen.includes('disconnected'), 'disconnected');
      const retryArmed = () => eventually(() => clock!.timers === 3, 'a refused attempt to arm the retry timer');
      await retryArmed();
      clock!.advance(1_000);
      await retryArmed();
      assert.equal(driver.state, 'RECOVERING');
      refuse = false;
      clock!.advance(1_000);
      await eventually(() => driver.state === 'SUBSCRIBED', 're-subscribed');
      clock!.advance(60_000);
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(!executor.seen.includes('shutdown'), 'the recovery timer was cancelled');
    },
  );
});

test('not checkpointing: a broken stream is fatal (disconnected, then shutdown), and the grace period expires', async () => {
  let expired = 0;
  await withHarness({ fakeClock: true, driver: { onShutdownGraceExpired: () => expired++ } }, async ({ agent, driver, executor, clock }) => {
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscription');
    agent.closeStream('exec-1');
    await eventually(() => executor.seen.includes('shutdown'), 'shutdown');
    assert.deepEqual(executor.seen.slice(-2), ['disconnected', 'shutdown']);
    assert.equal(driver.state, 'DISCONNECTED');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(agent.calls.filter((c) => c.type === 'SUBSCRIBE').length, 1, 'no re-subscription');
    clock!.advance(4_999);
    assert.equal(expired, 0);
    clock!.advance(1);
    assert.equal(expired, 1, 'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD (5secs) after shutdown');
  });
});

test('an agent that cannot be reached at all: shutdown without disconnected', async () => {
  const executor = new RecordingExecutor();
  const created = ExecutorDriver.create({
    env: { MESOS_FRAMEWORK_ID: 'f', MESOS_EXECUTOR_ID: 'e', MESOS_AGENT_ENDPOINT: '127.0.0.1:1', MESOS_CHECKPOINT: '1' },
    executor,
  });
  assert.ok(created.ok);
  created.value.start();
  try {
    await eventually(() => executor.seen.includes('shutdown'), 'shutdown');
    assert.deepEqual(executor.seen, ['shutdown']);
  } finally {
    created.value.stop();
  }
});

test('a refused SUBSCRIBE (503) is retried every subscribeRetryMs; an unexpected status is reported', async () => {
  let answer: number | undefined = 503;
  await withHarness({ fakeClock: true, agent: { refuseSubscribe: () => answer } }, async ({ driver, executor, clock }) => {
    // Live timers: the heartbeat, and the retry once a refusal has been processed.
    const retryArmed = () => eventually(() => clock!.timers === 2, 'the retry timer');
    await retryArmed();
    assert.equal(driver.state, 'SUBSCRIBING');
    assert.deepEqual(executor.errors, [], '503 is expected while the agent recovers');
    answer = 400;
    clock!.advance(1_000);
    await eventually(() => executor.errors.length === 1, 'error');
    assert.match(executor.errors[0]!, /^Received unexpected '400' \(refused by the fake agent\) for SUBSCRIBE$/);
    await retryArmed();
    answer = undefined;
    clock!.advance(1_000);
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscribed');
  });
});

test('malformed events are reported through error() and the stream goes on', async () => {
  await withHarness({}, async ({ agent, driver, executor }) => {
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscription');
    const raw = (s: string) => agent.subscription('exec-1')!.sendRaw(`${Buffer.byteLength(s)}\n${s}`);
    raw('{not json');
    raw('{"type":"LAUNCH"}');
    raw('{"type":"LAUNCH","launch":{"task":{"name":"x"}}}');
    raw('{"type":"KILL","kill":{"task_id":{"value":"t9"}}}');
    raw('[1,2,3]');
    raw('{"type":"SOMETHING_NEW"}');
    await eventually(() => executor.seen.includes('kill:t9:-'), 'the valid KILL after the bad records');
    assert.equal(executor.errors.length, 4);
    assert.match(executor.errors[0]!, /^Failed to de-serialize event: /);
    assert.equal(executor.errors[1], "Malformed LAUNCH event: 'launch' is missing");
    assert.equal(executor.errors[2], 'Failed to de-serialize event: launch.task.task_id: missing required field');
    assert.match(executor.errors[3]!, /^Failed to de-serialize event: /);
    assert.equal(executor.launched.length, 0);
    assert.equal(driver.state, 'SUBSCRIBED');
  });
});

test('broken RecordIO framing counts as a broken stream', async () => {
  await withHarness({}, async ({ agent, driver, executor }) => {
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscription');
    agent.subscription('exec-1')!.sendRaw('xx\n{}');
    await eventually(() => executor.seen.includes('shutdown'), 'shutdown');
    assert.deepEqual(executor.seen.slice(-2), ['disconnected', 'shutdown']);
  });
});

test('callbacks that throw or reject are reported, and the driver keeps going', async () => {
  await withHarness({}, async ({ agent, driver, executor }) => {
    executor.onLaunch = (t) => {
      if (t.task_id.value === 'boom') throw new Error('kaboom');
    };
    const original = executor.kill.bind(executor);
    executor.kill = async (id, policy) => {
      original(id, policy);
      throw new Error('async kaboom');
    };
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscription');
    agent.send('exec-1', { type: 'LAUNCH', launch: { task: task('boom') } });
    agent.send('exec-1', { type: 'KILL', kill: { task_id: { value: 'boom' }, kill_policy: { grace_period: { nanoseconds: 1e9 } } } });
    await eventually(() => executor.errors.length === 2, 'two errors');
    assert.deepEqual(executor.errors, ['Executor.launch failed: kaboom', 'Executor.kill failed: async kaboom']);
    assert.ok(executor.seen.includes('kill:boom:1000000000'));
  });
});

test('LAUNCH_GROUP, MESSAGE both ways, ERROR and SHUTDOWN events', async () => {
  let expired = 0;
  await withHarness({ driver: { onShutdownGraceExpired: () => expired++ } }, async ({ agent, driver, executor }) => {
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscription');
    agent.send('exec-1', { type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks: [task('g1'), task('g2')] } } });
    agent.send('exec-1', { type: 'MESSAGE', message: { data: Buffer.from('hello executor').toString('base64') } });
    agent.send('exec-1', { type: 'ERROR', error: { message: 'agent says no' } });
    agent.send('exec-1', { type: 'HEARTBEAT' });
    agent.send('exec-1', { type: 'SHUTDOWN' });
    agent.send('exec-1', { type: 'SHUTDOWN' });
    await eventually(() => executor.seen.includes('shutdown'), 'shutdown');
    assert.deepEqual(executor.seen.slice(1), ['launchGroup:2', 'error', 'shutdown']);
    assert.deepEqual(driver.unacknowledgedTasks.map((t) => t.task_id.value), ['g1', 'g2']);
    assert.deepEqual(executor.messages, ['hello executor']);
    assert.deepEqual(executor.errors, ['agent says no']);
    assert.equal(expired, 0);

    assert.ok(driver.sendFrameworkMessage('hello scheduler').ok);
    const m = await agent.waitForCall((c) => c.type === 'MESSAGE');
    assert.equal(Buffer.from(m.message!.data, 'base64').toString(), 'hello scheduler');
  });
});

test('HEARTBEAT calls at the configured interval while subscribed', async () => {
  await withHarness({ fakeClock: true, driver: { heartbeatIntervalMs: 60_000 } }, async ({ agent, driver, clock }) => {
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscription');
    clock!.advance(59_999);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(agent.counts.HEARTBEAT ?? 0, 0);
    clock!.advance(1);
    await eventually(() => agent.counts.HEARTBEAT === 1, 'first heartbeat');
    clock!.advance(60_000);
    await eventually(() => agent.counts.HEARTBEAT === 2, 'second heartbeat');
  });
});

test('stop() closes the stream and silences the executor', async () => {
  await withHarness({}, async ({ agent, driver, executor }) => {
    await eventually(() => driver.state === 'SUBSCRIBED', 'subscription');
    driver.stop();
    assert.equal(driver.state, 'STOPPED');
    await eventually(() => agent.subscription('exec-1') === undefined, 'stream closed on the agent side');
    const before = executor.seen.length;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(executor.seen.length, before);
    assert.ok(!driver.sendFrameworkMessage('x').ok);
  });
});

test('the factory form hands the driver to the executor', async () => {
  const agent = await FakeAgentExecutorApi.start();
  let seenDriver: ExecutorDriver | undefined;
  const created = ExecutorDriver.create({
    env: agent.environment('exec-f'),
    executor: (driver) => {
      seenDriver = driver;
      return { subscribed: () => undefined, launch: () => undefined, kill: () => undefined, shutdown: () => undefined };
    },
  });
  try {
    assert.ok(created.ok);
    assert.equal(seenDriver, created.value);
  } finally {
    if (created.ok) created.value.stop();
    await agent.close();
  }
});

test('the fetch transport (an injected fetch) runs the same protocol', async () => {
  await withHarness({ driver: { fetch: (url, init) => fetch(url, init) } }, async ({ agent, driver, executor }) => {
    await eventually(() => driver.state === 'SUBSCRIBED' && executor.seen.length === 1, 'subscription');
    agent.send('exec-1', { type: 'LAUNCH', launch: { task: task('t1') } });
    await eventually(() => executor.launched.length === 1, 'launch');
    const sent = driver.sendStatusUpdate({ task_id: { value: 't1' }, state: 'TASK_RUNNING' });
    assert.ok(sent.ok);
    await agent.waitForCall((c) => c.type === 'UPDATE');
    agent.closeStream('exec-1');
    await eventually(() => executor.seen.includes('shutdown'), 'shutdown');
    assert.deepEqual(executor.seen.slice(-2), ['disconnected', 'shutdown']);
  });
});

test('MESOS_DOMAIN_SOCKET: the executor API over a Unix socket', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agora-sdk-'));
  try {
    await withHarness({ agent: { unixSocket: join(dir, 'agent.sock') }, env: { MESOS_AGENT_ENDPOINT: '192.0.2.1:9' } }, async ({ agent, driver, executor }) => {
      await eventually(() => driver.state === 'SUBSCRIBED' && executor.seen.length === 1, 'subscription over the socket');
      assert.ok(driver.sendStatusUpdate({ task_id: { value: 't' }, state: 'TASK_RUNNING' }).ok);
      await agent.waitForCall((c) => c.type === 'UPDATE');
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
