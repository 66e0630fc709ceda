import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, FakeClock, silentLogger } from '@agora/runtime';
import { send, world } from '../http/fuzz-world.ts';
import { LoggingLevel } from './logging-level.ts';

test('SET_LOGGING_LEVEL raises the level for a duration, then reverts; a new SET replaces the old one', () => {
  const clock = new FakeClock();
  const log = createLogger('test', { level: 'info', destination: '/dev/null' });
  const l = new LoggingLevel(log, clock);
  assert.equal(l.verbosity(), 0);
  assert.ok(l.set(2, 5e9, 'x').ok);
  assert.equal(log.level, 'trace');
  assert.equal(l.verbosity(), 2);
  assert.ok(l.set(1, 10e9, 'x').ok);
  assert.equal(log.level, 'debug');
  clock.advance(5000);
  assert.equal(log.level, 'debug', "the first SET's revert was cancelled");
  clock.advance(5000);
  assert.equal(log.level, 'info', 'back to the startup level');
  assert.equal(l.verbosity(), 0);

  for (const [level, nanos, want] of [
    [-1, 1e9, /^x\.level: /],
    [1.5, 1e9, /^x\.level: /],
    [1, 0, /^x\.duration: must be positive/],
    [1, -5, /^x\.duration: /],
    [1, 1e18, /^x\.duration: at most/],
  ] as const) {
    const r = l.set(level, nanos, 'x');
    assert.ok(!r.ok && want.test(r.error), r.ok ? `accepted ${level} ${nanos}` : r.error);
  }
  assert.equal(log.level, 'info', 'refused calls change nothing');
});

test('a silent logger stays silent; the verbosity is still reported and reverts', () => {
  const clock = new FakeClock();
  const l = new LoggingLevel(silentLogger, clock);
  assert.ok(l.set(1, 1e9, 'x').ok);
  assert.equal(silentLogger.level, 'silent');
  assert.equal(l.verbosity(), 1);
  clock.advance(1000);
  assert.equal(l.verbosity(), 0);
});

test('operator SET_LOGGING_LEVEL answers 202, GET_LOGGING_LEVEL reports it until the duration ends', async () => {
  const w = await world();
  try {
    const call = (body: object) => send(w, 'POST', '/api/v1', JSON.stringify(body), { 'content-type': 'application/json', accept: 'application/json' });
    const level = async () => JSON.parse((await call({ type: 'GET_LOGGING_LEVEL' })).body).get_logging_level.level;
    const a = await call({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 2, duration: { nanoseconds: 60e9 } } });
    assert.equal(a.status, 202, a.body);
    assert.equal(await level(), 2);
    w.h.advance(59_000);
    assert.equal(await level(), 2);
    w.h.advance(1_000);
    assert.equal(await level(), 0);
    const bad = await call({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 0 } } });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /^set_logging_level\.duration: /);
  } finally {
    await w.close();
  }
});
