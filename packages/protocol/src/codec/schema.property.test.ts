// Property tests: decoding untrusted input never throws, always answers with a Result, and is a
// fixpoint on its own output; deep or hostile input is reported, not crashed on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  agent, ContainerID, decode, decodeJson, encodeJson, executor, FrameworkInfo, master, Resource, ResourceStatistics, scheduler, TaskInfo, type Decoder,
} from '../index.ts';
import * as examples from '../v1/examples.ts';

const DECODERS: [string, Decoder<unknown>][] = [
  ['scheduler.Call', scheduler.Call],
  ['scheduler.Event', scheduler.Event],
  ['executor.Call', executor.Call],
  ['executor.Event', executor.Event],
  ['master.Call', master.Call],
  ['master.Response', master.Response],
  ['master.Event', master.Event],
  ['agent.Call', agent.Call],
  ['agent.Response', agent.Response],
  ['TaskInfo', TaskInfo],
  ['FrameworkInfo', FrameworkInfo],
  ['Resource', Resource],
  ['ResourceStatistics', ResourceStatistics],
  ['ContainerID', ContainerID],
];

function assertIsResult(r: unknown): void {
  assert.ok(typeof r === 'object' && r !== null);
  const o = r as Record<string, unknown>;
  if (o.ok === true) return assert.ok('value' in o);
  assert.equal(o.ok, false);
  const e = o.error as Record<string, unknown>;
  assert.equal(typeof e.path, 'string');
  assert.equal(typeof e.message, 'string');
}

/** The wire round trip: encodeJson (which keeps Infinity as "Infinity"), then JSON.parse. */
const plain = (v: unknown): unknown => JSON.parse(encodeJson(v));

const hostileKeys = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'type', 'value', 'framework_id', 'tasks'));

test('arbitrary JSON never throws and yields a Result; success is a fixpoint', () => {
  for (const [name, decoder] of DECODERS) {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        const r = decode(decoder, input);
        assertIsResult(r);
        if (r.ok) assert.deepEqual(plain(unwrapOk(decode(decoder, plain(r.value)))), plain(r.value), name);
      }),
      { numRuns: 150 },
    );
  }
});

test('arbitrary JS values (maps, typed arrays, boxed values, null prototypes, hostile keys) never throw', () => {
  const anything = fc.anything({
    key: hostileKeys,
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
  });
  for (const [, decoder] of DECODERS) {
    fc.assert(fc.property(anything, (input) => assertIsResult(decode(decoder, input))), { numRuns: 150 });
  }
});

/** Every path to a node of a JSON tree. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function replaceAt(root: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (let i = 0; i < path.length - 1; i++) node = node[path[i]!] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = replacement;
  return copy;
}

test('mutated real messages: never throw; failures name a path inside the input', () => {
  const cases: [Decoder<unknown>, unknown][] = [
    [scheduler.Call, examples.subscribeCall],
    [scheduler.Call, examples.acceptCall],
    [scheduler.Call, examples.acknowledgeCall],
    [scheduler.Event, examples.offersEvent],
    [scheduler.Event, examples.updateEvent],
    [scheduler.Event, examples.updateOperationStatusEvent],
    [master.Response, examples.getStateResponse],
  ];
  assert.deepEqual(segments('a.b[0]["x y"].c'), ['a', 'b', 0, 'x y', 'c']);
  assert.ok(parentExists({ a: [{}] }, 'a[0].missing') && !parentExists({ a: [] }, 'a[0].missing'));
  for (const [decoder, example] of cases) {
    const all = paths(example);
    fc.assert(
      fc.property(fc.nat({ max: all.length - 1 }), fc.jsonValue({ maxDepth: 3 }), (i, replacement) => {
        const input = replaceAt(example, all[i]!, replacement);
        const r = decode(decoder, input);
        assertIsResult(r);
        if (r.ok) assert.deepEqual(plain(unwrapOk(decode(decoder, plain(r.value)))), plain(r.value));
        else assert.ok(parentExists(input, r.error.path), `error path ${r.error.path} does not point into the input`);
      }),
      { numRuns: 300 },
    );
  }
});

test('the examples themselves decode, and decoding is a fixpoint on them', () => {
  const cases: [Decoder<unknown>, unknown][] = [
    [scheduler.Call, examples.subscribeCall],
    [scheduler.Call, examples.acceptCall],
    [scheduler.Event, examples.subscribedEvent],
    [master.Response, examples.getStateResponse],
  ];
  for (const [decoder, example] of cases) {
    const once = unwrapOk(decode(decoder, example));
    assert.deepEqual(plain(unwrapOk(decode(decoder, plain(once)))), plain(once));
  }
});

test('deeply nested input is reported, not crashed on', () => {
  let deep: unknown = { value: 'leaf' };
  for (let i = 0; i < 200_000; i++) deep = { value: `c${i}`, parent: deep };
  const r = decode(ContainerID, deep);
  assertIsResult(r);
  assert.ok(!r.ok && /nested too deeply/.test(r.error.message));

  let arrays: unknown = [];
  for (let i = 0; i < 200_000; i++) arrays = [arrays];
  for (const [, decoder] of DECODERS) assertIsResult(decode(decoder, arrays));
  // Unknown sub-trees are never walked, however deep.
  assert.deepEqual(decode(scheduler.Call, { type: 'TEARDOWN', junk: arrays }), { ok: true, value: { type: 'TEARDOWN' } });

  const text = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
  assertIsResult(decodeJson(scheduler.Call, text));
});

test('no prototype pollution through __proto__ keys', () => {
  const input = JSON.parse('{"__proto__":{"polluted":1},"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","offer_filters":{"__proto__":{"min_allocatable_resources":{}}}}}}');
  const r = unwrapOk(decode(scheduler.Call, input));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(r), Object.prototype);
  const filters = r.subscribe!.framework_info.offer_filters!;
  assert.ok(Object.hasOwn(filters, '__proto__'), 'a map key named __proto__ is kept as an ordinary key');
  assert.equal(Object.getPrototypeOf(filters), null);
});

/** Splits `a.b[0]["odd key"]` into its segments. */
function segments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /(?:^|\.)([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string)));
  return out;
}

/** The error is about a node of the input, or a missing child of one. */
function parentExists(input: unknown, path: string): boolean {
  const keys = segments(path);
  let node: unknown = input;
  for (const k of keys.slice(0, -1)) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, k)) return false;
    node = (node as Record<string | number, unknown>)[k];
  }
  return true;
}

function unwrapOk<T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!r.ok) assert.fail(`expected success, got ${JSON.stringify(r.error)}`);
  return r.value;
}
