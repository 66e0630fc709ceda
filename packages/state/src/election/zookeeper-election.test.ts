/**
 * Election and detection against one real ZooKeeper server (shared by the tests of this file,
 * each in a group path of its own). Session timeout 1.5 s, so losses show within ~1 s.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { packMasterIp, type MasterInfo } from '@agora/protocol';
import type { StateStore } from '../store.ts';
import { PartitionProxy } from '../testing/partition-proxy.ts';
import { ZooKeeperEnsemble } from '../testing/zookeeper.ts';
import { CreateMode, ZkSession } from '../zookeeper/session.ts';
import { openZooKeeperStore } from '../zookeeper/zookeeper-store.ts';
import type { Contender, Detector, Leadership } from './election.ts';
import { createZooKeeperContender } from './zookeeper-contender.ts';
import { createZooKeeperDetector } from './zookeeper-detector.ts';

const T = 1_500;
let zk: ZooKeeperEnsemble;
let raw: ZkSession;
const cleanups: Array<() => Promise<void>> = [];

before(async () => {
  zk = await ZooKeeperEnsemble.start({ size: 1 });
  const s = await ZkSession.open({ servers: zk.connectString, sessionTimeoutMs: 4_000 });
  assert.ok(s.ok);
  raw = s.value;
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await raw?.close();
  await zk?.stop();
});

function info(n: number): MasterInfo {
  const ip = `10.0.0.${10 + n}`;
  return {
    id: `master-${n}`,
    ip: packMasterIp(ip)!,
    port: 5050,
    pid: `master@${ip}:5050`,
    hostname: `m${n}`,
    version: '1.11.0',
    address: { hostname: `m${n}`, ip, port: 5050 },
    capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
  };
}

let groups = 0;
const newGroup = () => `/election/g${++groups}`;

async function store(root: string, servers = zk.connectString): Promise<StateStore> {
  const r = await openZooKeeperStore({ servers, root, sessionTimeoutMs: 4_000 });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  cleanups.push(() => r.value.close());
  return r.value;
}

interface Tracked {
  readonly c: Contender;
  readonly elected: Promise<Leadership>;
  readonly lost: Promise<string>;
  electedAt?: number;
  lostAt?: number;
}

async function contender(path: string, n: number, opts: { servers?: string; store?: StateStore } = {}): Promise<Tracked> {
  const c = createZooKeeperContender({
    servers: opts.servers ?? zk.connectString, path, info: info(n), sessionTimeoutMs: T, ...(opts.store ? { store: opts.store } : {}),
  });
  const t: Tracked = {
    c,
    elected: new Promise((resolve) => c.onElected((l) => {
      t.electedAt = performance.now();
      resolve(l);
    })),
    lost: new Promise((resolve) => c.onLost((r) => {
      t.lostAt = performance.now();
      resolve(r);
    })),
  };
  const r = await c.contend();
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  cleanups.push(() => c.withdraw());
  return t;
}

function detector(path: string, servers = zk.connectString): Detector {
  const d = createZooKeeperDetector({ servers, path, sessionTimeoutMs: T });
  cleanups.push(() => d.close());
  return d;
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('a contender registers as Mesos does: json.info_<10 digits> holding sorted compact MasterInfo JSON', async () => {
  const path = newGroup();
  const a = await contender(path, 1);
  const leadership = await within(a.elected, 2_000, 'election');
  assert.equal(a.c.state, 'elected');
  const children = await raw.getChildren(path);
  assert.ok(children.ok);
  assert.equal(children.value.length, 1);
  assert.match(children.value[0]!, /^json\.info_\d{10}$/);
  assert.equal(leadership.node, `${path}/${children.value[0]}`);
  assert.equal(leadership.sequence, Number(children.value[0]!.slice('json.info_'.length)));
  const data = await raw.getData(`${path}/${children.value[0]}`);
  assert.ok(data.ok);
  assert.equal(data.value.data!.toString('utf8'),
    '{"address":{"hostname":"m1","ip":"10.0.0.11","port":5050},"capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}],' +
    '"hostname":"m1","id":"master-1","ip":184549386,"pid":"master@10.0.0.11:5050","port":5050,"version":"1.11.0"}');
  assert.equal(data.value.stat.ephemeralOwner.toString('hex') !== '0000000000000000', true, 'the node is ephemeral');
  const d = detector(path);
  assert.deepEqual(await d.detect(), info(1));
});

test('the lowest sequence leads; withdrawing hands over at once, with a higher fencing epoch', async () => {
  const path = newGroup();
  const s = await store(`${path}-state`);
  const a = await contender(path, 1, { store: s });
  const la = await within(a.elected, 2_000, 'A elected');
  const b = await contender(path, 2, { store: s });
  const d = detector(path);
  assert.deepEqual(await d.detect(), info(1));
  await sleep(100);
  assert.equal(b.c.state, 'contending', 'B waits behind A');
  assert.ok((await s.fenced(la.fence!).set('registry', new Uint8Array([1]), 'absent')).ok);
  const changes: Array<string | undefined> = [];
  d.onChange((l) => changes.push(l?.id));
  const t0 = performance.now();
  await a.c.withdraw();
  const lb = await within(b.elected, 2_000, 'B elected');
  assert.ok(performance.now() - t0 < 1_000, 'handover is immediate, not a session timeout');
  assert.ok(lb.fence!.epoch > la.fence!.epoch);
  assert.ok(lb.sequence! > la.sequence!);
  assert.equal(a.c.state, 'withdrawn');
  const refused = await s.fenced(la.fence!).set('registry', new Uint8Array([2]), 0);
  assert.equal(refused.ok ? 'ok' : refused.error.code, 'FENCED');
  assert.ok((await s.fenced(lb.fence!).set('registry', new Uint8Array([3]), 0)).ok);
  assert.deepEqual(await until('detector follows B', () => d.leader?.id === 'master-2' && d.leader), info(2));
  assert.deepEqual(changes, ['master-2']);
});

test('a partitioned leader learns it lost before the next one is elected, and can no longer write', async () => {
  const path = newGroup();
  const s = await store(`${path}-state`);
  const proxy = await PartitionProxy.start(zk.servers.map((x) => ({ port: x.clientPort })));
  cleanups.push(() => proxy.close());
  const a = await contender(path, 1, { servers: proxy.connectString, store: s });
  const la = await within(a.elected, 2_000, 'A elected');
  const b = await contender(path, 2, { store: s });
  assert.ok((await s.fenced(la.fence!).set('k', new Uint8Array([1]), 'absent')).ok);
  const t0 = performance.now();
  proxy.cut();
  const reason = await within(a.lost, 3 * T, 'A learns it lost');
  const lostAfter = a.lostAt! - t0;
  assert.match(reason, /session silent/);
  // A leader gives up after 2/3 of the session timeout without an answer.
  assert.ok(lostAfter <= (2 * T) / 3 + 700, `A stepped down ${Math.round(lostAfter)} ms after the cut (session timeout ${T} ms)`);
  const lb = await within(b.elected, 4 * T, 'B elected');
  assert.ok(b.electedAt! >= a.lostAt!, 'never two leaders: A stepped down before B was elected');
  const refused = await s.fenced(la.fence!).set('k', new Uint8Array([2]), 0);
  assert.equal(refused.ok ? 'ok' : refused.error.code, 'FENCED');
  assert.ok((await s.fenced(lb.fence!).set('k', new Uint8Array([3]), 0)).ok);
  proxy.heal();
});

test('fenced writes fail as soon as the leader\'s node is gone, even before anyone else claims', async () => {
  const path = newGroup();
  const s = await store(`${path}-state`);
  const a = await contender(path, 1, { store: s });
  const la = await within(a.elected, 2_000, 'A elected');
  assert.ok((await s.fenced(la.fence!).set('k', new Uint8Array([1]), 'absent')).ok);
  const removed = await raw.multi([{ op: 'remove', path: la.node!, version: -1 }]);
  assert.ok(removed.ok);
  assert.match(await within(a.lost, 2_000, 'A lost'), /deleted|gone/);
  const refused = await s.fenced(la.fence!).set('k', new Uint8Array([2]), 0);
  assert.ok(!refused.ok);
  assert.equal(refused.error.code, 'FENCED');
  assert.match(refused.error.message, /election node .* is gone/);
  const claim = await s.claimEpoch({ leaderNode: la.node! });
  assert.equal(claim.ok ? 'ok' : claim.error.code, 'FENCED', 'a deposed leader cannot claim either');
});

test('the detector reports no leader for an empty or missing group, and follows it once it appears', async () => {
  const path = newGroup();
  const d = detector(path);
  await sleep(200);
  assert.equal(d.leader, undefined);
  const next = d.detect(undefined);
  // A foreign child (not json.info_) is not a candidate.
  assert.ok((await raw.ensurePath(`${path}/log_replicas`)).ok);
  await sleep(100);
  assert.equal(d.leader, undefined);
  const a = await contender(path, 3);
  assert.deepEqual(await within(next, 2_000, 'detection'), info(3));
  await a.c.withdraw();
  assert.equal(await within(d.detect(info(3)), 2_000, 'no leader'), undefined);
  // A lowest node with garbage data: no leader (following the next one would be wrong).
  const junk = await raw.create(`${path}/json.info_`, Buffer.from('not json'), CreateMode.EPHEMERAL_SEQUENTIAL);
  assert.ok(junk.ok);
  await contender(path, 4);
  await sleep(200);
  assert.equal(d.leader, undefined);
  assert.ok((await raw.multi([{ op: 'remove', path: junk.value, version: -1 }])).ok);
  assert.deepEqual(await until('detector follows 4', () => d.leader), info(4));
});

// Last: it freezes the shared server.
test('a frozen ZooKeeper (SIGSTOP): the leader steps down within the session timeout and the detector says no leader', async () => {
  const path = newGroup();
  const a = await contender(path, 1);
  await within(a.elected, 2_000, 'A elected');
  const d = detector(path);
  assert.deepEqual(await d.detect(), info(1));
  const noLeader = d.detect(info(1));
  const t0 = performance.now();
  await zk.pause(1);
  try {
    await within(a.lost, 3 * T, 'A learns it lost');
    assert.ok(a.lostAt! - t0 <= (2 * T) / 3 + 700, `stepped down after ${Math.round(a.lostAt! - t0)} ms`);
    assert.equal(await within(noLeader, 3 * T, 'detector: no leader'), undefined);
  } finally {
    await zk.resume(1);
  }
  // Once ZooKeeper is back, a new candidacy is elected (after A's session expired on the server).
  const b = await contender(path, 2);
  await within(b.elected, 4 * T, 'B elected after the resume');
  assert.deepEqual(await until('detector follows B', () => d.leader?.id === 'master-2' && d.leader, 4 * T), info(2));
});
