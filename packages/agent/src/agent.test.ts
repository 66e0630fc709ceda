import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unwrap } from '@agora/protocol';
import { parseFlags, silentLogger, systemClock } from '@agora/runtime';
import { startAgent } from './agent.ts';
import { AGENT_FLAGS } from './flags.ts';
import { eventually, startTestAgent } from './testing/agent-harness.ts';
import { ScriptedMaster } from './testing/scripted-master.ts';

test('registers with the port it actually listens on, and the master can shut it down', async (t) => {
  const { agent, master, url } = await startTestAgent(t);
  const reg = master.of('REGISTER_AGENT')[0]!.register_agent!;
  assert.equal(String(reg.agent_info.port), new URL(url).port);
  assert.equal(reg.agent_info.hostname, '127.0.0.1');
  assert.deepEqual(reg.capabilities!.map((c) => c.type), ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT']);
  assert.ok(reg.agent_info.resources!.some((r) => r.name === 'cpus' && r.scalar?.value === 2));
  assert.equal(agent.agentId(), 'S1');
  master.send({ type: 'SHUTDOWN_AGENT', shutdown_agent: { message: 'decommissioned' } });
  assert.equal(await agent.shutdownByMaster, 'decommissioned');
  await agent.closed;
  await assert.rejects(fetch(`${url}/health`), 'the server is closed');
});

test('a graceful stop destroys every executor, then unregisters from the master', async (t) => {
  const { agent, master } = await startTestAgent(t, ['--executor-registration-timeout=10mins']);
  master.send({ type: 'RUN_TASK', run_task: { framework: { user: 'root', name: 'f', id: { value: 'fw-1' }, failover_timeout: 0, checkpoint: false }, task: { name: 't', task_id: { value: 't' }, agent_id: { value: 'S1' }, executor: { executor_id: { value: 'e' }, command: { shell: true, value: 'sleep 60' } } } } });
  await eventually(() => agent.core.frameworks.get('fw-1')?.executors.get('e')?.pid !== undefined, 5000, 'executor started');
  const pid = agent.core.frameworks.get('fw-1')!.executors.get('e')!.pid!;
  await agent.close();
  assert.throws(() => process.kill(pid, 0), 'the executor is gone');
  await eventually(() => master.of('UNREGISTER_AGENT').length === 1, 2000, 'UNREGISTER_AGENT');
});

test('command tasks are routed to the executor host or a process; launch failures become TASK_FAILED', async (t) => {
  const framework = { user: 'root', name: 'f', id: { value: 'fw-1' }, failover_timeout: 0, checkpoint: false };
  const run = (m: ScriptedMaster, id: string) => m.send({ type: 'RUN_TASK', run_task: { framework, task: { name: id, task_id: { value: id }, agent_id: { value: 'S1' }, command: { shell: true, value: 'true' } } } });
  // The fixture host refuses instances without FAKE_TASK: the refusal reaches the framework.
  const host = await startTestAgent(t, ['--command-executor=host']);
  run(host.master, 'h1');
  await eventually(() => host.master.updates().length === 1, 10_000, 'host update');
  const hs = host.master.of('STATUS_UPDATE')[0]!.status_update!.update.status;
  assert.equal(hs.state, 'TASK_FAILED');
  assert.equal(hs.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  assert.match(hs.message!, /no FAKE_TASK/);
  // No agora-command-executor in the fixture launcher dir.
  const proc = await startTestAgent(t, ['--command-executor=process']);
  run(proc.master, 'p1');
  await eventually(() => proc.master.updates().length === 1, 10_000, 'process update');
  assert.match(proc.master.of('STATUS_UPDATE')[0]!.status_update!.update.status.message!, /not installed/);
});

test('sandboxes of earlier runs are garbage collected by their age', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-agent-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const old = join(dir, 'slaves', 'OLD-S0', 'frameworks', 'f', 'executors', 'e', 'runs', 'c');
  const recent = join(dir, 'slaves', 'RECENT-S0');
  mkdirSync(old, { recursive: true });
  mkdirSync(recent, { recursive: true });
  const eightDaysAgo = Date.now() / 1000 - 8 * 86400;
  utimesSync(join(dir, 'slaves', 'OLD-S0'), eightDaysAgo, eightDaysAgo);
  await startTestAgent(t, [`--work-dir=${dir}`]);
  await eventually(() => !existsSync(join(dir, 'slaves', 'OLD-S0')), 5000, 'old sandboxes removed');
  assert.ok(existsSync(recent), 'a recent one waits for its gc delay');
});

test('startup errors name the flag', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-agent-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'file'), '');
  const start = (argv: string[]) => startAgent(unwrap(parseFlags(AGENT_FLAGS, ['--master=127.0.0.1:5050', '--port=0', ...argv])).options, { logger: silentLogger, connect: new ScriptedMaster(systemClock).connect });
  const notDir = await start([`--work-dir=${join(dir, 'file', 'sub')}`]);
  assert.ok(!notDir.ok && notDir.error.startsWith('--work-dir:'), notDir.ok ? '' : notDir.error);
  const busy = await startTestAgent(t);
  const port = new URL(busy.url).port;
  const taken = await start([`--work-dir=${join(dir, 'w')}`, `--port=${port}`]);
  assert.ok(!taken.ok && taken.error.startsWith('--port:'), taken.ok ? '' : taken.error);
});
