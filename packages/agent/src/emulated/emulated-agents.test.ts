import { test } from 'node:test';
import assert from 'node:assert/strict';
import { internal } from '@agora/protocol';
import { acceptChannels, createHttpServer, type Channel } from '@agora/runtime';
import { eventually } from '../testing/agent-harness.ts';
import { startEmulatedAgents } from './emulated-agents.ts';

/** A minimal master over real WebSockets: registers agents, records what they send. */
async function miniMaster() {
  const app = createHttpServer();
  const agents = new Map<string, Channel<internal.AgentMessage, internal.MasterMessage>>();
  const updates: internal.StatusUpdate[] = [];
  let n = 0;
  acceptChannels<internal.AgentMessage, internal.MasterMessage>(app, internal.AGENT_CHANNEL_PATH, internal.AgentMessage, (ch) => {
    let registered = false;
    ch.onMessage((m) => {
      // A registration retried on the same channel (the reply was still in flight) is ignored, as the master does.
      if (m.type === 'REGISTER_AGENT' && !registered) {
        registered = true;
        const id = `S${n++}`;
        agents.set(id, ch);
        ch.send({ type: 'AGENT_REGISTERED', agent_registered: { agent_id: { value: id }, master_info: { id: 'm', ip: 0, port: 5050 } } });
      }
      if (m.type === 'STATUS_UPDATE') {
        const u = m.status_update!.update;
        updates.push(u);
        ch.send({ type: 'STATUS_UPDATE_ACKNOWLEDGEMENT', status_update_acknowledgement: { framework_id: u.framework_id, task_id: u.status.task_id, uuid: u.uuid! } });
      }
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  return { app, agents, updates, address: `127.0.0.1:${address.port}` };
}

const framework = { user: 'u', name: 'bench', id: { value: 'fw' }, failover_timeout: 0, checkpoint: false };

test('emulated agents register over their own WebSockets and run tasks through the real core', async (t) => {
  const master = await miniMaster();
  const started = await startEmulatedAgents({ master: master.address, count: 50, resources: 'cpus:4;mem:8192', attributes: 'rack:r{i}', registrationBackoffFactorMs: 50 });
  assert.ok(started.ok);
  const emulated = started.value;
  t.after(async () => {
    await emulated.close();
    const closing = master.app.close();
    master.app.server.closeAllConnections();
    await closing;
  });
  await emulated.allRegistered();
  assert.equal(master.agents.size, 50);
  assert.equal(emulated.stats().registered, 50);
  assert.equal(emulated.agents[7]!.core.config.attributes[0]!.text?.value ?? String(emulated.agents[7]!.core.config.attributes[0]!.scalar?.value), 'r7');

  for (const [id, ch] of master.agents) {
    ch.send({ type: 'RUN_TASK', run_task: { framework, task: { name: 't', task_id: { value: `t-${id}` }, agent_id: { value: id }, command: { shell: true, value: 'sleep 1000' } } } });
  }
  await eventually(() => master.updates.filter((u) => u.status.state === 'TASK_RUNNING').length === 50, 10_000, 'all running');
  assert.equal(master.updates.filter((u) => u.status.state === 'TASK_STARTING').length, 50, 'STARTING first');
  assert.equal(emulated.stats().tasksRunning, 50);

  for (const [id, ch] of master.agents) ch.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'fw' }, task_id: { value: `t-${id}` } } });
  await eventually(() => master.updates.filter((u) => u.status.state === 'TASK_KILLED').length === 50, 10_000, 'all killed');
  await eventually(() => emulated.stats().executors === 0, 5000, 'executors gone after their terminal ack');
  const sample = master.updates.find((u) => u.status.state === 'TASK_KILLED')!;
  assert.equal(sample.status.source, 'SOURCE_EXECUTOR');
  assert.ok(sample.uuid);
});

test('bad options are errors naming the option', async () => {
  const r = await startEmulatedAgents({ master: 'file:///etc/mesos', count: 1 });
  assert.ok(!r.ok && r.error.startsWith('master:'));
  const r2 = await startEmulatedAgents({ master: '127.0.0.1:1', count: 1, resources: 'cpus:-1' });
  assert.ok(!r2.ok && r2.error.startsWith('resources:'));
});
