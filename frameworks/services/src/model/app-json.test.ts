import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appToJson, parseAppBody } from './app-json.ts';
import { resolvePath, pathIdProblems } from './path-id.ts';

test('a minimal app gets Marathon defaults', () => {
  const r = parseAppBody('{"id":"web","cmd":"sleep 100"}');
  assert.ok(r.ok);
  const a = r.value;
  assert.equal(a.id, '/web');
  assert.equal(a.cpus, 1);
  assert.equal(a.mem, 128);
  assert.equal(a.instances, 1);
  assert.equal(a.backoffFactor, 1.15);
  assert.equal(a.maxLaunchDelaySeconds, 300);
  assert.deepEqual(a.upgradeStrategy, { minimumHealthCapacity: 1, maximumOverCapacity: 1 });
  assert.deepEqual(a.portDefinitions, [{ port: 0, protocol: 'tcp', name: 'default', labels: {} }]);
  assert.equal(a.killSelection, 'YOUNGEST_FIRST');
});

test('explicit nulls read as absent; legacy ports and uris become canonical', () => {
  const r = parseAppBody('{"id":"/a/b","cmd":"x","mem":null,"ports":[0,0],"uris":["http://h/x.tgz"]}');
  assert.ok(r.ok);
  assert.equal(r.value.mem, 128);
  assert.equal(r.value.portDefinitions.length, 2);
  assert.deepEqual(r.value.fetch, [{ uri: 'http://h/x.tgz', extract: true, executable: false, cache: false }]);
});

test('value rules give 422 Object is not valid with field paths', () => {
  const r = parseAppBody('{"id":"/Bad_ID","cmd":"x","cpus":0,"upgradeStrategy":{"minimumHealthCapacity":1.5},"constraints":[["hostname","NOPE"]]}');
  assert.ok(!r.ok);
  assert.equal(r.error.status, 422);
  assert.equal(r.error.body.message, 'Object is not valid');
  const paths = (r.error.body.details as readonly { path: string }[]).map((d) => d.path);
  assert.deepEqual(paths.sort(), ['/constraints(0)', '/cpus', '/id', '/upgradeStrategy/minimumHealthCapacity']);
});

test('wrong JSON types give 422 Invalid JSON with play-json codes; malformed text gives 400', () => {
  const r = parseAppBody('{"id":"/x","cmd":"x","cpus":"lots","env":{"A":1}}');
  assert.ok(!r.ok);
  assert.equal(r.error.status, 422);
  const details = new Map((r.error.body.details as readonly { path: string; errors: readonly string[] }[]).map((d) => [d.path, d.errors]));
  assert.deepEqual(details.get('/cpus'), ['error.expected.jsnumber']);
  assert.deepEqual(details.get('/env/A'), ['error.expected.jsobject']);
  const m = parseAppBody('{"id":');
  assert.ok(!m.ok);
  assert.equal(m.error.status, 400);
  const arr = parseAppBody('[1,2]');
  assert.ok(!arr.ok);
  assert.equal(arr.error.status, 422);
});

test('cmd and args together, or neither, are refused at the root path', () => {
  const r = parseAppBody('{"id":"/x","cmd":"a","args":["b"]}');
  assert.ok(!r.ok);
  assert.equal((r.error.body.details as readonly { path: string }[])[0]!.path, '/');
});

test('partial update keeps other fields; output reads back to the same spec', () => {
  const base = parseAppBody('{"id":"/x","cmd":"a","instances":2,"labels":{"k":"v"},"healthChecks":[{"protocol":"COMMAND","command":{"value":"true"}}]}');
  assert.ok(base.ok);
  const upd = parseAppBody('{"instances":5}', { base: base.value });
  assert.ok(upd.ok);
  assert.equal(upd.value.instances, 5);
  assert.deepEqual(upd.value.labels, { k: 'v' });
  const again = parseAppBody(JSON.stringify(appToJson(upd.value)));
  assert.ok(again.ok);
  assert.deepEqual(again.value, upd.value);
});

test('ids resolve relative to a base and follow the segment rule', () => {
  assert.equal(resolvePath('c/../d', '/a/b'), '/a/b/d');
  assert.deepEqual(pathIdProblems('/ok/name-1'), []);
  assert.equal(pathIdProblems('/-bad').length, 1);
  assert.equal(pathIdProblems('/a/tasks', { reservedKeywords: true }).length, 1);
});
