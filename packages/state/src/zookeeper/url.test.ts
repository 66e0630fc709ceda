import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatZkUrl, parseZkUrl, redact } from './url.ts';

test('parseZkUrl: servers, default port, path and digest credentials', () => {
  assert.deepEqual(parseZkUrl('zk://h1:2181,h2:2182/mesos'), {
    ok: true,
    value: { hosts: [{ host: 'h1', port: 2181 }, { host: 'h2', port: 2182 }], servers: 'h1:2181,h2:2182', path: '/mesos' },
  });
  const r = parseZkUrl('zk://10.0.0.1/agora/prod');
  assert.ok(r.ok);
  assert.equal(r.value.servers, '10.0.0.1:2181');
  assert.equal(r.value.path, '/agora/prod');
  const a = parseZkUrl('zk://alice:s3cr:et@zk1:2181/agora');
  assert.ok(a.ok);
  assert.deepEqual(a.value.auth, { scheme: 'digest', credentials: 'alice:s3cr:et' });
  assert.equal(formatZkUrl(a.value), 'zk://alice:***@zk1:2181/agora');
  assert.equal(formatZkUrl(a.value, { showPassword: true }), 'zk://alice:s3cr:et@zk1:2181/agora');
});

test('parseZkUrl: what is wrong is named, and passwords never appear in errors', () => {
  const cases: Array<[string, RegExp]> = [
    ['http://h:2181/a', /expected 'zk:\/\//],
    ['zk://h:2181', /missing path/],
    ['zk://h:2181/', /may not be '\/'/],
    ['zk://h:2181/a/', /may not end with/],
    ['zk://h:2181/a//b', /empty segment/],
    ['zk://h:2181/a/../b', /'\.' or '\.\.'/],
    ['zk://h:2181/zookeeper/x', /belong to ZooKeeper/],
    ['zk:///a', /no servers/],
    ['zk://h:0/a', /out of range/],
    ['zk://h:99999/a', /out of range/],
    ['zk://h:abc/a', /bad port 'abc'/],
    ['zk://h1,,h2/a', /empty server/],
    ['zk://[::1]:2181/a', /IPv6/],
    ['zk://user@h/a', /'user:password'/],
  ];
  for (const [url, why] of cases) {
    const r = parseZkUrl(url);
    assert.ok(!r.ok, url);
    assert.match(r.error, why, url);
  }
  const bad = parseZkUrl('zk://bob:hunter2@h:x/a');
  assert.ok(!bad.ok);
  assert.doesNotMatch(bad.error, /hunter2/);
  assert.equal(redact('zk://bob:hunter2@h:2181/a'), 'zk://bob:***@h:2181/a');
});
