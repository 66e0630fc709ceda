/**
 * `agora job …` against a real cron daemon in process (its master is unreachable: nothing runs,
 * the API still answers), through `main()` as a user would type it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryKv, startCron } from '@agora/cron';
import { main } from '../main.ts';
import { testIO } from '../test-io.ts';

test('agora job add, list, show, run, history, kill and rm', async (t) => {
  const started = await startCron(
    { master: '127.0.0.1:1', httpPort: 0, hostname: '127.0.0.1', state: 'memory', failureRetry: 'PT60S', offerHold: 'PT5S', frameworkName: 'cli-test', role: '*', user: undefined, historyLimit: 100, logLevel: 'silent', failureWebhook: undefined, zkSessionTimeout: 'PT10S' },
    { kv: new MemoryKv(), log: () => undefined },
  );
  assert.ok(started.ok);
  const cron = started.value;
  await cron.elected;
  const dir = mkdtempSync(join(tmpdir(), 'agora-job-cli-'));
  t.after(async () => {
    await cron.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const run = async (...argv: string[]) => {
    const io = testIO({ env: { AGORA_CRON: cron.url } });
    const code = await main(argv, io.io);
    return { code, out: io.out(), err: io.err() };
  };
  const file = join(dir, 'jobs.json');
  writeFileSync(file, JSON.stringify([
    { name: 'nightly', command: 'echo hi', schedule: 'R/2100-01-01T02:00:00Z/P1D', scheduleTimeZone: 'Europe/Berlin' },
    { name: 'after', command: 'echo after', parents: ['nightly'] },
    { id: 'metro.job', run: { cmd: 'echo m' }, schedules: [{ id: 's', cron: '*/5 * * * *' }] },
  ]));
  const add = await run('job', 'add', file);
  assert.equal(add.code, 0, add.err);
  assert.match(add.out, /job nightly saved\njob after saved\njob metro\.job saved/);
  const list = await run('job', 'list');
  assert.equal(list.code, 0);
  assert.match(list.out, /nightly\s+R\/2100-01-01T02:00:00\.000\+01:00\/P1D\s+idle\s+fresh/);
  assert.match(list.out, /after\s+after nightly/);
  const json = JSON.parse((await run('job', 'list', '--json')).out) as { name: string }[];
  assert.deepEqual(json.map((j) => j.name), ['after', 'metro.job', 'nightly']);
  assert.equal((JSON.parse((await run('job', 'show', 'nightly')).out) as { scheduleTimeZone: string }).scheduleTimeZone, 'Europe/Berlin');
  const runNow = await run('job', 'run', 'nightly', 'a', 'b');
  assert.deepEqual([runNow.code, runNow.out], [0, 'job nightly started\n']);
  const history = JSON.parse((await run('job', 'history', 'nightly', '--json')).out) as { active: { status: string; arguments: string[] }[] };
  assert.deepEqual([history.active[0]!.status, history.active[0]!.arguments], ['QUEUED', ['a', 'b']]);
  assert.match((await run('job', 'history', 'nightly')).out, /SCHEDULED\s+ATTEMPT\s+STATUS[\s\S]*QUEUED/);
  assert.equal((await run('job', 'kill', 'nightly')).code, 0);
  assert.equal((await run('job', 'rm', 'after')).code, 0);
  const missing = await run('job', 'show', 'after');
  assert.deepEqual([missing.code, missing.err], [1, "agora: job 'after' does not exist\n"]);
  writeFileSync(file, JSON.stringify({ name: 'bad', command: 'x', schedule: 'every day' }));
  const bad = await run('job', 'add', file);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^agora: schedule: 'every day' is not an ISO 8601 repeating interval/);
  const down = testIO({ env: { AGORA_CRON: 'http://127.0.0.1:1' } });
  assert.equal(await main(['job', 'list'], down.io), 1);
  assert.match(down.err(), /cannot reach the cron daemon at http:\/\/127\.0\.0\.1:1/);
});
