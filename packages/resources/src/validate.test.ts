import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '@agora/protocol';
import { Resources } from './resources.ts';

const cpus = (extra: Partial<Resource> = {}): Resource => ({ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, ...extra });
const volume = (extra: Partial<Resource> = {}): Resource => ({
  name: 'disk', type: 'SCALAR', scalar: { value: 64 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }],
  disk: { persistence: { id: 'v1' }, volume: { container_path: 'data', mode: 'RW' } }, ...extra,
});

test('invalid resources are rejected with a message naming the entry', () => {
  const cases: [string, unknown, RegExp][] = [
    ['negative scalar', [cpus({ scalar: { value: -1 } })], /negative/],
    ['NaN', [cpus({ scalar: { value: NaN } })], /finite/],
    ['Infinity', [cpus({ scalar: { value: Infinity } })], /finite/],
    ['rounds to zero', [cpus({ scalar: { value: 0.0001 } })], /rounds to 0/],
    ['empty name', [cpus({ name: '' })], /Empty resource name/],
    ['SCALAR without scalar', [{ name: 'cpus', type: 'SCALAR' }], /SCALAR/],
    ['SCALAR with ranges too', [cpus({ ranges: { range: [] } })], /SCALAR/],
    ['RANGES without ranges', [{ name: 'ports', type: 'RANGES' }], /RANGES/],
    ['SET without set', [{ name: 'foo', type: 'SET' }], /SET/],
    ['TEXT type', [{ name: 'foo', type: 'TEXT' }], /TEXT/],
    ['begin > end', [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 5, end: 1 }] } }], /begin > end/],
    ['overlapping ranges', [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 5 }, { begin: 5, end: 9 }] } }], /overlapping/],
    ['duplicate set items', [{ name: 'foo', type: 'SET', set: { item: ['a', 'a'] } }], /duplicated/],
    ['invalid role', [cpus({ role: 'a//b' })], /adjacent slashes/],
    ['reserving *', [cpus({ reservations: [{ type: 'STATIC', role: '*' }] })], /cannot be reserved/],
    ['dynamic reservation of *', [cpus({ role: '*', reservation: {} })], /cannot be dynamically reserved/],
    ['reservation without type', [cpus({ reservations: [{ role: 'a' }] })], /type/],
    ['refinement not a subrole', [cpus({ reservations: [{ type: 'STATIC', role: 'a' }, { type: 'DYNAMIC', role: 'b' }] })], /not a refinement/],
    ['static refinement', [cpus({ reservations: [{ type: 'STATIC', role: 'a' }, { type: 'STATIC', role: 'a/b' }] })], /cannot be STATIC/],
    ['role mismatch with stack', [cpus({ role: 'x', reservations: [{ type: 'STATIC', role: 'a' }] })], /does not match/],
    ['role with refined stack', [cpus({ role: 'a/b', reservations: [{ type: 'STATIC', role: 'a' }, { type: 'DYNAMIC', role: 'a/b' }] })], /more than one/],
    ['disk info on cpus', [cpus({ disk: { source: { type: 'PATH' } } })], /DiskInfo should not be set/],
    ['empty disk info', [{ name: 'disk', type: 'SCALAR', scalar: { value: 1 }, disk: {} }], /empty/],
    ['unreserved persistent volume', [volume({ reservations: undefined })], /unreserved/],
    ['revocable persistent volume', [volume({ revocable: {} })], /revocable/],
    ['volume without volume info', [volume({ disk: { persistence: { id: 'v1' } } })], /'volume' to be set/],
    ['volume with host_path', [volume({ disk: { persistence: { id: 'v1' }, volume: { container_path: 'd', host_path: '/x' } } })], /host_path/],
    ['bad persistence id', [volume({ disk: { persistence: { id: 'a/b' }, volume: { container_path: 'd' } } })], /persistence ID/],
    ['non-persistent volume', [{ name: 'disk', type: 'SCALAR', scalar: { value: 1 }, disk: { volume: { container_path: 'd' } } }], /Non-persistent/],
    ['shared cpus', [cpus({ shared: {} })], /cannot be shared/],
    ['shared non-volume disk', [{ name: 'disk', type: 'SCALAR', scalar: { value: 1 }, shared: {} }], /Only persistent volumes/],
    ['allocation to an invalid role', [cpus({ allocation_info: { role: 'a//b' } })], /allocation role/],
    ['allocation_info without role', [cpus({ allocation_info: {} })], /allocation_info.role/],
  ];
  for (const [what, input, pattern] of cases) {
    const r = Resources.fromProto(input as Resource[]);
    assert.equal(r.ok, false, what);
    if (!r.ok) {
      assert.match(r.error, pattern, `${what}: ${r.error}`);
      assert.match(r.error, /index 0/, `${what} names the entry`);
    }
  }
});

test('valid inputs in both formats are accepted and converted to the stack', () => {
  const pre = Resources.fromProto([cpus({ role: 'eng', reservation: { principal: 'p' } })]);
  assert.ok(pre.ok);
  const post = Resources.fromProto([cpus({ reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }] })]);
  assert.ok(post.ok && pre.ok && pre.value.equals(post.value));
  const endpoint = Resources.fromProto([cpus({ role: 'eng', reservation: { principal: 'p' }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }] })]);
  assert.ok(endpoint.ok && post.ok && endpoint.value.equals(post.value));
  assert.ok(Resources.fromProto([volume()]).ok);
  assert.ok(Resources.fromProto([volume({ shared: {} })]).ok);
  assert.ok(Resources.fromProto([cpus({ allocation_info: { role: '*' } })]).ok, 'frameworks without a role are allocated to *');
});

test('fromJSON decodes untrusted JSON and reports bad shapes', () => {
  const good = Resources.fromJSON([{ name: 'cpus', type: 'SCALAR', scalar: { value: '2' } }, { name: 'mem', type: 'SCALAR', scalar: { value: 3 } }], 'ads');
  assert.ok(good.ok && good.value.reserved('ads').scalar('cpus') === 2);
  const bad = Resources.fromJSON([{ name: 'cpus', type: 'BOGUS', scalar: { value: 1 } }]);
  assert.ok(!bad.ok && /type/.test(bad.error));
  assert.equal(Resources.fromJSON({ not: 'an array' }).ok, false);
  assert.equal(Resources.fromJSON([{ name: 'cpus', type: 'SCALAR', scalar: { value: 'Infinity' } }]).ok, false);
});

test('text format errors', () => {
  for (const bad of ['cpus', 'cpus:abc', 'cpus(:1', 'cpus:1:2', 'ports:[1-2', 'ports:[a-b]', 'foo:{a', 'cpus:1;cpus:[1-2]', 'disk[x]:1', 'cpus(a)(b):1']) {
    assert.equal(Resources.parse(bad).ok, false, bad);
  }
  assert.ok(Resources.parse(' cpus : 1 ; mem : 2 ').ok);
  assert.ok(Resources.parse('[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]').ok);
});
