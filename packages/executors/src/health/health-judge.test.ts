import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, ok } from '@agora/protocol';
import { HealthJudge, healthVerdict, type HealthEvent } from './health-judge.ts';
import { exitCode, failed, httpStatus, tcp } from './fake-probe.ts';

const pass = ok(undefined);
const fail = err('Command exited with status 1');

/** Judges a sequence of [time, passed?] results; returns what was reported at each step. */
function run(opts: { consecutiveFailures?: number; gracePeriodMs?: number }, steps: Array<[number, boolean]>): Array<HealthEvent | undefined> {
  const judge = new HealthJudge({ consecutiveFailures: opts.consecutiveFailures ?? 3, gracePeriodMs: opts.gracePeriodMs ?? 0, startedAt: 0 });
  return steps.map(([at, passed]) => judge.judge(passed ? pass : fail, at));
}

const unhealthy = (n: number, kill: boolean): HealthEvent => ({ healthy: false, consecutiveFailures: n, killTask: kill, message: 'Command exited with status 1' });

test('the first healthy result is reported; later consecutive healthy results are not', () => {
  assert.deepEqual(run({}, [[1, true], [2, true], [3, true]]), [{ healthy: true }, undefined, undefined]);
});

test('every unhealthy result is reported, counting consecutive failures; the first healthy one after failures is reported again', () => {
  assert.deepEqual(run({ consecutiveFailures: 5 }, [[1, true], [2, false], [3, false], [4, true], [5, true], [6, false]]), [
    { healthy: true },
    unhealthy(1, false),
    unhealthy(2, false),
    { healthy: true },
    undefined,
    unhealthy(1, false),
  ]);
});

test('a success resets the count: failures must be consecutive to kill', () => {
  const events = run({ consecutiveFailures: 3 }, [[1, false], [2, false], [3, true], [4, false], [5, false], [6, false]]);
  assert.deepEqual(events, [unhealthy(1, false), unhealthy(2, false), { healthy: true }, unhealthy(1, false), unhealthy(2, false), unhealthy(3, true)]);
});

test('kill after consecutive_failures failures (and each failure after that says kill again)', () => {
  assert.deepEqual(run({ consecutiveFailures: 2 }, [[1, false], [2, false], [3, false]]), [unhealthy(1, false), unhealthy(2, true), unhealthy(3, true)]);
  assert.deepEqual(run({ consecutiveFailures: 1 }, [[1, false]]), [unhealthy(1, true)]);
});

test('grace period: failures before the first success are ignored while it lasts (inclusive at its end)', () => {
  const events = run({ consecutiveFailures: 1, gracePeriodMs: 10_000 }, [[0, false], [5_000, false], [10_000, false], [10_001, false]]);
  assert.deepEqual(events, [undefined, undefined, undefined, unhealthy(1, true)]);
});

test('grace period: failures that come after a success are not ignored, even within the period', () => {
  const events = run({ consecutiveFailures: 3, gracePeriodMs: 60_000 }, [[1_000, false], [2_000, true], [3_000, false]]);
  assert.deepEqual(events, [undefined, { healthy: true }, unhealthy(1, false)]);
});

test('grace period: ignored failures are not counted towards consecutive_failures', () => {
  const events = run({ consecutiveFailures: 2, gracePeriodMs: 10_000 }, [[1_000, false], [9_000, false], [11_000, false], [12_000, false]]);
  assert.deepEqual(events, [undefined, undefined, unhealthy(1, false), unhealthy(2, true)]);
});

test('grace period 0: the first failure counts', () => {
  assert.deepEqual(run({ consecutiveFailures: 3, gracePeriodMs: 0 }, [[0, false]]), [unhealthy(1, false)]);
});

test('grace period runs from the start of checking, so it includes the delay: grace < delay has no effect', () => {
  // delay 15 s (first result at 15 s), grace 10 s: the first failure already counts.
  assert.deepEqual(run({ consecutiveFailures: 3, gracePeriodMs: 10_000 }, [[15_000, false]]), [unhealthy(1, false)]);
});

test('a healthy first result after the grace period expired is still reported once', () => {
  assert.deepEqual(run({ gracePeriodMs: 5_000 }, [[1_000, false], [6_000, false], [7_000, true], [8_000, true]]), [
    undefined, unhealthy(1, false), { healthy: true }, undefined,
  ]);
});

test('the message of an unhealthy event says why the attempt failed', () => {
  const judge = new HealthJudge({ consecutiveFailures: 3, gracePeriodMs: 0, startedAt: 0 });
  assert.deepEqual(judge.judge(err('HTTP health check timed out after 1s'), 1), { healthy: false, consecutiveFailures: 1, killTask: false, message: 'HTTP health check timed out after 1s' });
  assert.equal(judge.consecutiveFailures, 1);
});

test('healthVerdict: exit 0, HTTP 200–399 and an accepted TCP connection are healthy; anything else, or no result, is not', () => {
  const verdict = (o: Parameters<typeof healthVerdict>[0]) => healthVerdict(o).ok;
  assert.equal(verdict(exitCode(0)), true);
  assert.equal(verdict(exitCode(1)), false);
  assert.equal(verdict(exitCode(127)), false);
  for (const code of [200, 204, 299, 301, 302, 399]) assert.equal(verdict(httpStatus(code)), true, String(code));
  for (const code of [100, 199, 400, 404, 500, 503]) assert.equal(verdict(httpStatus(code)), false, String(code));
  assert.equal(verdict(tcp(true)), true);
  assert.equal(verdict(tcp(false)), false);
  assert.equal(verdict(failed('curl timed out')), false);
  assert.deepEqual(healthVerdict(httpStatus(500)), { ok: false, error: 'Unexpected HTTP response code: 500' });
  assert.deepEqual(healthVerdict(exitCode(2)), { ok: false, error: 'Command exited with status 2' });
  assert.deepEqual(healthVerdict(tcp(false)), { ok: false, error: 'TCP connection failed' });
  assert.deepEqual(healthVerdict(ok({ type: 'HTTP', http: {} })), { ok: false, error: 'Unexpected HTTP response code: none' });
});
