import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckReporter, sameCheckStatus } from './check-reporter.ts';
import { exitCode, failed, httpStatus, tcp } from './fake-probe.ts';

test('a result is reported only when it differs from the last one reported', () => {
  const r = new CheckReporter('COMMAND');
  assert.deepEqual(r.current, { type: 'COMMAND', command: {} }, 'starts from the empty status TASK_RUNNING carried');
  assert.deepEqual(r.report(exitCode(0)), { type: 'COMMAND', command: { exit_code: 0 } });
  assert.equal(r.report(exitCode(0)), undefined);
  assert.deepEqual(r.report(exitCode(1)), { type: 'COMMAND', command: { exit_code: 1 } });
  assert.equal(r.report(exitCode(1)), undefined);
  assert.deepEqual(r.report(exitCode(0)), { type: 'COMMAND', command: { exit_code: 0 } });
});

test('a check that could not be performed reports the empty status, once, and only after a result', () => {
  const r = new CheckReporter('HTTP');
  assert.equal(r.report(failed('timed out')), undefined, 'no result yet and still none: nothing new');
  assert.deepEqual(r.report(httpStatus(200)), { type: 'HTTP', http: { status_code: 200 } });
  assert.deepEqual(r.report(failed('timed out')), { type: 'HTTP', http: {} });
  assert.equal(r.report(failed('refused')), undefined);
});

test('every distinct value is news for a check (no interpretation): 200 then 202 are two updates', () => {
  const r = new CheckReporter('HTTP');
  assert.ok(r.report(httpStatus(200)));
  assert.ok(r.report(httpStatus(202)));
  assert.ok(r.report(httpStatus(500)));
});

test('TCP: a refused connection is a result (succeeded: false), not "no result"', () => {
  const r = new CheckReporter('TCP');
  assert.deepEqual(r.report(tcp(false)), { type: 'TCP', tcp: { succeeded: false } });
  assert.deepEqual(r.report(tcp(true)), { type: 'TCP', tcp: { succeeded: true } });
  assert.deepEqual(r.report(failed('timed out')), { type: 'TCP', tcp: {} });
});

test('sameCheckStatus compares field by field', () => {
  assert.equal(sameCheckStatus({ type: 'COMMAND', command: {} }, { type: 'COMMAND', command: { exit_code: undefined } }), true);
  assert.equal(sameCheckStatus({ type: 'COMMAND', command: {} }, { type: 'COMMAND' }), false);
  assert.equal(sameCheckStatus({ type: 'HTTP', http: { status_code: 200 } }, { type: 'HTTP', http: { status_code: 201 } }), false);
  assert.equal(sameCheckStatus({ type: 'TCP', tcp: { succeeded: true } }, { type: 'HTTP', http: {} }), false);
});

test('a reporter needs a runnable check type (a bug otherwise)', () => {
  assert.throws(() => new CheckReporter('UNKNOWN'));
});
