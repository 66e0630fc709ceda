import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fourLetterWord, ZooKeeperEnsemble } from './zookeeper.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('ZooKeeperEnsemble: a standalone server that serves, answers four-letter words, and is gone after stop()', async () => {
  const zk = await ZooKeeperEnsemble.start({ size: 1 });
  const pid = zk.servers[0]!.pid!;
  try {
    assert.equal(await zk.mode(1), 'standalone');
    assert.equal(await fourLetterWord(zk.servers[0]!.clientPort, 'ruok'), 'imok');
    assert.match(zk.url('agora'), /^zk:\/\/127\.0\.0\.1:\d+\/agora$/);
    assert.ok(alive(pid));
  } finally {
    await zk.stop();
  }
  assert.ok(!alive(pid), `pid ${pid} still running`);
  assert.ok(!existsSync(zk.dir));
  assert.equal(zk.servers[0]!.running, false);
  await zk.stop(); // idempotent
});
