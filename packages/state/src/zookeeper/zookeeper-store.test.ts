import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeConformance } from '../store.conformance.ts';
import type { StateStore } from '../store.ts';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PartitionProxy } from '../testing/partition-proxy.ts';
import { freePorts, ZooKeeperEnsemble } from '../testing/zookeeper.ts';
import { ZkSession } from './session.ts';
import { parseZkUrl } from './url.ts';
import { openZooKeeperStore, type ZooKeeperStoreOptions } from './zookeeper-store.ts';

let zk: ZooKeeperEnsemble;
before(async () => {
  zk = await ZooKeeperEnsemble.start({ size: 1 });
});
after(async () => {
  await zk?.stop();
});

async function open(opts: Partial<ZooKeeperStoreOptions> & { root: string }): Promise<StateStore> {
  const r = await openZooKeeperStore({ servers: zk.connectString, sessionTimeoutMs: 4_000, ...opts });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

let n = 0;
storeConformance('zookeeper (1 server)', async () => {
  const root = `/conformance/t${++n}`;
  const handles: StateStore[] = [await open({ root, maxValueBytes: 100_000 })];
  return {
    store: handles[0]!,
    reopen: async () => {
      const s = await open({ root, maxValueBytes: 100_000 });
      handles.push(s);
      return s;
    },
    cleanup: async () => {
      for (const h of handles) await h.close();
    },
  };
});

test('zookeeper store: the default limit (1,000,000 bytes) fits in one znode', async () => {
  const s = await open({ root: '/big' });
  try {
    const r = await s.set('v', new Uint8Array(s.maxValueBytes).fill(1), 'absent');
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const g = await s.get('v');
    assert.equal(g.ok && g.value?.value.length, 1_000_000);
  } finally {
    await s.close();
  }
});

test('zookeeper store: an unreachable ensemble is a clear UNAVAILABLE within the session timeout', async () => {
  const [port] = await freePorts(1);
  const t0 = performance.now();
  const r = await openZooKeeperStore({ servers: `127.0.0.1:${port}`, root: '/x', sessionTimeoutMs: 800 });
  const took = performance.now() - t0;
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'UNAVAILABLE');
  assert.match(r.error.message, new RegExp(`ZooKeeper at 127\\.0\\.0\\.1:${port} did not answer within 800 ms`));
  assert.ok(took < 2_000, `took ${Math.round(took)} ms`);
});

test('zookeeper store: after a partition long enough to expire its session, the store carries on with a new one', async () => {
  const proxy = await PartitionProxy.start([{ port: zk.servers[0]!.clientPort }]);
  const r = await openZooKeeperStore({ servers: proxy.connectString, root: '/expiry', sessionTimeoutMs: 1_000 });
  assert.ok(r.ok);
  const s = r.value;
  try {
    assert.ok((await s.set('k', new Uint8Array([1]), 'absent')).ok);
    proxy.cut();
    const during = await s.get('k');
    assert.equal(during.ok ? 'ok' : during.error.code, 'UNAVAILABLE');
    await sleep(1_200); // the server expires the session meanwhile
    proxy.heal();
    let after = await s.set('k', new Uint8Array([2]), 0);
    for (let i = 0; !after.ok && after.error.code === 'UNAVAILABLE' && i < 20; i++) {
      await sleep(100);
      after = await s.set('k', new Uint8Array([2]), 0);
    }
    assert.ok(after.ok, after.ok ? '' : after.error.message);
    assert.equal(after.value, 1);
  } finally {
    await s.close();
    await proxy.close();
  }
});

test('zookeeper store: a connection reset in the middle of a reply does not corrupt the next one', async () => {
  const proxy = await PartitionProxy.start([{ port: zk.servers[0]!.clientPort }]);
  const r = await openZooKeeperStore({ servers: proxy.connectString, root: '/reset', sessionTimeoutMs: 4_000 });
  assert.ok(r.ok);
  const s = r.value;
  try {
    const big = new Uint8Array(300_000).map((_, i) => i % 251);
    assert.ok((await s.set('big', big, 'absent')).ok);
    for (const cut of [3, 20, 100_000]) {
      proxy.resetAfter(cut);
      const t0 = performance.now();
      const g = await s.get('big');
      // The session reconnects at once and survives (a client that misreads the stream would
      // hang until its 4 s session was given up, and lose it).
      assert.ok(performance.now() - t0 < 2_000, `took ${Math.round(performance.now() - t0)} ms`);
      assert.ok(g.ok, g.ok ? '' : g.error.message);
      assert.deepEqual(g.value?.value, big);
      const w = await s.set('small', new Uint8Array([cut % 256]), 'any');
      assert.ok(w.ok, w.ok ? '' : w.error.message);
    }
  } finally {
    await s.close();
    await proxy.close();
  }
});

test('zookeeper store: zk://user:pass@ URLs use digest auth; others may read but not write', async () => {
  const url = parseZkUrl(`zk://agora:secret@${zk.connectString}/secured`);
  assert.ok(url.ok);
  const owner = await openZooKeeperStore({ servers: url.value.servers, root: url.value.path, auth: url.value.auth!, sessionTimeoutMs: 4_000 });
  assert.ok(owner.ok);
  const stranger = await openZooKeeperStore({ servers: zk.connectString, root: '/secured', sessionTimeoutMs: 4_000 });
  assert.ok(stranger.ok);
  const wrong = await openZooKeeperStore({ servers: zk.connectString, root: '/secured', auth: { scheme: 'digest', credentials: 'agora:wrong' }, sessionTimeoutMs: 4_000 });
  assert.ok(wrong.ok);
  try {
    assert.ok((await owner.value.set('k', new Uint8Array([1]), 'absent')).ok);
    const read = await stranger.value.get('k');
    assert.ok(read.ok && read.value?.value[0] === 1);
    for (const other of [stranger.value, wrong.value]) {
      const w = await other.set('k', new Uint8Array([2]), 0);
      assert.equal(w.ok ? 'ok' : w.error.code, 'DENIED');
      const c = await other.claimEpoch();
      assert.equal(c.ok ? 'ok' : c.error.code, 'DENIED');
    }
    assert.ok((await owner.value.set('k', new Uint8Array([3]), 0)).ok);
  } finally {
    await owner.value.close();
    await stranger.value.close();
    await wrong.value.close();
  }
});

test('zookeeper session: calls in flight when the session ends fail at once with ENDED', async () => {
  const s = await ZkSession.open({ servers: zk.connectString, sessionTimeoutMs: 4_000 });
  assert.ok(s.ok);
  await zk.pause(1);
  try {
    const pending = s.value.getData('/');
    await sleep(50);
    const t0 = performance.now();
    await s.value.close();
    const r = await pending;
    assert.equal(r.ok ? 'ok' : r.error.code, 'ENDED');
    // At once, not after the 4 s operation timeout.
    assert.ok(performance.now() - t0 < 1_000, `took ${Math.round(performance.now() - t0)} ms`);
  } finally {
    await zk.resume(1);
  }
});
