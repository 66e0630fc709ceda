/**
 * A real cluster (one master, two agents, real command executors and task processes) driven by
 * frameworks written on the public SDK: the scheduler API behaviours the issue lists, end to end.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type Cluster } from './support/cluster.ts';
import { TestFramework } from './support/framework.ts';
import { alive, getJson, tempDir, waitFor } from './support/processes.ts';

let c: Cluster;
const scratch = tempDir('tasks');
const frameworks: TestFramework[] = [];

function framework(name: string, extra: ConstructorParameters<typeof TestFramework>[1] extends infer T ? Partial<T> : never = {}): TestFramework {
  const f = new TestFramework(c.masterUrl, { name, ...extra }).start();
  frameworks.push(f);
  return f;
}

const pidOf = (file: string) => waitFor(`pid file ${file}`, () => (existsSync(file) && readFileSync(file, 'utf8').trim() ? Number(readFileSync(file, 'utf8')) : undefined), 20_000);

before(async () => {
  c = await startCluster({ agents: 2, agentFlags: ['--resources=cpus:2;mem:1024;disk:1024;ports:[31000-31099]'], masterFlags: ['--allocation-interval=500ms'] });
});

// Each test's frameworks go away with it, so a failed test cannot hold offers the next one needs.
afterEach(async () => {
  for (const f of frameworks.splice(0)) if (f.driver.state !== 'stopped') await f.teardown().catch(() => {});
});

after(async () => {
  await c?.stop();
});

test('a command task runs as a real process in a Mesos-style sandbox, its output readable through /files', async () => {
  const f = framework('sandbox');
  const offer = await f.takeOffer();
  const [t] = await f.launch(offer, [{ name: 'hello', command: 'echo hello from $MESOS_TASK_ID; pwd' }]);
  await f.waitForState(t!.task_id.value, 'TASK_FINISHED');
  assert.deepEqual(f.statesOf(t!.task_id.value), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  const agentUrl = c.agentUrls[(await c.agentIds()).indexOf(offer.agent_id.value)]!;
  const state = await getJson<{ completed_frameworks: Array<{ completed_executors: Array<{ id: string; directory: string }> }>; frameworks: Array<{ completed_executors: Array<{ id: string; directory: string }> }> }>(`${agentUrl}/state`);
  const executors = [...state.frameworks, ...state.completed_frameworks].flatMap((fw) => fw.completed_executors ?? []);
  const dir = executors.find((e) => e.id === t!.task_id.value)!.directory;
  assert.match(dir, /\/slaves\/[^/]+\/frameworks\/[^/]+\/executors\/[^/]+\/runs\/[^/]+$/);
  const read = await getJson<{ data: string; offset: number }>(`${agentUrl}/files/read?path=${encodeURIComponent(dir + '/stdout')}&offset=0`);
  assert.match(read.data, new RegExp(`hello from ${t!.task_id.value.replace(/\./g, '\\.')}`));
  assert.match(read.data, new RegExp(dir.replace(/\//g, '\\/')), 'the task ran in its sandbox');
  await f.teardown();
});

test('decline filters are honoured: an agent declined for 3 s is not offered again sooner', async () => {
  const f = framework('decliner');
  const offer = await f.takeOffer();
  const agent = offer.agent_id.value;
  const declinedAt = Date.now();
  await f.driver.decline([offer.id], { refuse_seconds: 3 });
  const again = await f.takeOffer(agent, 15_000);
  const gap = f.offerLog.find((o) => o.offer.id.value === again.id.value)!.at - declinedAt;
  assert.ok(gap >= 2900, `re-offered after ${gap} ms`);
  // Without a filter the resources come back in the next allocation cycles (1 s apart): well before
  // the 5 s a decline without refuse_seconds would filter them for (slack for a loaded machine).
  const t0 = Date.now();
  await f.driver.decline([again.id], { refuse_seconds: 0 });
  await f.takeOffer(agent, 15_000);
  assert.ok(Date.now() - t0 < 4500, `refuse_seconds 0 leaves no filter (re-offered after ${Date.now() - t0} ms)`);
  await f.teardown();
});

test('two frameworks share the cluster fairly (DRF)', async () => {
  const a = framework('drf-a');
  const b = framework('drf-b');
  await Promise.all([a.subscribed(), b.subscribed()]);
  // Each wants far more than half the cluster and takes one 0.5-cpu task per offer.
  const greedy = (f: TestFramework) => {
    let n = 0;
    const timer = setInterval(() => {
      const offers = f.offers.splice(0);
      for (const o of offers) {
        const cpus = o.resources?.filter((r) => r.name === 'cpus').reduce((s, r) => s + (r.scalar?.value ?? 0), 0) ?? 0;
        if (cpus >= 0.5 && n < 8) void f.launch(o, [{ name: `${f.driver.frameworkInfo.name}-${n++}`, command: 'sleep 120', resources: { cpus: 0.5, mem: 16 } }]);
        else void f.driver.decline([o.id], { refuse_seconds: 0 });
      }
    }, 50);
    return () => clearInterval(timer);
  };
  const stopA = greedy(a);
  const stopB = greedy(b);
  const used = async () => {
    const s = await getJson<{ frameworks: Array<{ id: string; used_resources: { cpus: number } }> }>(`${c.masterUrl}/master/frameworks`);
    return [a, b].map((f) => s.frameworks.find((x) => x.id === f.id)?.used_resources.cpus ?? 0);
  };
  const final = await waitFor('the cluster to fill up', async () => {
    const u = await used();
    return u[0]! + u[1]! >= 4 ? u : undefined;
  }, 40_000);
  stopA();
  stopB();
  assert.deepEqual(final, [2, 2], `cpus held: ${final.join(' vs ')}`);
  await Promise.all([a.teardown(), b.teardown()]);
});

test('kill honours the grace period: SIGTERM first, SIGKILL to the whole tree after it', async () => {
  const f = framework('killer', { capabilities: [{ type: 'TASK_KILLING_STATE' }] });
  const dir = join(scratch, 'kill');
  const offer = await f.takeOffer();
  const [polite, stubborn] = await f.launch(offer, [
    // Handles SIGTERM itself within the grace period.
    { name: 'polite', command: `mkdir -p ${dir}; trap 'echo term > ${dir}/polite.term; exit 0' TERM; echo $$ > ${dir}/polite.pid; while true; do sleep 0.1; done` },
    // Ignores SIGTERM and has a child: both must die at the end of the grace period.
    { name: 'stubborn', command: `mkdir -p ${dir}; trap '' TERM; sleep 300 & echo $! > ${dir}/child.pid; echo $$ > ${dir}/stubborn.pid; while true; do sleep 0.1; done` },
  ]);
  await f.waitForState(polite!.task_id.value, 'TASK_RUNNING');
  await f.waitForState(stubborn!.task_id.value, 'TASK_RUNNING');
  const [pPid, sPid, childPid] = await Promise.all([pidOf(`${dir}/polite.pid`), pidOf(`${dir}/stubborn.pid`), pidOf(`${dir}/child.pid`)]);
  await f.driver.kill(polite!.task_id.value, undefined, { grace_period: { nanoseconds: 10e9 } });
  await f.waitForState(polite!.task_id.value, 'TASK_KILLED');
  assert.equal(readFileSync(`${dir}/polite.term`, 'utf8').trim(), 'term', 'the task saw SIGTERM');
  assert.ok(f.statesOf(polite!.task_id.value).includes('TASK_KILLING'), 'TASK_KILLING with the capability');
  assert.equal(alive(pPid), false);

  const t0 = Date.now();
  await f.driver.kill(stubborn!.task_id.value, undefined, { grace_period: { nanoseconds: 1.5e9 } });
  await f.waitForState(stubborn!.task_id.value, 'TASK_KILLED', 20_000);
  const took = Date.now() - t0;
  assert.ok(took >= 1400, `killed after ${took} ms, before the grace period ended`);
  await waitFor('the task and its child to be gone', () => (!alive(sPid) && !alive(childPid) ? true : undefined), 5000);
  await f.teardown();
});

test('reconciliation: implicit and explicit answers from the live master', async () => {
  const f = framework('reconciler', { capabilities: [{ type: 'PARTITION_AWARE' }] });
  const offer = await f.takeOffer();
  const [t] = await f.launch(offer, [{ name: 'sleeper', command: 'sleep 120' }]);
  await f.waitForState(t!.task_id.value, 'TASK_RUNNING');
  const n = f.updates.length;
  await f.driver.reconcile([]);
  await f.driver.reconcile([{ taskId: t!.task_id.value }, { taskId: 'never-launched', agentId: offer.agent_id.value }, { taskId: 'nowhere', agentId: 'unknown-agent' }]);
  await waitFor('reconciliation answers', () => (f.updates.length >= n + 4 ? true : undefined), 10_000);
  const answers = f.updates.slice(n).map((u) => [u.task_id.value, u.state, u.reason]);
  assert.deepEqual(answers, [
    [t!.task_id.value, 'TASK_RUNNING', 'REASON_RECONCILIATION'],
    [t!.task_id.value, 'TASK_RUNNING', 'REASON_RECONCILIATION'],
    ['never-launched', 'TASK_GONE', 'REASON_RECONCILIATION'],
    ['nowhere', 'TASK_UNKNOWN', 'REASON_RECONCILIATION'],
  ]);
  await f.teardown();
});

test('framework failover within failover_timeout keeps its tasks (same process); teardown kills them', async () => {
  const dir = join(scratch, 'failover');
  const first = framework('failover', { failover_timeout: 60 });
  const offer = await first.takeOffer();
  const [t] = await first.launch(offer, [{ name: 'survivor', command: `mkdir -p ${dir}; echo $$ > ${dir}/pid; exec sleep 300` }]);
  await first.waitForState(t!.task_id.value, 'TASK_RUNNING');
  const pid = await pidOf(`${dir}/pid`);
  const id = first.id;
  await first.stop(); // the scheduler goes away (its connection closes)
  await waitFor('the master to see the framework disconnected', async () => {
    const s = await getJson<{ frameworks: Array<{ id: string; connected: boolean }> }>(`${c.masterUrl}/master/frameworks`);
    return s.frameworks.find((x) => x.id === id)?.connected === false ? true : undefined;
  });
  await new Promise((r) => setTimeout(r, 1000));
  const second = framework('failover', { failover_timeout: 60, id: { value: id } });
  await second.subscribed();
  assert.equal(second.id, id, 'the same framework ID took over');
  await second.driver.reconcile([{ taskId: t!.task_id.value }]);
  await second.waitForState(t!.task_id.value, 'TASK_RUNNING');
  assert.ok(alive(pid), 'the task kept running through the failover');
  await second.teardown();
  await waitFor('the task process to be killed by teardown', () => (!alive(pid) ? true : undefined), 20_000);
});

test('a framework that does not come back within failover_timeout is removed and its tasks killed', async () => {
  const dir = join(scratch, 'timeout');
  const f = framework('short-lived', { failover_timeout: 2 });
  const offer = await f.takeOffer();
  const [t] = await f.launch(offer, [{ name: 'orphan', command: `mkdir -p ${dir}; echo $$ > ${dir}/pid; exec sleep 300` }]);
  await f.waitForState(t!.task_id.value, 'TASK_RUNNING');
  const pid = await pidOf(`${dir}/pid`);
  await f.stop();
  await waitFor('the task to be killed after the failover timeout', () => (!alive(pid) ? true : undefined), 20_000);
  const s = await getJson<{ completed_frameworks: Array<{ id: string }> }>(`${c.masterUrl}/master/frameworks`);
  assert.ok(s.completed_frameworks.some((x) => x.id === f.id));
});

test('hostile requests to the live master and agents get 4xx and harm nothing', async () => {
  const bad: Array<[string, RequestInit, number]> = [
    [`${c.masterUrl}/api/v1/scheduler`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":1}}}' }, 400],
    [`${c.masterUrl}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"GET_STATE","x":' }, 400],
    [`${c.masterUrl}/master/tasks?limit=-5`, {}, 400],
    [`${c.agentUrls[0]}/api/v1/executor`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"SUBSCRIBE"}' }, 400],
    [`${c.agentUrls[0]}/files/read?path=${encodeURIComponent('/etc/passwd')}&offset=0`, {}, 403],
    [`${c.agentUrls[0]}/files/read?path=${encodeURIComponent(c.dir + '/../../etc/passwd')}&offset=0`, {}, 403],
    [`${c.agentUrls[0]}/files/browse?path=%00`, {}, 400],
  ];
  for (const [url, init, want] of bad) {
    const res = await fetch(url, init);
    const body = await res.text();
    assert.ok(res.status >= 400 && res.status < 500, `${url}: ${res.status} ${body.slice(0, 100)}`);
    if (want !== 0) assert.equal(Math.floor(res.status / 100), Math.floor(want / 100));
    assert.ok(!body.includes('root:x:0:0'), 'no file outside a sandbox is ever served');
  }
  for (const u of [c.masterUrl, ...c.agentUrls]) assert.equal((await fetch(`${u}/health`)).status, 200);
});
