import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { main } from '../main.ts';
import { parseMasterState } from '../master-state.ts';
import { jsonFetch, testIO } from '../test-io.ts';
import { renderAgents } from './agents.ts';
import { renderFrameworks } from './frameworks.ts';
import { renderTasks } from './tasks.ts';

/** A /master/state document shaped like Mesos 1.11's (two agents, three frameworks). */
const RECORDED = JSON.parse(readFileSync(new URL('../fixtures/master-state.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const NOW = 1764000000000;
const ctx = { color: false, now: () => NOW };
const state = (() => {
  const s = parseMasterState(RECORDED);
  assert.ok(s.ok);
  return s.value;
})();

test('agents table: short IDs, addresses from the PID, used/total, task counts', () => {
  assert.equal(
    renderAgents(state, ctx),
    [
      'ID            HOSTNAME    ADDRESS          ACTIVE   TASKS   CPUS    MEM             DISK         REGISTERED',
      '0b6a3f2e-S0   127.0.0.1   127.0.0.1:5051   yes      2       0.6/4   160 MB/7.5 GB   0 MB/10 GB   58m',
      '0b6a3f2e-S1   127.0.0.1   127.0.0.1:5052   yes      0       0/2     0 MB/2 GB       0 MB/4 GB    2m',
      '',
    ].join('\n'),
  );
});

test('frameworks table: roles, status (active, disconnected, completed with --all)', () => {
  const all = renderFrameworks(state, true, ctx);
  assert.equal(
    all,
    [
      'ID              NAME                   ROLES   STATUS         TASKS   CPUS   MEM      REGISTERED',
      '0b6a3f2e-0000   services               web     active         2       0.6    160 MB   56m',
      '0b6a3f2e-0001   agora execute (hi)     *       disconnected   0       0      0 MB     1m',
      '0b6a3f2e-0002   agora execute (echo)   *       completed      0       0      0 MB     15m',
      '',
    ].join('\n'),
  );
  assert.doesNotMatch(renderFrameworks(state, false, ctx), /completed/);
});

test('tasks table: active only by default, completed ones with --all', () => {
  const active = renderTasks(state, false, ctx);
  assert.equal(
    active,
    [
      'ID             NAME     STATE     FRAMEWORK   AGENT       CPUS   MEM      AGE',
      'web.3f6c1a2b   web      RUNNING   services    127.0.0.1   0.5    128 MB   55m',
      'worker.77aa    worker   STAGING   services    127.0.0.1   0.1    32 MB    -',
      '',
    ].join('\n'),
  );
  const all = renderTasks(state, true, ctx);
  assert.match(all, /web\.old-1 +web +KILLED/);
  assert.match(all, /echo\.5a1e9a3c +echo +FINISHED +agora execute \(echo\)/);
});

test('colour only on a terminal, and never with NO_COLOR or --no-color', async () => {
  const fetch = jsonFetch({ '/master/state': RECORDED });
  const tty = testIO({ fetch, tty: true });
  assert.equal(await main(['agents'], tty.io), 0);
  assert.ok(tty.out().includes('\u001b[1mID\u001b[22m'), 'bold header');
  for (const [argv, env] of [[['agents'], {}], [['--no-color', 'agents'], {}], [['agents'], { NO_COLOR: '1' }]] as const) {
    const t = testIO({ fetch, tty: argv.length === 1 && Object.keys(env).length === 0 ? false : true, env: { ...env } });
    assert.equal(await main([...argv], t.io), 0);
    assert.ok(!t.out().includes('\u001b['), `${argv.join(' ')} ${JSON.stringify(env)}`);
  }
});

test('--json prints the master\'s raw entries', async () => {
  const fetch = jsonFetch({ '/master/state': RECORDED });
  const run = async (argv: string[]) => {
    const t = testIO({ fetch });
    assert.equal(await main(argv, t.io), 0, t.err());
    return JSON.parse(t.out()) as { id: string; [k: string]: unknown }[];
  };
  const agents = await run(['agents', '--json']);
  assert.deepEqual(agents, (RECORDED.slaves as unknown[]));
  const frameworks = await run(['frameworks', '--json']);
  assert.deepEqual(frameworks.map((f) => f.name), ['services', 'agora execute (hi)']);
  assert.equal((await run(['frameworks', '--all', '--json'])).length, 3);
  const tasks = await run(['tasks', '--json']);
  assert.deepEqual(tasks.map((t) => [t.id, t.state, t.slave_id]), [
    ['web.3f6c1a2b-1c2d-4e5f-8a9b-0c1d2e3f4a5b', 'TASK_RUNNING', '0b6a3f2e-91c4-4d4e-a8f2-7c1e5b9d2a10-S0'],
    ['worker.77aa', 'TASK_STAGING', '0b6a3f2e-91c4-4d4e-a8f2-7c1e5b9d2a10-S0'],
  ]);
  assert.equal((await run(['tasks', '--all', '--json'])).length, 4);
});

test('empty clusters say so; a non-JSON or failing master is an error (exit 1)', async () => {
  const empty = testIO({ fetch: jsonFetch({ '/master/state': { slaves: [], frameworks: [] } }) });
  assert.equal(await main(['tasks'], empty.io), 0);
  assert.match(empty.out(), /No active tasks/);
  const e2 = testIO({ fetch: jsonFetch({ '/master/state': { slaves: [] } }) });
  assert.equal(await main(['agents'], e2.io), 0);
  assert.equal(e2.out(), 'No agents registered.\n');
  const bad = testIO({ fetch: async () => new Response('No leader elected', { status: 503 }) });
  assert.equal(await main(['frameworks'], bad.io), 1);
  assert.match(bad.err(), /\/master\/state answered 503: No leader elected/);
  const notJson = testIO({ fetch: async () => new Response('<html>', { status: 200 }) });
  assert.equal(await main(['tasks'], notJson.io), 1);
  assert.match(notJson.err(), /did not answer JSON/);
});
