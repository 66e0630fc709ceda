import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bool, bytes, decode, decodeJson, double, enumeration, formatDecodeError, int32, lazy, mapOf, message, optional, optionalFields, repeated, required,
  string, uint32, uint64, withDefault, type Decoder,
} from './schema.ts';
import { unwrap } from './result.ts';
import { GoogleDuration } from '../v1/common.ts';

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

test('optionalFields declares many optional fields of one type', () => {
  const Stats = message('Stats', { id: required(string), ...optionalFields(['a', 'b'], int32) });
  assert.deepEqual(decode(Stats, { id: 'x', a: '1', c: 3 }), { ok: true, value: { id: 'x', a: 1 } });
  const r = decode(Stats, { id: 'x', b: 1.5 });
  assert.ok(!r.ok && formatDecodeError(r.error) === 'b: expected an int32, got number 1.5');
});

test('lazy allows recursive messages', () => {
  interface Node { name: string; child?: Node }
  const Node: Decoder<Node> = message('Node', { name: required(string), child: optional(lazy(() => Node)) });
  assert.deepEqual(decode(Node, { name: 'a', child: { name: 'b', child: null } }), { ok: true, value: { name: 'a', child: { name: 'b' } } });
  const r = decode(Node, { name: 'a', child: { child: { name: 'c' } } });
  assert.ok(!r.ok && formatDecodeError(r.error) === 'child.name: missing required field');
  assert.equal(Node.expected, 'Node');
});

test('numbers: integer ranges, strings, doubles', () => {
  assert.deepEqual(decode(int32, ' 42 '), { ok: true, value: 42 });
  assert.equal(decode(int32, 2147483648).ok, false);
  assert.equal(decode(uint32, -1).ok, false);
  assert.equal(decode(uint64, '18014398509481984').ok, true);
  assert.equal(decode(double(), '1e3').ok && unwrap(decode(double(), '1e3')), 1000);
  assert.equal(decode(double(), 'NaN').ok, false);
  assert.ok(Number.isNaN(unwrap(decode(double({ nonFinite: true }), 'NaN'))));
  assert.equal(decode(bool, 'yes').ok, false);
});

test('bytes: base64 validated, kept as text, exact length optional', () => {
  assert.deepEqual(decode(bytes(), 'aGk='), { ok: true, value: 'aGk=' });
  assert.deepEqual(decode(bytes(), 'aGk'), { ok: true, value: 'aGk' }, 'padding is optional');
  assert.deepEqual(decode(bytes(), 'a-_b'), { ok: true, value: 'a-_b' }, 'the URL-safe alphabet is accepted');
  const bad = decode(bytes(), 'a');
  assert.ok(!bad.ok && bad.error.message === 'invalid base64');
  assert.equal(decode(bytes({ exactLength: 2 }), 'aGk=').ok, true);
  const len = decode(bytes({ exactLength: 3 }), 'aGk=');
  assert.ok(!len.ok && len.error.message === 'expected 3 bytes, got 2');
});

test('mapOf: values decoded, nulls skipped, errors keyed', () => {
  const M = mapOf(int32);
  assert.deepEqual({ ...unwrap(decode(M, { a: 1, b: null })) }, { a: 1 });
  const r = decode(M, { 'odd key': 'x' });
  assert.ok(!r.ok && formatDecodeError(r.error) === '["odd key"]: expected an int32, got "x"');
  assert.equal(decode(M, []).ok, false);
});

test('GoogleDuration: text form or {seconds, nanos}, normalised to text', () => {
  const ok = (v: unknown) => unwrap(decode(GoogleDuration, v));
  assert.equal(ok('10s'), '10s');
  assert.equal(ok('0.000000001s'), '0.000000001s');
  assert.equal(ok({ seconds: 10 }), '10s');
  assert.equal(ok({ seconds: '3', nanos: 250000000 }), '3.25s');
  assert.equal(ok({ seconds: -1, nanos: -500000000 }), '-1.5s');
  assert.equal(ok({}), '0s');
  for (const bad of ['10', '10m', '1.0000000001s', 10, { seconds: 1, nanos: -1 }, { nanos: 1e9 }]) assert.equal(decode(GoogleDuration, bad).ok, false, JSON.stringify(bad));
});
