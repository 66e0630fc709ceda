import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStandaloneContender, createStandaloneDetector } from './standalone.ts';
import { createMasterDetector, parseMasterAddress } from './detector-for.ts';
import { standaloneMasterInfo } from './master-info.ts';
import { createMemoryStore } from '../memory/memory-store.ts';

test('parseMasterAddress: host:port, master@host:port, bare host', () => {
  assert.deepEqual(parseMasterAddress('10.0.0.1:5050'), { ok: true, value: { hostname: '10.0.0.1', port: 5050 } });
  assert.deepEqual(parseMasterAddress('master@m1:6060'), { ok: true, value: { hostname: 'm1', port: 6060 } });
  assert.deepEqual(parseMasterAddress('m1'), { ok: true, value: { hostname: 'm1', port: 5050 } });
  assert.match((parseMasterAddress('m1:70000') as { error: string }).error, /out of range/);
  assert.match((parseMasterAddress('http://m1') as { error: string }).error, /expected zk:\/\//);
});

test('createMasterDetector: standalone addresses lead at once; zk:// and file:// are checked', async () => {
  const d = createMasterDetector('master@10.0.0.11:5050');
  assert.ok(d.ok);
  const leader = await d.value.detect();
  assert.equal(leader?.ip, 184549386);
  assert.equal(leader?.pid, 'master@10.0.0.11:5050');
  assert.equal(leader?.port, 5050);
  // detect(current) waits for a change that never comes, until close.
  const waiting = d.value.detect(leader);
  await d.value.close();
  assert.deepEqual(await waiting, leader);
  assert.match((createMasterDetector('file:///etc/mesos') as { error: string }).error, /file:\/\/ is not supported/);
  assert.match((createMasterDetector('zk://h:2181/') as { error: string }).error, /may not be '\/'/);
});

test('standalone contender: elected at once, claiming the fencing epoch', async () => {
  const store = createMemoryStore();
  const first = createStandaloneContender({ store });
  const elected = new Promise<number | undefined>((resolve) => first.onElected((l) => resolve(l.fence?.epoch)));
  assert.ok((await first.contend()).ok);
  assert.equal(first.state, 'elected');
  assert.equal(await elected, 1);
  // A second master on the same store deposes the first one's writes.
  const second = createStandaloneContender({ store });
  let epoch2: number | undefined;
  second.onElected((l) => (epoch2 = l.fence?.epoch));
  assert.ok((await second.contend()).ok);
  assert.equal(epoch2, 2);
  const w = await store.fenced({ epoch: 1 }).set('k', new Uint8Array([1]), 'any');
  assert.equal(w.ok ? 'ok' : w.error.code, 'FENCED');
  await assert.rejects(first.contend(), /single-use/);
  const det = createStandaloneDetector(standaloneMasterInfo('m1', 5050));
  assert.equal(det.leader?.hostname, 'm1');
});
