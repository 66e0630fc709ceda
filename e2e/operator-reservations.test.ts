/**
 * Operator reservations and volumes with real processes: `/master/reserve` and
 * `/master/create-volumes` on a live agent; the agent checkpoints them (CHECKPOINT_RESOURCES);
 * after the agent process is SIGKILLed and restarted it re-registers with them, so the master
 * still shows the reservation and the volume; DESTROY_VOLUMES and UNRESERVE_RESOURCES then give
 * the disk back, and that survives another restart too.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@agora/protocol';
import { startCluster, type Cluster } from './support/cluster.ts';
import { waitFor } from './support/processes.ts';

let c: Cluster | undefined;
after(async () => {
  await c?.stop();
});

const dyn = { reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }] };
const reserved = [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, ...dyn }, { name: 'disk', type: 'SCALAR', scalar: { value: 100 }, ...dyn }];
const volume = [{ name: 'disk', type: 'SCALAR', scalar: { value: 100 }, ...dyn, disk: { persistence: { id: 'db-data', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } }];

/** The master's total for the agent, as `name:amount[role][volume]` strings. */
async function masterTotal(url: string): Promise<string[]> {
  const r = await fetch(`${url}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ type: 'GET_AGENTS' }) });
  const body = (await r.json()) as { get_agents: { agents: Array<{ total_resources?: Resource[] }> } };
  return (body.get_agents.agents[0]?.total_resources ?? [])
    .filter((x) => x.name === 'cpus' || x.name === 'disk')
    .map((x) => `${x.name}:${x.scalar?.value}${x.reservations?.length ? `(${x.reservations.at(-1)!.role})` : ''}${x.disk?.persistence ? `[${x.disk.persistence.id}]` : ''}`)
    .sort();
}

/** The agent's own view (its `/state`, as Mesos's agent reports it): the same strings as `masterTotal`. */
async function agentTotal(url: string): Promise<string[]> {
  const st = (await (await fetch(`${url}/state`)).json()) as { reserved_resources_full: Record<string, Resource[]>; unreserved_resources_full: Resource[] };
  return [...Object.values(st.reserved_resources_full).flat(), ...st.unreserved_resources_full]
    .filter((x) => x.name === 'cpus' || x.name === 'disk')
    .map((x) => `${x.name}:${x.scalar?.value}${x.reservations?.length ? `(${x.reservations.at(-1)!.role})` : ''}${x.disk?.persistence ? `[${x.disk.persistence.id}]` : ''}`)
    .sort();
}

/** What the agent has checkpointed (its `meta/resources/resources.info`, written when CHECKPOINT_RESOURCES arrives). */
const checkpointFile = (cl: Cluster) => join(cl.dir, 'agent-1', 'meta', 'resources', 'resources.info');
const agentCheckpoint = (cl: Cluster): string => (existsSync(checkpointFile(cl)) ? readFileSync(checkpointFile(cl), 'utf8') : '');

const post = (url: string, form: Record<string, string>) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() }).then(async (r) => ({ status: r.status, body: await r.text() }));

test('an operator reservation and volume survive an agent restart; destroy and unreserve do too', async () => {
  c = await startCluster({ agents: 1, agentFlags: ['--resources=cpus:2;mem:1024;disk:1000'], masterFlags: ['--allocation-interval=200ms'] });
  const [slaveId] = await c.agentIds();
  const m = c.masterUrl;

  const a = await post(`${m}/master/reserve`, { slaveId: slaveId!, resources: JSON.stringify(reserved) });
  assert.equal(a.status, 202, a.body);
  const b = await post(`${m}/master/create-volumes`, { slaveId: slaveId!, volumes: JSON.stringify(volume) });
  assert.equal(b.status, 202, b.body);
  const want = ['cpus:1', 'cpus:1(eng)', 'disk:100(eng)[db-data]', 'disk:900'];
  assert.deepEqual(await masterTotal(m), want);
  // The agent has checkpointed them before it is killed.
  await waitFor('the agent to checkpoint the volume', () => (agentCheckpoint(c!).includes('db-data') ? true : undefined), 10_000, 100);

  await c.restartAgent(0);
  assert.deepEqual(await masterTotal(m), want, 'the re-registered agent reported its checkpointed resources');
  assert.deepEqual(await agentTotal(c.agentUrls[0]!), want, "the agent's /state shows them too, carved out of its configured resources");

  const v1 = (call: object) => fetch(`${m}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call) }).then((r) => r.status);
  assert.equal(await v1({ type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: { value: slaveId }, volumes: volume } }), 202);
  assert.equal(await v1({ type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: { value: slaveId }, resources: reserved } }), 202);
  assert.deepEqual(await masterTotal(m), ['cpus:2', 'disk:1000']);
  await waitFor('the agent to checkpoint the unreservation', () => (agentCheckpoint(c!).trim() === '[]' ? true : undefined), 10_000, 100);
  await c.restartAgent(0);
  assert.deepEqual(await masterTotal(m), ['cpus:2', 'disk:1000'], 'nothing comes back after a restart');
  assert.deepEqual(await agentTotal(c.agentUrls[0]!), ['cpus:2', 'disk:1000']);
});
