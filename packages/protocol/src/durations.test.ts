import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  durationInfoToSeconds, formatDurationMs, formatDurationNanos, formatDurationSeconds, googleDurationToNanos, msToDurationInfo, nanosToGoogleDuration,
  nanosToSeconds, parseDurationMs, parseDurationNanos, parseDurationSeconds, secondsToDurationInfo, secondsToTimeInfo, timeInfoToMs, timeInfoToSeconds,
} from './durations.ts';
import { decodeJson, master } from './index.ts';

test('parse: every stout unit, fractions, whitespace', () => {
  const cases: [string, number][] = [
    ['1ns', 1], ['3us', 3e3], ['250ms', 250e6], ['5secs', 5e9], ['1.5secs', 1.5e9], ['.5secs', 0.5e9], ['2.secs', 2e9],
    ['10mins', 600e9], ['1hrs', 3600e9], ['2days', 172800e9], ['2weeks', 1209600e9], ['0secs', 0], [' 15mins\n', 900e9], ['1.9ns', 1],
  ];
  for (const [text, nanos] of cases) assert.deepEqual(parseDurationNanos(text), { ok: true, value: nanos }, text);
  assert.deepEqual(parseDurationMs('1500us'), { ok: true, value: 1.5 });
  assert.deepEqual(parseDurationSeconds('2mins'), { ok: true, value: 120 });
});

test('parse: errors are values naming the problem', () => {
  assert.deepEqual(parseDurationNanos('5'), { ok: false, error: "invalid duration '5': expected a number and a unit, e.g. '5secs'" });
  assert.deepEqual(parseDurationNanos('5s'), { ok: false, error: "unknown duration unit 's' in '5s'; supported units are 'ns', 'us', 'ms', 'secs', 'mins', 'hrs', 'days' and 'weeks'" });
  for (const bad of ['', 'secs', '-5secs', '+5secs', '5 secs', '1e3ms', '5SECS', '5secs5', '1.2.3secs', '5constructor', '9999999999weeks']) {
    assert.equal(parseDurationNanos(bad).ok, false, bad);
  }
});

test('format like stout: largest unit, or the next smaller one when that is whole', () => {
  const cases: [number, string][] = [
    [0, '0ns'], [999, '999ns'], [1000, '1us'], [1500, '1500ns'], [1e6, '1ms'], [1.5e6, '1500us'], [5e9, '5secs'], [1.5e9, '1500ms'],
    [90e9, '90secs'], [600e9, '10mins'], [3600e9, '1hrs'], [86400e9, '1days'], [604800e9, '1weeks'], [10 * 86400e9, '10days'],
    [1.0005e9, '1.0005secs'], [1.000005e9, '1.000005secs'], [1.0000005e9, '1.0000005secs'], [-5e9, '-5secs'],
  ];
  for (const [nanos, text] of cases) assert.equal(formatDurationNanos(nanos), text, String(nanos));
  assert.equal(formatDurationMs(250), '250ms');
  assert.equal(formatDurationSeconds(5), '5secs');
});

test('property: format then parse round-trips whole nanoseconds', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (n) => {
      const back = parseDurationNanos(formatDurationNanos(n));
      assert.ok(back.ok);
      assert.ok(Math.abs(back.value - n) <= Math.max(1, n * 1e-14), `${n} → ${formatDurationNanos(n)} → ${back.value}`);
    }),
    { numRuns: 500 },
  );
});

test('seconds ↔ DurationInfo / TimeInfo', () => {
  assert.deepEqual(secondsToDurationInfo(1.5), { nanoseconds: 1.5e9 });
  assert.equal(durationInfoToSeconds({ nanoseconds: 2.5e9 }), 2.5);
  assert.deepEqual(msToDurationInfo(250), { nanoseconds: 250e6 });
  assert.equal(nanosToSeconds(15e9), 15);
  const t = secondsToTimeInfo(1470820172.07315);
  assert.ok(Math.abs(timeInfoToSeconds(t) - 1470820172.07315) < 1e-6);
  assert.equal(timeInfoToMs({ nanoseconds: 5e6 }), 5);
});

test('google.protobuf.Duration text', () => {
  assert.deepEqual(googleDurationToNanos('10s'), { ok: true, value: 10e9 });
  assert.deepEqual(googleDurationToNanos('1.5s'), { ok: true, value: 1.5e9 });
  assert.deepEqual(googleDurationToNanos('-0.000000001s'), { ok: true, value: -1 });
  assert.equal(googleDurationToNanos('10secs').ok, false);
  assert.equal(nanosToGoogleDuration(10e9), '10s');
  assert.equal(nanosToGoogleDuration(1.25e9), '1.25s');
  assert.equal(nanosToGoogleDuration(-1), '-0.000000001s');
  fc.assert(fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (n) => {
    assert.deepEqual(googleDurationToNanos(nanosToGoogleDuration(n)), { ok: true, value: n });
  }));
});

test('a bad google.protobuf.Duration names its bad field in the decode path', () => {
  const call = (d: unknown) => decodeJson(master.Call, JSON.stringify({ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: 'a' }, max_grace_period: d } }));
  const seconds = call({ seconds: {} });
  assert.ok(!seconds.ok);
  assert.equal(seconds.error.path, 'drain_agent.max_grace_period.seconds');
  const nanos = call({ seconds: 1, nanos: 1.5 });
  assert.ok(!nanos.ok);
  assert.equal(nanos.error.path, 'drain_agent.max_grace_period.nanos');
  assert.deepEqual(call({ seconds: '10', nanos: 5 }).ok, true);
});
