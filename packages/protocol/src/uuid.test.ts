import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { base64ToUuid, bytesToUuid, uuidProblem, uuidToBase64, uuidToBytes } from './uuid.ts';

const TEXT = '85368b43-46f9-4353-99b9-a6fb41c95329';
const B64 = 'hTaLQ0b5Q1OZuab7QclTKQ==';

test('text ↔ bytes ↔ base64', () => {
  const bytes = uuidToBytes(TEXT);
  assert.ok(bytes.ok);
  assert.equal(bytes.value.length, 16);
  assert.equal(bytes.value[0], 0x85);
  assert.deepEqual(bytesToUuid(bytes.value), { ok: true, value: TEXT });
  assert.deepEqual(uuidToBase64(TEXT), { ok: true, value: B64 });
  assert.deepEqual(base64ToUuid(B64), { ok: true, value: TEXT });
  assert.deepEqual(uuidToBase64(TEXT.toUpperCase()), { ok: true, value: B64 }, 'hex digits in either case');
});

test('errors are values', () => {
  assert.equal(uuidToBytes('85368b4346f9435399b9a6fb41c95329').ok, false);
  assert.equal(uuidToBytes('zz368b43-46f9-4353-99b9-a6fb41c95329').ok, false);
  assert.deepEqual(bytesToUuid(new Uint8Array(15)), { ok: false, error: 'a UUID has 16 bytes, got 15' });
  assert.deepEqual(base64ToUuid('!!'), { ok: false, error: 'invalid base64' });
  assert.equal(uuidProblem(B64), undefined);
  assert.equal(uuidProblem('AAAA'), 'Not a valid UUID');
  assert.equal(uuidProblem('%%%'), 'Not a valid UUID');
});

test('property: bytes → text → bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
    const text = bytesToUuid(b);
    assert.ok(text.ok);
    assert.deepEqual(uuidToBytes(text.value), { ok: true, value: b });
  }));
});
