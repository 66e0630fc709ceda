import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecord, ok, uuidToBase64, unwrap, type Offer, type Result, type TaskStatus } from '@agora/protocol';
import { FakeClock } from '@agora/runtime';
import { SchedulerDriver, type SchedulerDriverOptions } from './driver.ts';
import { FakeMaster } from './fake-master.ts';
import type { Scheduler, SchedulerSubscribedInfo } from './scheduler.ts';
import { planCommandTasks } from './tasks.ts';

const UUID1 = unwrap(uuidToBase64('0b6a3f2e-1111-4a4a-8b8b-000000000001'));
const UUID2 = unwrap(uuidToBase64('0b6a3f2e-1111-4a4a-8b8b-000000000002'));

async function waitFor(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A scheduler that records everything it is told. */
class Recorder implements Scheduler {
  subscribedInfos: SchedulerSubscribedInfo[] = [];
  offerBatches: Offer[][] = [];
  updates: TaskStatus[] = [];
  errors: string[] = [];
  streamErrors: string[] = [];
  disconnects = 0;
  onOffers: ((d: SchedulerDriver, offers: Offer[]) => void | Promise<void>) | undefined;

  subscribed(_d: SchedulerDriver, info: SchedulerSubscribedInfo): void {
    this.subscribedInfos.push(info);
  }
  async offers(d: SchedulerDriver, offers: Offer[]): Promise<void> {
    this.offerBatches.push(offers);
    await this.onOffers?.(d, offers);
  }
  update(_d: SchedulerDriver, status: TaskStatus): void {
    this.updates.push(status);
  }
  error(message: string): void {
    this.errors.push(message);
  }
  streamError(message: string): void {
    this.streamErrors.push(message);
  }
  disconnected(): void {
    this.disconnects++;
  }
}

async function setup(t: TestContext, opts: Partial<SchedulerDriverOptions> = {}, masterOpts = {}) {
  const master = await FakeMaster.start(masterOpts);
  const rec = new Recorder();
  const driver = new SchedulerDriver({
    master: master.url,
    framework: { name: 'test', user: 'tester' },
    scheduler: rec,
    backoff: { initialMs: 10, maxMs: 40, random: () => 0 },
    ...opts,
  });
  t.after(async () => {
    await driver.stop();
    await master.close();
  });
  return { master, rec, driver };
}

const offer = (id: string, agent = 'agent-S0', resources = [
  { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 2 }, allocation_info: { role: '*' } },
  { name: 'mem', type: 'SCALAR' as const, scalar: { value: 1024 }, allocation_info: { role: '*' } },
]): Offer => ({
  id: { value: id },
  framework_id: { value: 'f' },
  agent_id: { value: agent },
  hostname: 'localhost',
  resources,
  allocation_info: { role: '*' },
});

test('SUBSCRIBE: a new framework gets its ID; the stream ID is echoed on every call', async (t) => {
  const { master, rec, driver } = await setup(t);
  driver.start();
  const sub = await master.nextSubscription();
  const subscribe = await master.nextCall('SUBSCRIBE');
  assert.equal(subscribe.call.framework_id, undefined, 'a new framework sends no ID');
  assert.equal(subscribe.call.subscribe?.framework_info.name, 'test');
  assert.equal(subscribe.call.subscribe?.framework_info.user, 'tester');
  await waitFor(() => rec.subscribedInfos.length === 1, 'subscribed()');
  assert.equal(rec.subscribedInfos[0]!.frameworkId, sub.frameworkId);
  assert.equal(rec.subscribedInfos[0]!.resubscribed, false);
  assert.equal(rec.subscribedInfos[0]!.masterUrl, master.url);
  assert.equal(driver.frameworkId, sub.frameworkId);
  assert.equal(driver.state, 'subscribed');

  const r = await driver.revive(['web']);
  assert.ok(r.ok && r.value.status === 202);
  const revive = await master.nextCall('REVIVE');
  assert.equal(revive.streamId, sub.streamId);
  assert.equal(revive.call.framework_id?.value, sub.frameworkId);
  assert.deepEqual(revive.call.revive?.roles, ['web']);

  const u = await driver.updateFramework({ name: 'renamed', user: 'tester' });
  assert.ok(u.ok && u.value.status === 200, 'UPDATE_FRAMEWORK expects 200');
  const uf = await master.nextCall('UPDATE_FRAMEWORK');
  assert.equal(uf.call.update_framework?.framework_info.id?.value, sub.frameworkId);
  assert.equal(driver.frameworkInfo.name, 'renamed');
});

test('offers → launch with first-fit matching; TEARDOWN ends the driver', async (t) => {
  const { master, rec, driver } = await setup(t);
  rec.onOffers = async (d, offers) => {
    for (const o of offers) {
      const plan = unwrap(planCommandTasks(o, [{ name: 'hello', id: 't1', command: 'echo hi', resources: { cpus: 0.5, mem: 64 } }]));
      const r = await d.launch(o, plan.tasks, { refuse_seconds: 30 });
      assert.ok(r.ok, JSON.stringify(r));
    }
  };
  driver.start();
  const sub = await master.nextSubscription();
  sub.offers([offer('o1')]);
  const accept = await master.nextCall('ACCEPT');
  assert.deepEqual(accept.call.accept?.offer_ids, [{ value: 'o1' }]);
  assert.equal(accept.call.accept?.filters?.refuse_seconds, 30);
  const op = accept.call.accept?.operations?.[0];
  assert.equal(op?.type, 'LAUNCH');
  const task = op?.launch?.task_infos?.[0];
  assert.equal(task?.task_id.value, 't1');
  assert.equal(task?.agent_id.value, 'agent-S0');
  assert.deepEqual(task?.command, { shell: true, value: 'echo hi' });
  assert.deepEqual(
    task?.resources?.map((r) => [r.name, r.scalar?.value, r.allocation_info?.role]),
    [['cpus', 0.5, '*'], ['mem', 64, '*']],
  );

  const td = await driver.teardown();
  assert.ok(td.ok);
  assert.equal((await master.nextCall('TEARDOWN')).streamId, sub.streamId);
  assert.deepEqual(await driver.done, { reason: 'teardown' });
  assert.equal(driver.state, 'stopped');
  assert.equal(rec.disconnects, 0, 'the stream closing on TEARDOWN is not a disconnection');
  assert.equal(master.subscriptions.length, 1, 'no re-subscription after TEARDOWN');
});

test('updates carrying a uuid are acknowledged automatically; master updates are not', async (t) => {
  const { master, rec, driver } = await setup(t);
  driver.start();
  const sub = await master.nextSubscription();
  sub.update({ task_id: { value: 't1' }, state: 'TASK_RUNNING', agent_id: { value: 'a1' }, uuid: UUID1, source: 'SOURCE_EXECUTOR' });
  sub.update({ task_id: { value: 't1' }, state: 'TASK_RUNNING', agent_id: { value: 'a1' }, source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' });
  sub.update({ task_id: { value: 't1' }, state: 'TASK_FINISHED', agent_id: { value: 'a1' }, uuid: UUID2, source: 'SOURCE_EXECUTOR' });
  const a1 = await master.nextCall('ACKNOWLEDGE');
  const a2 = await master.nextCall('ACKNOWLEDGE');
  assert.deepEqual(a1.call.acknowledge, { agent_id: { value: 'a1' }, task_id: { value: 't1' }, uuid: UUID1 });
  assert.deepEqual(a2.call.acknowledge?.uuid, UUID2);
  assert.equal(a1.streamId, sub.streamId);
  assert.equal(a1.status, 202);
  await waitFor(() => rec.updates.length === 3, 'three updates');
  assert.equal(master.calls.filter((c) => c.call.type === 'ACKNOWLEDGE').length, 2);
});

test('explicit acknowledgements: nothing is sent until acknowledge() is called', async (t) => {
  const { master, rec, driver } = await setup(t, { implicitAcknowledgements: false });
  driver.start();
  const sub = await master.nextSubscription();
  const status: TaskStatus = { task_id: { value: 't1' }, state: 'TASK_RUNNING', agent_id: { value: 'a1' }, uuid: UUID1 };
  sub.update(status);
  sub.offers([offer('o1')]);
  await waitFor(() => rec.offerBatches.length === 1, 'offers after the update');
  assert.equal(master.calls.filter((c) => c.call.type === 'ACKNOWLEDGE').length, 0);
  const r = await driver.acknowledge(rec.updates[0]!);
  assert.ok(r.ok);
  assert.equal((await master.nextCall('ACKNOWLEDGE')).call.acknowledge?.uuid, UUID1);
  const none = await driver.acknowledge({ task_id: { value: 't1' }, state: 'TASK_LOST' });
  assert.ok(!none.ok && none.error.kind === 'invalid');
});

test('heartbeat loss (FakeClock): after 5 silent intervals the driver re-subscribes with its FrameworkID', async (t) => {
  const clock = new FakeClock();
  const { master, rec, driver } = await setup(t, { clock }, { heartbeatIntervalSeconds: 1 });
  driver.start();
  const first = await master.nextSubscription();
  await waitFor(() => rec.subscribedInfos.length === 1, 'subscribed()');
  assert.equal(rec.subscribedInfos[0]!.heartbeatIntervalSeconds, 1);

  clock.advance(4900);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(rec.disconnects, 0, 'not yet: 4.9 s of silence is under 5 intervals');

  clock.advance(200);
  await waitFor(() => rec.disconnects === 1, 'disconnected()');
  clock.advance(10); // the first backoff (initial 10 ms × random 0 → 5 ms)
  const second = await master.nextSubscription();
  const resub = await master.nextCall('SUBSCRIBE').then(() => master.nextCall('SUBSCRIBE'));
  assert.equal(resub.call.framework_id?.value, first.frameworkId);
  assert.equal(resub.call.subscribe?.framework_info.id?.value, first.frameworkId);
  assert.equal(second.frameworkId, first.frameworkId);
  await waitFor(() => rec.subscribedInfos.length === 2, 'second subscribed()');
  assert.equal(rec.subscribedInfos[1]!.resubscribed, true);

  // A heartbeat resets the watchdog.
  clock.advance(4000);
  second.heartbeat();
  await new Promise((r) => setTimeout(r, 20));
  clock.advance(4000);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(rec.disconnects, 1);
  assert.equal(driver.state, 'subscribed');
});

test('the master closing the stream: disconnected(), then re-subscription', async (t) => {
  const { master, rec, driver } = await setup(t);
  driver.start();
  const first = await master.nextSubscription();
  first.end();
  const second = await master.nextSubscription();
  assert.equal(second.frameworkId, first.frameworkId);
  await waitFor(() => rec.subscribedInfos.length === 2, 're-subscribed');
  assert.equal(rec.disconnects, 1);
  const r = await driver.suppress();
  assert.ok(r.ok);
  assert.equal((await master.nextCall('SUPPRESS')).streamId, second.streamId, 'calls use the new stream ID');
});

test('leader detection: /master/redirect names the leader', async (t) => {
  const leader = await FakeMaster.start();
  t.after(() => leader.close());
  const { master, rec, driver } = await setup(t);
  master.redirectTo(leader.url);
  driver.start();
  await leader.nextSubscription();
  await waitFor(() => rec.subscribedInfos.length === 1, 'subscribed()');
  assert.equal(rec.subscribedInfos[0]!.masterUrl, leader.url);
  assert.equal(master.calls.length, 0);
});

test('a 307 on SUBSCRIBE (protocol-relative Location) is followed, and calls go to the leader', async (t) => {
  const leader = await FakeMaster.start();
  t.after(() => leader.close());
  const standby = await FakeMaster.start();
  t.after(() => standby.close());
  standby.redirectTo(leader.url);
  const rec = new Recorder();
  // A detector that insists on the standby, so that the SUBSCRIBE itself is redirected.
  const driver = new SchedulerDriver({
    master: { detect: async () => ok(standby.url) },
    framework: { name: 'test', user: 'tester' },
    scheduler: rec,
    backoff: { initialMs: 10, maxMs: 40, random: () => 0 },
  });
  t.after(() => driver.stop());
  driver.start();
  const sub = await leader.nextSubscription();
  await waitFor(() => rec.subscribedInfos.length === 1, 'subscribed()');
  assert.equal(driver.masterUrl, leader.url);
  assert.ok((await driver.reconcile([{ taskId: 't1', agentId: 'a1' }])).ok);
  const rc = await leader.nextCall('RECONCILE');
  assert.equal(rc.streamId, sub.streamId);
  assert.deepEqual(rc.call.reconcile?.tasks, [{ task_id: { value: 't1' }, agent_id: { value: 'a1' } }]);
});

test('503 on SUBSCRIBE is retried with backoff; 503 on a call is retried too', async (t) => {
  const { master, rec, driver } = await setup(t);
  master.enqueueReply({ status: 503, body: 'No leader elected' });
  master.enqueueReply({ status: 503, body: 'Master has not finished recovery' });
  driver.start();
  await master.nextSubscription();
  await waitFor(() => rec.subscribedInfos.length === 1, 'subscribed()');
  assert.deepEqual(master.calls.filter((c) => c.call.type === 'SUBSCRIBE').map((c) => c.status), [503, 503, 200]);

  master.enqueueReply({ status: 503, body: 'busy' });
  const r = await driver.kill('t1', 'a1', { grace_period: { nanoseconds: 1e9 } });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(master.calls.filter((c) => c.call.type === 'KILL').map((c) => c.status), [503, 202]);
});

test('an unexpected status on a call is an error value with status and body', async (t) => {
  const { master, driver } = await setup(t);
  const notYet = await driver.decline(['o1']);
  assert.ok(!notYet.ok && notYet.error.kind === 'not-subscribed');
  driver.start();
  await master.nextSubscription();
  await waitFor(() => driver.state === 'subscribed', 'subscribed');
  master.enqueueReply({ status: 400, body: 'Failed to validate scheduler::Call: bad' });
  const r = await driver.decline(['o1'], { refuse_seconds: 1 });
  assert.ok(!r.ok);
  assert.equal(r.error.kind, 'http');
  assert.equal(r.error.status, 400);
  assert.equal(r.error.body, 'Failed to validate scheduler::Call: bad');
});

test('an ERROR event is delivered to error() and stops the driver (no reconnect loop)', async (t) => {
  const { master, rec, driver } = await setup(t);
  driver.start();
  const sub = await master.nextSubscription();
  sub.error('Framework failed over');
  assert.deepEqual(await driver.done, { reason: 'error', message: 'Framework failed over' });
  assert.deepEqual(rec.errors, ['Framework failed over']);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(master.subscriptions.length, 1, 'no re-subscription');
  assert.equal(rec.disconnects, 0);
  assert.equal(driver.state, 'stopped');
});

test('a removed framework re-subscribing gets "Framework has been removed" and stops', async (t) => {
  const { master, rec, driver } = await setup(t);
  driver.start();
  await master.nextSubscription();
  await waitFor(() => driver.state === 'subscribed', 'subscribed');
  // Someone else tears the framework down; the driver's stream closes and it re-subscribes.
  const fid = driver.frameworkId!;
  const other = await fetch(`${master.url}/api/v1/scheduler`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': master.current!.streamId },
    body: JSON.stringify({ framework_id: { value: fid }, type: 'TEARDOWN' }),
  });
  assert.equal(other.status, 202);
  assert.deepEqual(await driver.done, { reason: 'error', message: 'Framework has been removed' });
  assert.deepEqual(rec.errors, ['Framework has been removed']);
});

test('a SUBSCRIBE refused with 400 is fatal', async (t) => {
  const { master, rec, driver } = await setup(t);
  master.enqueueReply({ status: 400, body: 'Failed to validate scheduler::Call: nope' });
  driver.start();
  const done = await driver.done;
  assert.equal(done.reason, 'error');
  assert.match(rec.errors[0]!, /SUBSCRIBE answered 400.*nope/);
});

test('malformed stream data is surfaced as a stream error, never a crash', async (t) => {
  const { master, rec, driver } = await setup(t);
  driver.start();
  const first = await master.nextSubscription();
  await waitFor(() => driver.state === 'subscribed', 'subscribed');
  first.writeRaw(encodeRecord('{not json'));
  first.writeRaw(encodeRecord('{"type":"RESCIND","rescind":{}}'));
  first.offers([offer('o1')]);
  await waitFor(() => rec.offerBatches.length === 1, 'the offer after the bad records');
  assert.equal(rec.streamErrors.length, 2);
  assert.match(rec.streamErrors[0]!, /malformed JSON/);
  assert.match(rec.streamErrors[1]!, /rescind\.offer_id: missing required field/);
  assert.equal(rec.disconnects, 0, 'a bad record does not drop the connection');

  // Broken framing cannot be resynchronised: the driver drops the stream and re-subscribes.
  first.writeRaw('12x\n');
  const second = await master.nextSubscription();
  assert.equal(second.frameworkId, first.frameworkId);
  await waitFor(() => rec.subscribedInfos.length === 2, 're-subscribed');
  assert.match(rec.streamErrors[2]!, /unexpected character 'x'/);
  assert.equal(rec.errors.length, 0);
});

test('unreachable master: retried with backoff until stop()', async (t) => {
  const master = await FakeMaster.start();
  const url = master.url;
  await master.close();
  let attempts = 0;
  const retries: string[] = [];
  const counting: typeof fetch = async (input, init) => {
    attempts++;
    return fetch(input, init);
  };
  const driver = new SchedulerDriver({
    master: url,
    framework: { name: 'test', user: 'tester' },
    scheduler: new Recorder(),
    fetch: counting,
    backoff: { initialMs: 5, maxMs: 10, random: () => 0 },
    onRetry: (reason, delay) => retries.push(`${delay}: ${reason}`),
  });
  t.after(() => driver.stop());
  driver.start();
  await waitFor(() => attempts >= 3 && retries.length >= 3, 'three attempts');
  assert.equal(driver.state, 'connecting');
  assert.match(retries[0]!, /^3: cannot reach the master at .*ECONNREFUSED/);
  assert.match(retries[1]!, /^5: /, 'backoff doubles up to its cap');
  await driver.stop();
  assert.deepEqual(await driver.done, { reason: 'stopped' });
});

test('a scheduler callback that throws stops the driver and rejects done', async (t) => {
  const { master, driver } = await setup(t, {
    scheduler: {
      offers() {
        throw new Error('scheduler bug');
      },
      update() {},
    },
  });
  driver.start();
  const sub = await master.nextSubscription();
  sub.offers([offer('o1')]);
  await assert.rejects(driver.done, /scheduler bug/);
  assert.equal(driver.state, 'stopped');
});

/** A detector a test moves by hand, as a ZooKeeper watch would. */
class MovableDetector {
  private readonly listeners = new Set<(leader: Result<string, string>) => void>();
  closed = false;
  constructor(public leader: Result<string, string>) {}
  detect = async (): Promise<Result<string, string>> => this.leader;
  onChange = (listener: (leader: Result<string, string>) => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  close = (): void => void (this.closed = true);
  move(leader: Result<string, string>): void {
    this.leader = leader;
    for (const l of this.listeners) l(leader);
  }
  get watchers(): number {
    return this.listeners.size;
  }
}

test('a detector reporting a new leader: the old stream is dropped, the framework re-subscribes there with its ID', async (t) => {
  const a = await FakeMaster.start();
  const b = await FakeMaster.start();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  const detector = new MovableDetector(ok(a.url));
  const rec = new Recorder();
  const driver = new SchedulerDriver({ master: detector, framework: { name: 'test', user: 'tester' }, scheduler: rec, backoff: { initialMs: 10, maxMs: 40, random: () => 0 } });
  t.after(() => driver.stop());
  driver.start();
  const first = await a.nextSubscription();
  await waitFor(() => rec.subscribedInfos.length === 1, 'subscribed()');

  detector.move(ok(a.url)); // the same leader again: nothing happens
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(rec.disconnects, 0);

  detector.move(ok(b.url));
  const second = await b.nextSubscription();
  assert.equal(second.frameworkId, first.frameworkId, 're-subscribed with the FrameworkID');
  await waitFor(() => rec.subscribedInfos.length === 2, 'subscribed() again');
  assert.equal(rec.disconnects, 1);
  assert.deepEqual([rec.subscribedInfos[1]!.masterUrl, rec.subscribedInfos[1]!.resubscribed], [b.url, true]);
  assert.ok(first.closed, 'the stream to the deposed master is closed');
  assert.ok((await driver.revive()).ok);
  assert.equal((await b.nextCall('REVIVE')).streamId, second.streamId);

  await driver.stop();
  assert.equal(detector.watchers, 0, 'stop() ends the watch');
  assert.ok(detector.closed);
});

test('a detector that loses the leader drops the stream; a new leader ends the backoff early', async (t) => {
  const a = await FakeMaster.start();
  const b = await FakeMaster.start();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  const clock = new FakeClock(); // the backoff never runs out on its own: only the detector can end it
  const detector = new MovableDetector(ok(a.url));
  const rec = new Recorder();
  const retries: string[] = [];
  const driver = new SchedulerDriver({ master: detector, framework: { name: 'test', user: 'tester' }, scheduler: rec, clock, onRetry: (why) => retries.push(why) });
  t.after(() => driver.stop());
  driver.start();
  await a.nextSubscription();
  await waitFor(() => rec.subscribedInfos.length === 1, 'subscribed()');

  detector.move({ ok: false, error: 'no leader elected' });
  await waitFor(() => rec.disconnects === 1, 'disconnected()');
  await waitFor(() => retries.length === 1, 'a retry scheduled');
  assert.match(retries[0]!, /no longer leads: no leader elected/);
  assert.equal(driver.state, 'connecting');

  detector.move(ok(b.url));
  await b.nextSubscription();
  await waitFor(() => rec.subscribedInfos.length === 2, 'subscribed() to the new leader');
  assert.equal(driver.masterUrl, b.url);
});

test('a 307 on a call is followed with the same body and Mesos-Stream-Id', async (t) => {
  const { master, driver } = await setup(t);
  const other = await FakeMaster.start();
  t.after(() => other.close());
  driver.start();
  const sub = await master.nextSubscription();
  await waitFor(() => driver.state === 'subscribed', 'subscribed');
  master.enqueueReply({ status: 307, headers: { Location: `//${other.hostPort}/api/v1/scheduler` } });
  other.enqueueReply({ status: 202 });
  const r = await driver.message('agent-S0', 'exec-1', 'hi');
  assert.ok(r.ok, JSON.stringify(r));
  const [first, followed] = [await master.nextCall('MESSAGE'), await other.nextCall('MESSAGE')];
  assert.deepEqual([first.status, followed.status], [307, 202]);
  assert.equal(followed.streamId, sub.streamId);
  assert.deepEqual(followed.call, first.call);
  assert.equal(followed.call.framework_id?.value, sub.frameworkId);
});

test('await driver.teardown() / stop() inside a callback returns (no deadlock with the event loop)', async (t) => {
  const { master, driver } = await setup(t, {
    scheduler: {
      offers: async (d) => void (await d.stop()),
      update: async (d) => {
        const r = await d.teardown();
        assert.ok(r.ok);
      },
    },
  });
  driver.start();
  const sub = await master.nextSubscription();
  sub.update({ task_id: { value: 't1' }, state: 'TASK_FINISHED', agent_id: { value: 'a' }, source: 'SOURCE_EXECUTOR', timestamp: 1 });
  await master.nextCall('TEARDOWN');
  assert.deepEqual(await driver.done, { reason: 'teardown' });
  assert.equal(driver.state, 'stopped');

  const second = await setup(t, { scheduler: { offers: async (d) => void (await d.stop()), update() {} } });
  second.driver.start();
  (await second.master.nextSubscription()).offers([offer('o1')]);
  assert.deepEqual(await second.driver.done, { reason: 'stopped' });
});
