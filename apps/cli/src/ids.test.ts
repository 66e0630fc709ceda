import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveId, shortId } from './ids.ts';

const M = '0b6a3f2e-91c4-4d4e-a8f2-7c1e5b9d2a10';

test('shortId: Mesos IDs keep their suffix, name.uuid task IDs their first 8 digits', () => {
  assert.equal(shortId(`${M}-S3`), '0b6a3f2e-S3');
  assert.equal(shortId(`${M}-0001`), '0b6a3f2e-0001');
  assert.equal(shortId(`${M}-O42`), '0b6a3f2e-O42');
  assert.equal(shortId(M), '0b6a3f2e');
  assert.equal(shortId('web.3f6c1a2b-1c2d-4e5f-8a9b-0c1d2e3f4a5b'), 'web.3f6c1a2b');
  assert.equal(shortId('my-task'), 'my-task');
  assert.equal(shortId('x'.repeat(60)), `${'x'.repeat(47)}…`);
});

test('resolveId: exact, short form, unique prefix; ambiguity and absence are errors', () => {
  const ids = [`${M}-S0`, `${M}-S1`, `${M}-S10`, 'web.3f6c1a2b-1c2d-4e5f-8a9b-0c1d2e3f4a5b', 'web.99aa0000-1c2d-4e5f-8a9b-0c1d2e3f4a5b', 'worker'];
  assert.deepEqual(resolveId(`${M}-S1`, ids, 'agent'), { ok: true, value: `${M}-S1` });
  assert.deepEqual(resolveId('0b6a3f2e-S1', ids, 'agent'), { ok: true, value: `${M}-S1` }, 'the short form is exact even though S10 shares the prefix');
  assert.deepEqual(resolveId('web.3f', ids, 'task'), { ok: true, value: ids[3] });
  assert.deepEqual(resolveId('wo', ids, 'task'), { ok: true, value: 'worker' });
  const amb = resolveId('web', ids, 'task');
  assert.ok(!amb.ok && /'web' matches 2 tasks/.test(amb.error) && amb.error.includes(ids[4]!));
  const none = resolveId('nope', ids, 'task');
  assert.ok(!none.ok && none.error === "no task matches 'nope'");
});
