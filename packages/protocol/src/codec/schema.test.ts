import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, decodeJson, formatDecodeError, message, optional, repeated, required, string, withDefault, bool, enumeration, int32 } from './schema.ts';

const Color = enumeration('Color', { RED: 0, GREEN: 1 });
const Thing = message('Thing', {
  name: required(string),
  color: optional(Color),
  colors: repeated(Color),
  shell: withDefault(bool, true),
  size: optional(int32),
});

test('decodes declared fields, drops unknown keys and nulls, fills defaults', () => {
  const r = decode(Thing, { name: 'x', color: null, extra: { deep: 1 }, size: '42' });
  assert.deepEqual(r, { ok: true, value: { name: 'x', shell: true, size: 42 } });
});

test('unknown enum names are dropped from optional and repeated fields', () => {
  const r = decode(Thing, { name: 'x', color: 'PURPLE', colors: ['RED', 'PURPLE', 1] });
  assert.deepEqual(r, { ok: true, value: { name: 'x', colors: ['RED', 'GREEN'], shell: true } });
});

test('errors name the field path', () => {
  const Outer = message('Outer', { things: repeated(Thing) });
  const r = decode(Outer, { things: [{ name: 'a' }, { name: 7 }] });
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(formatDecodeError(r.error), 'things[1].name: expected a string, got number 7');
  const missing = decode(Outer, { things: [{}] });
  assert.ok(!missing.ok && formatDecodeError(missing.error) === 'things[0].name: missing required field');
});

test('malformed JSON and an empty body', () => {
  assert.equal(decodeJson(Thing, '{').ok, false);
  const e = decodeJson(message('E', { a: optional(string) }), '   ');
  assert.deepEqual(e, { ok: true, value: {} });
});
