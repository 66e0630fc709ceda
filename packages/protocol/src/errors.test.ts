import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { agoraError, ALL_ERROR_CODES, ERROR_CODES, fromDecodeError, httpStatusOf, invalidCall, isErrorCode } from './errors.ts';
import { decode } from './codec/schema.ts';
import { scheduler } from './index.ts';

test('the statuses the APIs promise', () => {
  const expected: Record<string, number> = {
    NOT_LEADER: 307, BAD_REQUEST: 400, INVALID_CALL: 400, UNAUTHORIZED: 401, NOT_SUBSCRIBED: 403, FORBIDDEN: 403, NOT_FOUND: 404,
    METHOD_NOT_ALLOWED: 405, NOT_ACCEPTABLE: 406, CONFLICT: 409, DEPLOYMENT_LOCKED: 409, UNSUPPORTED_MEDIA_TYPE: 415,
    UNPROCESSABLE_ENTITY: 422, INTERNAL: 500, NOT_IMPLEMENTED: 501, NO_LEADER: 503, RECOVERING: 503,
  };
  for (const [code, status] of Object.entries(expected)) {
    assert.ok(isErrorCode(code), code);
    assert.equal(httpStatusOf(code), status, code);
  }
  assert.ok(!isErrorCode('toString'));
});

test('helpers', () => {
  assert.deepEqual(agoraError('NOT_FOUND', 'no such file'), { code: 'NOT_FOUND', message: 'no such file' });
  assert.deepEqual(agoraError('UNPROCESSABLE_ENTITY', 'must be positive', '/cpus'), { code: 'UNPROCESSABLE_ENTITY', message: 'must be positive', field: '/cpus' });
  const r = decode(scheduler.Call, { type: 'KILL', kill: {} });
  assert.ok(!r.ok);
  assert.deepEqual(fromDecodeError(r.error), { code: 'BAD_REQUEST', message: 'kill.task_id: missing required field', field: 'kill.task_id' });
  assert.deepEqual(fromDecodeError({ path: '', message: 'malformed JSON' }), { code: 'BAD_REQUEST', message: 'malformed JSON' });
  assert.deepEqual(invalidCall('scheduler', "Expecting 'type' to be present"), { code: 'INVALID_CALL', message: "Failed to validate scheduler::Call: Expecting 'type' to be present" });
});

test('docs/errors.md lists every code with its status, and nothing else', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, number>();
  for (const m of doc.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) rows.set(m[1]!, Number(m[2]));
  for (const code of ALL_ERROR_CODES) assert.equal(rows.get(code), ERROR_CODES[code].status, `docs/errors.md row for ${code}`);
  assert.deepEqual([...rows.keys()].sort(), [...ALL_ERROR_CODES].sort());
});
