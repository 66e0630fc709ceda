/**
 * The contract every StateStore meets, run against each implementation by its test file:
 * `storeConformance('file', factory)`. Each test gets a fresh, empty store from the factory.
 * Implementation-specific behaviour (locks, damaged files, sessions) is tested beside each store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Result } from '@agora/protocol';
import { getJson, setJson } from './json.ts';
import { keySegment, MAX_KEY_LENGTH, unescapeKeySegment } from './keys.ts';
import type { StateStore, StoreError, StoreErrorCode } from './store.ts';

/** A fresh empty store; `reopen` closes nothing itself and returns a new handle on the same data. */
export interface StoreFixture {
  readonly store: StateStore;
  /** A new handle on the same data, opened after `store` was closed (what a restarted process sees). */
  reopen(): Promise<StateStore>;
  /** Removes everything the fixture made (handles it opened included). */
  cleanup(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreFixture>;

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function value<T>(r: Result<T, StoreError>): T {
  if (!r.ok) assert.fail(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function failure<T>(r: Result<T, StoreError>, code: StoreErrorCode): StoreError {
  if (r.ok) assert.fail(`expected ${code}, got success ${JSON.stringify(r.value)}`);
  assert.equal(r.error.code, code, r.error.message);
  return r.error;
}

export function storeConformance(name: string, factory: StoreFactory): void {
  const withStore = (title: string, fn: (s: StateStore, fx: StoreFixture) => Promise<void>) =>
    test(`${name} conformance: ${title}`, async () => {
      const fx = await factory();
      try {
        await fn(fx.store, fx);
      } finally {
        await fx.cleanup();
      }
    });

  withStore('versions start at 0 and every write adds 1; writes are compare-and-set', async (s) => {
    assert.equal(value(await s.get('a')), undefined);
    failure(await s.set('a', bytes('x'), 0), 'VERSION_MISMATCH');
    assert.equal(value(await s.set('a', bytes('one'), 'absent')), 0);
    assert.deepEqual(value(await s.get('a')), { value: bytes('one'), version: 0 });
    const e = failure(await s.set('a', bytes('x'), 'absent'), 'VERSION_MISMATCH');
    assert.equal(e.key, 'a');
    assert.equal(value(await s.set('a', bytes('two'), 0)), 1);
    failure(await s.set('a', bytes('stale'), 0), 'VERSION_MISMATCH');
    assert.equal(value(await s.set('a', bytes('three'), 'any')), 2);
    assert.equal(value(await s.set('b', bytes('new'), 'any')), 0);
    const a = value(await s.get('a'));
    assert.equal(text(a!.value), 'three');
    assert.equal(a!.version, 2);
  });

  withStore('delete is compare-and-set too; a re-created key starts again at 0', async (s) => {
    value(await s.delete('missing'));
    failure(await s.delete('missing', 0), 'VERSION_MISMATCH');
    value(await s.set('k', bytes('v'), 'absent'));
    value(await s.set('k', bytes('v'), 0));
    failure(await s.delete('k', 0), 'VERSION_MISMATCH');
    assert.equal(value(await s.get('k'))?.version, 1);
    value(await s.delete('k', 1));
    assert.equal(value(await s.get('k')), undefined);
    value(await s.delete('k'));
    assert.equal(value(await s.set('k', bytes('again'), 'absent')), 0);
    value(await s.delete('k', 'any'));
    assert.equal(value(await s.get('k')), undefined);
  });

  withStore('values are bytes: empty, binary and copied in and out', async (s) => {
    value(await s.set('empty', new Uint8Array(0), 'absent'));
    const empty = value(await s.get('empty'));
    assert.ok(empty, 'an empty value is a value, not an absent key');
    assert.equal(empty.value.length, 0);
    const all = new Uint8Array(256).map((_, i) => i);
    value(await s.set('binary', all, 'absent'));
    all[0] = 99; // the store kept its own copy
    const got = value(await s.get('binary'))!.value;
    assert.equal(got.length, 256);
    assert.equal(got[0], 0);
    assert.equal(got[255], 255);
    got[1] = 99; // and hands out copies
    assert.equal(value(await s.get('binary'))!.value[1], 1);
  });

  withStore('list names the keys directly below a prefix, including prefixes of deeper keys', async (s) => {
    assert.deepEqual(value(await s.list('')), []);
    assert.deepEqual(value(await s.list('nothing/here')), []);
    value(await s.set('registry/agents/a2', bytes('2'), 'absent'));
    value(await s.set('registry/agents/a1', bytes('1'), 'absent'));
    value(await s.set('registry/quota/roles/r1', bytes('q'), 'absent'));
    value(await s.set('registry', bytes('a key and a prefix at once'), 'absent'));
    value(await s.set('top', bytes('t'), 'absent'));
    assert.deepEqual(value(await s.list('')), ['registry', 'top']);
    assert.deepEqual(value(await s.list('registry')), ['agents', 'quota']);
    assert.deepEqual(value(await s.list('registry/agents')), ['a1', 'a2']);
    assert.deepEqual(value(await s.list('registry/agents/a1')), []);
    assert.equal(value(await s.get('registry/quota')), undefined, 'a prefix alone has no value');
    assert.equal(text(value(await s.get('registry'))!.value), 'a key and a prefix at once');
    // Deleting the only key below a prefix removes the prefix from listings.
    value(await s.delete('registry/quota/roles/r1'));
    assert.deepEqual(value(await s.list('registry')), ['agents']);
    // A value and keys below it are independent.
    value(await s.delete('registry'));
    assert.deepEqual(value(await s.list('')), ['registry', 'top']);
    assert.deepEqual(value(await s.list('registry/agents')), ['a1', 'a2']);
    value(await s.delete('registry/agents/a1'));
    value(await s.delete('registry/agents/a2'));
    assert.deepEqual(value(await s.list('')), ['top']);
  });

  withStore('keys are validated; keySegment escapes any name into a usable segment', async (s) => {
    for (const bad of ['', '/a', 'a/', 'a//b', '.hidden', 'a/.b', 'a b', 'ä', 'x'.repeat(MAX_KEY_LENGTH + 1)]) {
      failure(await s.get(bad), 'INVALID_KEY');
      failure(await s.set(bad, bytes('v'), 'any'), 'INVALID_KEY');
      failure(await s.delete(bad), 'INVALID_KEY');
    }
    failure(await s.list('a//b'), 'INVALID_KEY');
    for (const name of ['a/b', '.x', 'role with spaces', 'ünï/cødé', '', '%41']) {
      const seg = keySegment(name);
      assert.equal(unescapeKeySegment(seg), name);
      value(await s.set(`roles/${seg}`, bytes(name), 'absent'));
      assert.equal(text(value(await s.get(`roles/${seg}`))!.value), name);
    }
    assert.equal(value(await s.list('roles')).length, 6);
    failure(await s.set('k', bytes('v'), -1 as never), 'INVALID_KEY');
    failure(await s.set('k', bytes('v'), 1.5 as never), 'INVALID_KEY');
  });

  withStore('values above maxValueBytes are refused with TOO_LARGE', async (s) => {
    assert.ok(s.maxValueBytes > 0);
    const big = new Uint8Array(s.maxValueBytes).fill(7);
    assert.equal(value(await s.set('big', big, 'absent')), 0);
    assert.equal(value(await s.get('big'))!.value.length, s.maxValueBytes);
    const e = failure(await s.set('big', new Uint8Array(s.maxValueBytes + 1), 'any'), 'TOO_LARGE');
    assert.match(e.message, /limit/);
    assert.equal(value(await s.get('big'))!.version, 0);
  });

  withStore('concurrent compare-and-set: exactly one writer wins each version', async (s) => {
    value(await s.set('counter', bytes('0'), 'absent'));
    const racers = await Promise.all(Array.from({ length: 8 }, (_, i) => s.set('counter', bytes(`w${i}`), 0)));
    assert.equal(racers.filter((r) => r.ok).length, 1);
    for (const r of racers) if (!r.ok) assert.equal(r.error.code, 'VERSION_MISMATCH');
    // Read-modify-write loops all land.
    value(await s.set('n', bytes('0'), 'absent'));
    const increment = async () => {
      for (;;) {
        const cur = value(await s.get('n'))!;
        const r = await s.set('n', bytes(String(Number(text(cur.value)) + 1)), cur.version);
        if (r.ok) return;
        assert.equal(r.error.code, 'VERSION_MISMATCH');
      }
    };
    await Promise.all(Array.from({ length: 6 }, increment));
    const n = value(await s.get('n'))!;
    assert.equal(text(n.value), '6');
    assert.equal(n.version, 6);
    // Concurrent creations of sibling keys under a new prefix all succeed.
    const created = await Promise.all(Array.from({ length: 6 }, (_, i) => s.set(`fresh/deep/k${i}`, bytes('x'), 'absent')));
    for (const r of created) value(r);
    assert.equal(value(await s.list('fresh/deep')).length, 6);
  });

  withStore('fencing: a later claim refuses every write made with an earlier token', async (s) => {
    const t1 = value(await s.claimEpoch());
    const old = s.fenced(t1);
    assert.deepEqual(old.token, t1);
    assert.equal(value(await old.set('reg', bytes('by leader 1'), 'absent')), 0);
    value(await old.set('gone', bytes('x'), 'absent'));
    failure(await old.set('reg', bytes('cas still applies'), 'absent'), 'VERSION_MISMATCH');
    const t2 = value(await s.claimEpoch());
    assert.ok(t2.epoch > t1.epoch, `epoch ${t2.epoch} follows ${t1.epoch}`);
    const e = failure(await old.set('reg', bytes('by the deposed leader'), 0), 'FENCED');
    assert.equal(e.key, 'reg');
    failure(await old.set('other', bytes('x'), 'any'), 'FENCED');
    failure(await old.delete('gone'), 'FENCED');
    // Reads still work for the deposed leader.
    assert.equal(text(value(await old.get('reg'))!.value), 'by leader 1');
    assert.deepEqual(value(await old.list('')), ['gone', 'reg']);
    const cur = s.fenced(t2);
    assert.equal(value(await cur.set('reg', bytes('by leader 2'), 0)), 1);
    value(await cur.delete('gone', 0));
    assert.equal(value(await s.get('gone')), undefined);
    // Unfenced writes (single-writer setups, tools) are not affected by fencing.
    assert.equal(value(await s.set('reg', bytes('unfenced'), 1)), 2);
  });

  withStore('everything survives a restart: values, versions and the fencing epoch', async (s, fx) => {
    value(await s.set('a/b', bytes('ab'), 'absent'));
    value(await s.set('a/b', bytes('ab2'), 0));
    value(await s.set('c', bytes('c'), 'absent'));
    const t1 = value(await s.claimEpoch());
    await s.close();
    const again = await fx.reopen();
    try {
      assert.deepEqual(value(await again.get('a/b')), { value: bytes('ab2'), version: 1 });
      assert.deepEqual(value(await again.list('')), ['a', 'c']);
      value(await again.fenced(t1).set('c', bytes('still epoch 1'), 0));
      const t2 = value(await again.claimEpoch());
      assert.ok(t2.epoch > t1.epoch);
      failure(await again.fenced(t1).set('c', bytes('x'), 'any'), 'FENCED');
    } finally {
      await again.close();
    }
  });

  withStore('a closed store refuses every call with CLOSED; close is idempotent', async (s) => {
    value(await s.set('k', bytes('v'), 'absent'));
    await s.close();
    await s.close();
    failure(await s.get('k'), 'CLOSED');
    failure(await s.set('k', bytes('v'), 'any'), 'CLOSED');
    failure(await s.delete('k'), 'CLOSED');
    failure(await s.list(''), 'CLOSED');
    failure(await s.claimEpoch(), 'CLOSED');
  });

  withStore('JSON helpers write canonical JSON and decode it back', async (s) => {
    assert.equal(value(await setJson(s, 'j', { b: [2, { d: 1, c: 0 }], a: 'x' }, 'absent')), 0);
    assert.equal(text(value(await s.get('j'))!.value), '{"a":"x","b":[2,{"c":0,"d":1}]}');
    assert.deepEqual(value(await getJson(s, 'j')), { value: { a: 'x', b: [2, { c: 0, d: 1 }] }, version: 0 });
    value(await s.set('notjson', bytes('{'), 'absent'));
    failure(await getJson(s, 'notjson'), 'CORRUPT');
    assert.equal(value(await getJson(s, 'absent')), undefined);
  });
}
