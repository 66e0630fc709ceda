import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unwrap, type internal } from '@agora/protocol';
import { parseFlags, silentLogger, systemClock } from '@agora/runtime';
import { startAgent, type AgentHandle } from './agent.ts';
import { MetaLayout } from './checkpoint/paths.ts';
import { AGENT_FLAGS } from './flags.ts';
import { eventually, startTestAgent } from './testing/agent-harness.ts';
import { ScriptedMaster } from './testing/scripted-master.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

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

const customTask = (frameworkId: string, checkpoint: boolean, id: string): internal.MasterMessage => ({
  type: 'RUN_TASK',
  run_task: {
    framework: { user: 'root', name: 'f', id: { value: frameworkId }, failover_timeout: 0, checkpoint },
    task: { name: id, task_id: { value: id }, agent_id: { value: 'S1' }, executor: { executor_id: { value: id }, command: { shell: true, value: 'sleep 60' } } },
  },
});
const executorPid = (agent: AgentHandle, frameworkId: string, executorId: string) => agent.core.frameworks.get(frameworkId)?.executors.get(executorId)?.pid;

test('shutdown() (SIGUSR1) unregisters from the master first, then destroys every executor and forgets the agent ID', async (t) => {
  const { agent, master, workDir } = await startTestAgent(t, ['--executor-registration-timeout=10mins']);
  master.send(customTask('fw-cp', true, 'e'));
  await eventually(() => executorPid(agent, 'fw-cp', 'e') !== undefined, 5000, 'executor started');
  const pid = executorPid(agent, 'fw-cp', 'e')!;
  const stopped = agent.shutdown();
  await eventually(() => master.of('UNREGISTER_AGENT').length === 1, 2000, 'UNREGISTER_AGENT');
  await stopped;
  assert.equal(alive(pid), false, 'the executor of a checkpointing framework is gone too');
  assert.equal(existsSync(new MetaLayout(workDir).latestAgentLink()), false, 'the next start registers anew');
  assert.equal(agent.close(), stopped, 'a later close() is the same stop');
});

test('close() (SIGTERM) is an exit: checkpointing frameworks\' executors keep running and the next agent adopts them; the others are shut down', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-agent-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const argv = [`--work-dir=${dir}`, '--executor-registration-timeout=10mins', '--executor-reregistration-timeout=15secs'];
  const first = await startTestAgent(t, argv);
  first.master.send(customTask('fw-cp', true, 'kept'));
  first.master.send(customTask('fw-1', false, 'gone'));
  await eventually(() => executorPid(first.agent, 'fw-cp', 'kept') !== undefined && executorPid(first.agent, 'fw-1', 'gone') !== undefined, 5000, 'executors started');
  const kept = executorPid(first.agent, 'fw-cp', 'kept')!;
  const gone = executorPid(first.agent, 'fw-1', 'gone')!;
  await first.agent.close();
  assert.equal(alive(kept), true, 'the checkpointing framework\'s executor still runs');
  assert.equal(alive(gone), false, 'the other framework\'s executor was shut down');
  assert.equal(first.master.of('UNREGISTER_AGENT').length, 0, 'an exit does not unregister');
  assert.equal(first.master.isConnected, false, 'the master link is closed');
  await assert.rejects(fetch(`${first.url}/health`), 'the server is closed');
  assert.equal(first.agent.core.frameworks.get('fw-cp')?.executors.get('kept')?.state, 'REGISTERING', 'nothing changed after the exit');

  const second = await startTestAgent(t, argv);
  assert.equal(await second.agent.registered(), 'S1');
  const rereg = second.master.of('REREGISTER_AGENT')[0]!.reregister_agent!;
  assert.deepEqual((rereg.tasks ?? []).map((task) => task.task_id.value), ['kept'], 're-registered with the surviving task only');
  assert.equal(executorPid(second.agent, 'fw-cp', 'kept'), kept, 'the same executor process, adopted');
  await second.agent.shutdown();
  assert.equal(alive(kept), false);
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
