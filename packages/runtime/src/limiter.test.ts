import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Limiter } from './limiter.ts';

test('at most max calls run at once, the rest start in order', async () => {
  const l = new Limiter(2);
  const started: number[] = [];
  let peak = 0;
  const release: Array<() => void> = [];
  const runs = [0, 1, 2, 3, 4].map((i) =>
    l.run(async () => {
      started.push(i);
      peak = Math.max(peak, l.inFlight);
      await new Promise<void>((r) => release.push(r));
      return i;
    }),
  );
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [0, 1]);
  assert.equal(l.queued, 3);
  while (release.length > 0 || started.length < 5) {
    release.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.equal(peak, 2);
});

test('a failing call frees its slot', async () => {
  const l = new Limiter(1);
  await assert.rejects(l.run(async () => Promise.reject(new Error('boom'))));
  assert.equal(await l.run(async () => 7), 7);
});
