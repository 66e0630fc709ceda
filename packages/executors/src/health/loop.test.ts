import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '@agora/runtime';
import { CheckLoop, formatMs } from './loop.ts';
import { exitCode, FakeProbe, settle } from './fake-probe.ts';
import type { ProbeOutcome } from './probe.ts';

function setup(opts: { delayMs?: number; intervalMs?: number; timeoutMs?: number } = {}) {
  const clock = new FakeClock(0);
  const probe = new FakeProbe();
  const outcomes: Array<{ at: number; outcome: ProbeOutcome }> = [];
  const loop = new CheckLoop({
    clock,
    delayMs: opts.delayMs ?? 15_000,
    intervalMs: opts.intervalMs ?? 10_000,
    timeoutMs: opts.timeoutMs ?? 20_000,
    probe: probe.probe,
    name: 'COMMAND check',
    onOutcome: (outcome) => outcomes.push({ at: clock.now(), outcome }),
  });
  return { clock, probe, outcomes, loop };
}

test('the first attempt comes after the delay, not before', async () => {
  const { clock, probe, loop } = setup({ delayMs: 15_000 });
  loop.start();
  clock.advance(14_999);
  assert.equal(probe.attempts.length, 0);
  clock.advance(1);
  assert.equal(probe.attempts.length, 1);
  assert.equal(loop.busy, true);
  loop.stop();
});

test('a zero delay checks at once (on the next timer turn)', () => {
  const { clock, probe, loop } = setup({ delayMs: 0 });
  loop.start();
  clock.advance(0);
  assert.equal(probe.attempts.length, 1);
  loop.stop();
});

test('the interval runs from the end of one attempt to the start of the next: attempts never overlap', async () => {
  const { clock, probe, outcomes, loop } = setup({ delayMs: 0, intervalMs: 10_000, timeoutMs: 0 });
  loop.start();
  clock.advance(0);
  // A slow attempt: 25 s, longer than the interval. No second attempt starts meanwhile.
  clock.advance(25_000);
  assert.equal(probe.attempts.length, 1);
  probe.last.answer(exitCode(0));
  await settle();
  assert.deepEqual(outcomes.map((o) => o.at), [25_000]);
  clock.advance(9_999);
  assert.equal(probe.attempts.length, 1);
  clock.advance(1);
  assert.equal(probe.attempts.length, 2, 'next attempt 10 s after the previous one ended');
  loop.stop();
});

test('an attempt running past the timeout is aborted and reported as timed out at that moment', async () => {
  const { clock, probe, outcomes, loop } = setup({ delayMs: 0, intervalMs: 5_000, timeoutMs: 2_000 });
  loop.start();
  clock.advance(0);
  const first = probe.last;
  clock.advance(2_000);
  assert.equal(first.signal.aborted, true, 'the probe was told to abort (kill its process, close its socket)');
  assert.equal(outcomes.length, 1);
  assert.equal(outcomes[0]!.at, 2_000);
  assert.deepEqual(outcomes[0]!.outcome, { ok: false, error: 'COMMAND check timed out after 2s' });
  // The probe's own late answer is ignored.
  await settle();
  assert.equal(outcomes.length, 1);
  // The next attempt follows the interval after the timeout.
  clock.advance(5_000);
  assert.equal(probe.attempts.length, 2);
  loop.stop();
});

test('a timeout of 0 means no timeout', () => {
  const { clock, probe, outcomes, loop } = setup({ delayMs: 0, timeoutMs: 0 });
  loop.start();
  clock.advance(0);
  clock.advance(3_600_000);
  assert.equal(probe.last.signal.aborted, false);
  assert.equal(outcomes.length, 0);
  assert.equal(clock.timers, 0, 'no timer waits on it');
  loop.stop();
});

test('an answer before the timeout cancels the timeout timer', async () => {
  const { clock, probe, outcomes, loop } = setup({ delayMs: 0, intervalMs: 10_000, timeoutMs: 2_000 });
  loop.start();
  clock.advance(0);
  clock.advance(500);
  probe.last.answer(exitCode(1));
  await settle();
  assert.equal(clock.timers, 1, 'only the next attempt is pending');
  clock.advance(2_000);
  assert.equal(outcomes.length, 1);
  assert.deepEqual(outcomes[0]!.outcome, exitCode(1));
  loop.stop();
});

test('stop() cancels what is pending, aborts an attempt in flight, and nothing is reported after it', async () => {
  const { clock, probe, outcomes, loop } = setup({ delayMs: 0, timeoutMs: 1_000 });
  loop.start();
  clock.advance(0);
  const inFlight = probe.last;
  loop.stop();
  assert.equal(inFlight.signal.aborted, true);
  assert.equal(clock.timers, 0);
  inFlight.answer(exitCode(0));
  await settle();
  clock.advance(60_000);
  assert.deepEqual(outcomes, []);
  assert.equal(probe.attempts.length, 1);
  loop.stop(); // idempotent
  loop.start(); // and final
  clock.advance(60_000);
  assert.equal(probe.attempts.length, 1);
});

test('stop() before the first attempt: the probe never runs', () => {
  const { clock, probe, loop } = setup();
  loop.start();
  loop.stop();
  clock.advance(60_000);
  assert.equal(probe.attempts.length, 0);
});

test('onOutcome may stop the loop: no further attempt is scheduled', async () => {
  const clock = new FakeClock(0);
  const probe = new FakeProbe();
  probe.auto = exitCode(1);
  let seen = 0;
  const loop: CheckLoop = new CheckLoop({
    clock, delayMs: 0, intervalMs: 1_000, timeoutMs: 0, probe: probe.probe, name: 'x',
    onOutcome: () => {
      seen++;
      loop.stop();
    },
  });
  loop.start();
  clock.advance(0);
  await settle();
  clock.advance(10_000);
  assert.equal(seen, 1);
  assert.equal(probe.attempts.length, 1);
  assert.equal(clock.timers, 0);
});

test('a probe that throws or rejects (a bug) counts as a failed attempt; checking goes on', async () => {
  const clock = new FakeClock(0);
  const outcomes: ProbeOutcome[] = [];
  let calls = 0;
  const loop = new CheckLoop({
    clock, delayMs: 0, intervalMs: 1_000, timeoutMs: 0, name: 'TCP check',
    probe: () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return Promise.reject(new Error('bang'));
    },
    onOutcome: (o) => outcomes.push(o),
  });
  loop.start();
  clock.advance(0);
  await settle();
  clock.advance(1_000);
  await settle();
  assert.deepEqual(outcomes, [
    { ok: false, error: 'TCP check could not run: boom' },
    { ok: false, error: 'TCP check could not run: bang' },
  ]);
  loop.stop();
});

test('formatMs words durations for messages', () => {
  assert.equal(formatMs(20_000), '20s');
  assert.equal(formatMs(1_500), '1.5s');
  assert.equal(formatMs(250), '250ms');
});
