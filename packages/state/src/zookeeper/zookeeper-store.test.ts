import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeConformance } from '../store.conformance.ts';
import type { StateStore } from '../store.ts';
import { ZooKeeperEnsemble } from '../testing/zookeeper.ts';
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
