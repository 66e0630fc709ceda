/**
 * `agora master` / `agora agent` run the real daemons (through their packages' `main`), and the
 * client commands talk to a real master. Skipped while a daemon package has no public entry yet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeContext } from '../context.ts';
import { loadDaemon } from '../daemons.ts';
import { checkPortFree } from '../local/ports.ts';
import { main } from '../main.ts';
import { testIO } from '../test-io.ts';
import { executeCommand } from './execute.ts';

const BIN = fileURLToPath(new URL('../../bin/agora.js', import.meta.url));
const masterLoads = (await loadDaemon('master')).ok;
const agentLoads = (await loadDaemon('agent')).ok;

test('agora master --help prints the master\'s own flags', { skip: !masterLoads && '@agora/master has no entry yet' }, () => {
  const r = spawnSync(process.execPath, [BIN, 'master', '--help'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /--allocation-interval/);
  assert.match(r.stdout, /--port=INT/);
});

test('agora agent --help prints the agent\'s own flags', { skip: !agentLoads && '@agora/agent has no entry yet' }, () => {
  const r = spawnSync(process.execPath, [BIN, 'agent', '--help'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /--resources/);
  assert.match(r.stdout, /--master/);
});

test('a real master: agora master runs it, client commands read it, execute subscribes and tears down', { skip: !masterLoads && '@agora/master has no entry yet' }, async (t) => {
  let port = 0;
  do port = 20000 + Math.floor(Math.random() * 30000);
  while (!(await checkPortFree(port, '127.0.0.1')).ok);
  const child = spawn(process.execPath, [BIN, 'master', `--port=${port}`, '--log-level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/master/health`).then((r) => r.status === 200, () => false);
    if (ok) break;
    assert.ok(i < 200 && child.exitCode === null, `the master did not come up:\n${logs}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  const agents = testIO();
  assert.equal(await main(['agents', '--master', url], agents.io), 0, agents.err());
  assert.equal(agents.out(), 'No agents registered.\n');

  // No agents, so no offers: execute gives up after its offer timeout and tears down.
  const io = testIO();
  const code = await executeCommand(makeContext(io.io, url), { command: ['true'], resources: 'cpus:0.1;mem:32', role: '*', env: [], shell: true, offerTimeout: '300ms' });
  assert.equal(code, 1);
  assert.match(io.err(), new RegExp(`Subscribed to ${url} as framework \\S+-0000`));
  assert.doesNotMatch(io.err(), /Lost the connection/);

  const fw = testIO();
  assert.equal(await main(['frameworks', '--all', '--json', '--master', url], fw.io), 0, fw.err());
  const frameworks = JSON.parse(fw.out()) as { name: string; active: boolean }[];
  assert.deepEqual(frameworks.map((f) => [f.name, f.active]), [['agora execute (true)', false]], 'torn down: completed');

  child.kill('SIGTERM');
  assert.equal(await exited, 0, `graceful stop:\n${logs}`);
});

test('agora local routes flags by the real daemons\' tables', { skip: !(masterLoads && agentLoads) && 'a daemon package has no entry yet' }, async () => {
  const { splitLocalArgs } = await import('../local/flags.ts');
  const master = await loadDaemon('master');
  const agent = await loadDaemon('agent');
  assert.ok(master.ok && agent.ok);
  const r = splitLocalArgs(
    ['--allocation-interval=500ms', '--resources', 'cpus:2;mem:1024', '--ip', '127.0.0.1', '--log-level', 'debug', '--command-executor', 'process', '--heartbeat-interval=2secs'],
    master.value.flags,
    agent.value.flags,
  );
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(r.value.masterArgs, ['--allocation-interval=500ms', '--ip=127.0.0.1', '--log-level=debug', '--heartbeat-interval=2secs']);
  assert.deepEqual(r.value.agentArgs, ['--resources=cpus:2;mem:1024', '--ip=127.0.0.1', '--log-level=debug', '--command-executor=process']);
  const bad = splitLocalArgs(['--master', 'x:5050'], master.value.flags, agent.value.flags);
  assert.ok(!bad.ok);
});
