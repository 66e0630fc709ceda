import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ok } from '@agora/protocol';
import { StaticMasterDetector, type MasterDetector } from './detector.ts';
import { detectorFor, type DetectorFactory } from './detector-for.ts';

test('detectorFor: http and host:port addresses get a StaticMasterDetector at the normalized URL', () => {
  for (const [address, base] of [
    ['127.0.0.1:5050', 'http://127.0.0.1:5050'],
    ['http://m1:5051/', 'http://m1:5051'],
    ['master@10.0.0.1:5050', 'http://10.0.0.1:5050'],
    ['m1', 'http://m1:5050'],
  ] as const) {
    const d = detectorFor(address);
    assert.ok(d.ok && d.value instanceof StaticMasterDetector, address);
    assert.equal((d.value as StaticMasterDetector).base, base);
  }
});

test('detectorFor: unusable addresses are error values; zk:// without a ZooKeeper detector says so', () => {
  const zk = detectorFor('zk://zk1:2181,zk2:2181/mesos', {}, {});
  assert.ok(!zk.ok && /ZooKeeper detector/.test(zk.error), JSON.stringify(zk));
  // The default table has the ZooKeeper detector; a bad zk:// address is an error value from it.
  const badZk = detectorFor('zk://zk1:2181/');
  assert.ok(!badZk.ok && /invalid ZooKeeper URL/.test(badZk.error), JSON.stringify(badZk));
  const bad = detectorFor('ftp://m1:21');
  assert.ok(!bad.ok && /unsupported scheme ftp:/.test(bad.error));
  assert.ok(!detectorFor('  ').ok);
});

test('detectorFor: a scheme in the table gets the whole (trimmed) address; other schemes are unaffected', () => {
  const seen: string[] = [];
  const fake: MasterDetector = { detect: async () => ok('http://leader:5050') };
  const zk: DetectorFactory = (address) => (seen.push(address), ok(fake));
  const d = detectorFor(' ZK://zk1:2181/mesos ', {}, { zk });
  assert.ok(d.ok && d.value === fake);
  assert.deepEqual(seen, ['ZK://zk1:2181/mesos']);
  const plain = detectorFor('http://m1:5050', {}, { zk });
  assert.ok(plain.ok && plain.value instanceof StaticMasterDetector);
  // Inherited object keys are not schemes.
  const proto = detectorFor('constructor://x', {}, { zk });
  assert.ok(!proto.ok);
  const failing: DetectorFactory = () => ({ ok: false, error: 'zk://: no hosts' });
  assert.deepEqual(detectorFor('zk:///mesos', {}, { zk: failing }), { ok: false, error: 'zk://: no hosts' });
});
