import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, silentLogger } from '@agora/runtime';
import { DiskWatcher, GarbageCollector, maxAllowedAgeMs } from './gc.ts';

const HOUR = 3600_000;
const WEEK = 7 * 24 * HOUR;
const flush = () => new Promise<void>((r) => setImmediate(r));

function setup() {
  const clock = new FakeClock();
  const removed: string[] = [];
  const gc = new GarbageCollector({ clock, logger: silentLogger, remove: async (p) => void removed.push(p) });
  return { clock, removed, gc };
}

test('paths are removed gc-delay after they are scheduled, in order', async () => {
  const { clock, removed, gc } = setup();
  gc.schedule(WEEK, '/w/a');
  clock.advance(HOUR);
  gc.schedule(WEEK, '/w/b');
  clock.advance(WEEK - HOUR - 1);
  await flush();
  assert.deepEqual(removed, []);
  clock.advance(1);
  await flush();
  assert.deepEqual(removed, ['/w/a']);
  clock.advance(HOUR);
  await flush();
  assert.deepEqual(removed, ['/w/a', '/w/b']);
  assert.equal(gc.pending, 0);
  assert.equal(gc.succeeded, 2);
  assert.equal(clock.timers, 0);
});

test('unschedule and reschedule', async () => {
  const { clock, removed, gc } = setup();
  gc.schedule(HOUR, '/w/a');
  gc.schedule(HOUR, '/w/b');
  assert.equal(gc.unschedule('/w/a'), true);
  gc.schedule(2 * HOUR, '/w/b');
  clock.advance(HOUR);
  await flush();
  assert.deepEqual(removed, []);
  clock.advance(HOUR);
  await flush();
  assert.deepEqual(removed, ['/w/b']);
});

test('the allowed age shrinks as disk usage passes 1 - headroom', () => {
  assert.equal(maxAllowedAgeMs(WEEK, 0.1, 0.5), WEEK * 0.4);
  assert.equal(maxAllowedAgeMs(WEEK, 0.1, 0.9), 0);
  assert.equal(maxAllowedAgeMs(WEEK, 0.1, 0.95), 0);
  assert.equal(maxAllowedAgeMs(WEEK, 0.1, 0), WEEK * 0.9);
});

test('disk watch: high usage prunes directories older than the allowed age', async () => {
  const { clock, removed, gc } = setup();
  let usage = 0.2;
  const watch = new DiskWatcher({ clock, gc, gcDelayMs: WEEK, headroom: 0.1, intervalMs: 60_000, usage: async () => usage, logger: silentLogger });
  gc.schedule(WEEK, '/w/old'); // ended now
  clock.advance(3 * 24 * HOUR);
  gc.schedule(WEEK, '/w/new'); // ended 3 days later
  watch.start();
  clock.advance(60_000);
  await flush();
  // At 20% usage directories may live 0.7 weeks (4.9 days): /w/old is 3 days old: kept.
  assert.deepEqual(removed, []);
  usage = 0.6; // allowed: 0.3 weeks = 2.1 days
  clock.advance(60_000);
  await flush();
  assert.deepEqual(removed, ['/w/old']);
  assert.equal(Math.round(watch.maxAgeMs / HOUR), Math.round(0.3 * 168));
  usage = 0.95; // allowed: nothing
  clock.advance(60_000);
  await flush();
  assert.deepEqual(removed, ['/w/old', '/w/new']);
  watch.stop();
  assert.equal(clock.timers, 0);
});
