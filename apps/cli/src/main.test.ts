import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from './main.ts';
import { testIO } from './test-io.ts';

test('every command has --help (exit 0, usage on stdout)', async () => {
  for (const cmd of ['execute', 'logs', 'agents', 'frameworks', 'tasks']) {
    const t = testIO();
    assert.equal(await main([cmd, '--help'], t.io), 0, cmd);
    assert.match(t.out(), new RegExp(`Usage: agora ${cmd}`), cmd);
    assert.match(t.out(), /--master <url>/, `${cmd} takes --master after the command name`);
  }
  for (const cmd of ['agents', 'frameworks', 'tasks']) {
    const t = testIO();
    await main([cmd, '--help'], t.io);
    assert.match(t.out(), /--json/, `${cmd} has --json`);
  }
  const t = testIO();
  assert.equal(await main(['--help'], t.io), 0);
  for (const cmd of ['master', 'agent', 'local', 'execute', 'logs', 'agents', 'frameworks', 'tasks']) assert.match(t.out(), new RegExp(`\\n  ${cmd} `));
  assert.match(t.out(), /AGORA_MASTER/);
  const h = testIO();
  assert.equal(await main(['help', 'tasks'], h.io), 0);
  assert.match(h.out(), /--all/);
});

test('usage errors exit 2 with a message on stderr', async () => {
  const cases: [string[], RegExp][] = [
    [[], /Usage: agora/],
    [['nope'], /unknown command 'nope'/],
    [['tasks', '--bogus'], /unknown option '--bogus'/],
    [['logs'], /missing required argument 'task'/],
    [['logs', 't1', '--tail', 'x'], /expected a non-negative integer/],
    [['execute'], /missing required argument 'command'/],
    [['tasks', '--master', 'zk://z:2181/'], /invalid ZooKeeper URL/],
  ];
  for (const [argv, pattern] of cases) {
    const t = testIO();
    assert.equal(await main(argv, t.io), 2, argv.join(' '));
    assert.match(t.err() + t.out(), pattern, argv.join(' '));
  }
});

test('--version', async () => {
  const t = testIO();
  assert.equal(await main(['--version'], t.io), 0);
  assert.match(t.out(), /^\d+\.\d+\.\d+\n$/);
});

test('--master: on the command, before it, from $AGORA_MASTER, or the default', async () => {
  const seen: string[] = [];
  const fetchSpy: typeof fetch = async (input) => {
    seen.push(String(input));
    return new Response('{"slaves":[],"frameworks":[]}', { status: 200 });
  };
  const run = async (argv: string[], env: Record<string, string> = {}) => {
    const t = testIO({ fetch: fetchSpy, env });
    assert.equal(await main(argv, t.io), 0, t.err());
    return seen.at(-1);
  };
  assert.equal(await run(['tasks']), 'http://127.0.0.1:5050/master/state');
  assert.equal(await run(['tasks'], { AGORA_MASTER: 'm1:5050' }), 'http://m1:5050/master/state');
  assert.equal(await run(['tasks', '--master', 'http://m2:6000'], { AGORA_MASTER: 'm1:5050' }), 'http://m2:6000/master/state');
  assert.equal(await run(['--master', 'master@m3:5050', 'agents']), 'http://m3:5050/master/state');
});

test('an unreachable master is a clear error and exit 1', async () => {
  const t = testIO({ fetch: async () => { throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5050'), { code: 'ECONNREFUSED' }) }); } });
  assert.equal(await main(['agents'], t.io), 1);
  assert.match(t.err(), /cannot reach http:\/\/127\.0\.0\.1:5050: connect ECONNREFUSED.*agora local/);
});
