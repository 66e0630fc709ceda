import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ok } from '@agora/protocol';
import { cachedLookup, getentLookup, parsePasswdLine, resolveRunAs, type UserIdentity } from './user.ts';

const root = { uid: 0, name: 'root', home: '/root' };
const alice: UserIdentity = { name: 'alice', uid: 1001, gid: 1002, home: '/home/alice' };
const lookup = async (name: string) => ok(name === 'alice' ? alice : name === 'root' ? { name: 'root', uid: 0, gid: 0, home: '/root' } : undefined);

test('passwd lines', () => {
  assert.deepEqual(parsePasswdLine('alice:x:1001:1002:Alice,,,:/home/alice:/bin/bash\n'), alice);
  assert.equal(parsePasswdLine('garbage'), undefined);
  assert.equal(parsePasswdLine('a:x::1:g:/h:/s'), undefined);
});

test('resolveRunAs', async () => {
  assert.deepEqual(await resolveRunAs(undefined, root, lookup), ok({ home: '/root', switchTo: undefined }));
  assert.deepEqual(await resolveRunAs('root', root, lookup), ok({ home: '/root', switchTo: undefined }));
  assert.deepEqual(await resolveRunAs('alice', root, lookup), ok({ home: '/home/alice', switchTo: { uid: 1001, gid: 1002 } }));
  assert.deepEqual(await resolveRunAs('nobody-here', root, lookup), { ok: false, error: "Cannot run the task as user 'nobody-here': no such user on this agent" });
  const bob = { uid: 1000, name: 'bob', home: '/home/bob' };
  assert.deepEqual(await resolveRunAs('bob', bob, lookup), ok({ home: '/home/bob', switchTo: undefined }));
  assert.deepEqual(await resolveRunAs('alice', bob, lookup), {
    ok: false,
    error: "Cannot run the task as user 'alice': the executor runs as 'bob', which is not root and cannot switch users",
  });
});

test('the lookup cache asks once per TTL', async () => {
  let calls = 0;
  let now = 0;
  const cached = cachedLookup(async (n) => (calls++, lookup(n)), 1_000, 2, () => now);
  await cached('alice');
  await cached('alice');
  assert.equal(calls, 1);
  now = 1_000;
  await cached('alice');
  assert.equal(calls, 2);
});

test('getent: a real user and a missing one', async () => {
  assert.deepEqual(await getentLookup('root'), ok({ name: 'root', uid: 0, gid: 0, home: '/root' }));
  assert.deepEqual(await getentLookup('no-such-user-agora'), ok(undefined));
});
