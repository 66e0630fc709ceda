import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { FakeMaster } from '@agora/sdk';
import { FakeAgent } from '../fake-agent.ts';
import { main } from '../main.ts';
import { testIO } from '../test-io.ts';
import { logsCommand } from './logs.ts';
import { makeContext } from '../context.ts';

const FID = '0b6a3f2e-91c4-4d4e-a8f2-7c1e5b9d2a10-0003';
const AID = '0b6a3f2e-91c4-4d4e-a8f2-7c1e5b9d2a10-S0';
const TASK = 'hi.5a1e9a3c-8f7b-4c1e-9d2a-3b4c5d6e7f80';
const DIR = `/work/agent-1/slaves/${AID}/frameworks/${FID}/executors/${TASK}/runs/c1`;

async function cluster(t: TestContext, taskState = 'TASK_RUNNING') {
  const master = await FakeMaster.start();
  const agent = await FakeAgent.start();
  t.after(async () => {
    await master.close();
    await agent.close();
  });
  master.route('GET', '/master/state', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        slaves: [{ id: AID, hostname: 'localhost', port: agent.port, pid: `slave(1)@127.0.0.1:${agent.port}` }],
        frameworks: [{ id: FID, name: 'hi', tasks: [{ id: TASK, name: 'hi', framework_id: FID, executor_id: '', slave_id: AID, state: taskState }], completed_tasks: [] }],
        completed_frameworks: [],
      }),
    );
  });
  agent.state = {
    frameworks: [{ id: FID, executors: [{ id: TASK, directory: DIR, tasks: [{ id: TASK }] }], completed_executors: [] }],
    completed_frameworks: [],
  };
  return { master, agent };
}

test('logs: a task\'s stdout by ID prefix, stderr with --stderr, the last lines with --tail', async (t) => {
  const { master, agent } = await cluster(t);
  agent.append(`${DIR}/stdout`, 'one\ntwo\nthree\nfour\n');
  agent.append(`${DIR}/stderr`, 'warning: é\n');
  const run = async (argv: string[]) => {
    const io = testIO();
    const code = await main([...argv, '--master', master.url], io.io);
    return { code, out: io.out(), err: io.err() };
  };
  assert.deepEqual(await run(['logs', 'hi.5a']), { code: 0, out: 'one\ntwo\nthree\nfour\n', err: '' });
  assert.deepEqual(await run(['logs', TASK, '--stderr']), { code: 0, out: 'warning: é\n', err: '' });
  assert.deepEqual(await run(['logs', 'hi', '--tail', '2']), { code: 0, out: 'three\nfour\n', err: '' });
  assert.deepEqual(await run(['logs', 'hi', '--tail', '10']), { code: 0, out: 'one\ntwo\nthree\nfour\n', err: '' });
  assert.deepEqual(await run(['logs', 'hi', '--tail', '0']), { code: 0, out: '', err: '' });
  const missing = await run(['logs', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no task matches 'nope'/);
});

test('logs -f: follows new output until interrupted', async (t) => {
  const { master, agent } = await cluster(t);
  agent.append(`${DIR}/stdout`, 'start\n');
  const io = testIO();
  const ctx = makeContext(io.io, master.url);
  const done = logsCommand(ctx, 'hi', { follow: true, pollMs: 10 });
  const waitOut = async (text: string) => {
    for (let i = 0; i < 300 && !io.out().includes(text); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(io.out().includes(text), `waiting for ${JSON.stringify(text)}, got ${JSON.stringify(io.out())}`);
  };
  await waitOut('start\n');
  agent.append(`${DIR}/stdout`, 'more ');
  await waitOut('more ');
  agent.append(`${DIR}/stdout`, 'and more\n');
  await waitOut('and more\n');
  io.interrupt();
  assert.equal(await done, 0);
  assert.equal(io.out(), 'start\nmore and more\n');
});

test('logs: a sandbox the agent no longer has is a clear error', async (t) => {
  const { master, agent } = await cluster(t, 'TASK_FINISHED');
  agent.state = { frameworks: [], completed_frameworks: [] };
  const io = testIO();
  assert.equal(await main(['logs', 'hi', '--master', master.url], io.io), 1);
  assert.match(io.err(), /has no sandbox for task hi\.5a1e9a3c-.* garbage-collected/);
});

test('logs: a task of a task group is read from tasks/<id>/ in its executor\'s sandbox', async (t) => {
  const { master, agent } = await cluster(t);
  const group = 'group-executor';
  master.route('GET', '/master/state', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        slaves: [{ id: AID, hostname: 'localhost', port: agent.port, pid: `slave(1)@127.0.0.1:${agent.port}` }],
        frameworks: [{ id: FID, name: 'pods', tasks: [{ id: 'pod.web', framework_id: FID, executor_id: group, slave_id: AID, state: 'TASK_RUNNING' }] }],
      }),
    );
  });
  agent.state = { frameworks: [{ id: FID, executors: [{ id: group, directory: '/ex', tasks: [{ id: 'pod.web' }] }] }] };
  agent.append('/ex/stdout', 'executor output\n');
  agent.append('/ex/tasks/pod.web/stdout', 'task output\n');
  const io = testIO();
  assert.equal(await main(['logs', 'pod', '--master', master.url], io.io), 0, io.err());
  assert.equal(io.out(), 'task output\n');
});
