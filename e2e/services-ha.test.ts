/**
 * The services framework highly available: two `agora services` share a ZooKeeper state store
 * and elect a leader through it. The standby proxies the API to the leader. The leader is
 * SIGKILLed in the middle of a rolling upgrade; the standby is elected, loads the stored apps,
 * deployment and instance intents, re-subscribes with the same framework id, reconciles with the
 * master and finishes the deployment — with exactly the app's instances running at the master:
 * none doubled, none orphaned.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ZooKeeperEnsemble } from '@agora/state/testing';
import { startCluster, type Cluster } from './support/cluster.ts';
import { freePorts, startAgora, waitFor, type Daemon } from './support/processes.ts';

let zk: ZooKeeperEnsemble;
let cluster: Cluster;
const instances: { daemon: Daemon; api: string }[] = [];

const send = async (api: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${api}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as any) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

before(async () => {
  zk = await ZooKeeperEnsemble.start({ size: 1 });
  cluster = await startCluster({
    agents: 2,
    masterFlags: ['--allocation-interval=200ms'],
    agentFlags: (i) => [`--resources=cpus:2;mem:2048;disk:4096;ports:[${21000 + i * 1000}-${21999 + i * 1000}]`],
  });
  const ports = await freePorts(2);
  for (const [n, port] of ports.entries()) {
    const api = `http://127.0.0.1:${port}`;
    const daemon = startAgora(`services-${n + 1}`, [
      'services', `--master=${cluster.masterUrl}`, `--http-port=${port}`, `--state=${zk.url('/agora-services')}`,
      '--zk-session-timeout=2s', '--tick-interval=200ms', '--log-level=info',
    ], cluster.dir);
    instances.push({ daemon, api });
    await waitFor(`services-${n + 1} API`, async () => ((await fetch(`${api}/ping`)).status === 200 ? true : undefined), 30_000, 100);
  }
});

after(async () => {
  if (process.env.SERVICES_E2E_DEBUG) for (const i of instances) process.stderr.write(i.daemon.log());
  for (const i of instances) await i.daemon.stop();
  await cluster?.stop();
  await zk?.stop();
});

test('the standby proxies to the leader; killed mid-deployment, the standby finishes it without doubling or orphaning', async () => {
  const leaderOf = async () => {
    for (const i of instances) {
      if (i.daemon.proc.exitCode !== null || i.daemon.proc.signalCode !== null) continue;
      const info = await send(i.api, 'GET', '/v2/info').catch(() => undefined);
      if (info?.json?.elected === true && info.json.frameworkId) return i;
    }
    return undefined;
  };
  const leader = await waitFor('a leader subscribed', leaderOf, 30_000, 200);
  const standby = instances.find((i) => i !== leader)!;
  await waitFor('the standby to know the leader', async () => ((await send(standby.api, 'GET', '/v2/leader')).json.leader === new URL(leader.api).host ? true : undefined), 10_000, 100);

  // Created through the standby: proxied to the leader.
  const created = await send(standby.api, 'POST', '/v2/apps', {
    id: '/ha', cmd: 'sleep 600', cpus: 0.1, mem: 16, instances: 4,
    healthChecks: [{ protocol: 'COMMAND', command: { value: 'true' }, gracePeriodSeconds: 10, intervalSeconds: 1, timeoutSeconds: 1, delaySeconds: 1, maxConsecutiveFailures: 3 }],
    upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0.25 },
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('x-marathon-leader'), leader.api);
  const frameworkId = (await send(leader.api, 'GET', '/v2/info')).json.frameworkId as string;
  await waitFor('4 healthy', async () => ((await send(leader.api, 'GET', '/v2/apps/ha')).json.app.tasksHealthy === 4 ? true : undefined), 30_000, 200);
  await waitFor('no deployment', async () => ((await send(leader.api, 'GET', '/v2/deployments')).json.length === 0 ? true : undefined), 30_000, 200);

  // A rolling upgrade, one instance at a time (min healthy 4, at most 5).
  const upd = await send(leader.api, 'PUT', '/v2/apps/ha', { cmd: 'sleep 700' });
  assert.equal(upd.status, 200);
  const target = (await send(leader.api, 'GET', '/v2/apps/ha')).json.app.version as string;
  await waitFor('the upgrade under way', async () => {
    const tasks = (await send(leader.api, 'GET', '/v2/apps/ha/tasks')).json.tasks as { version: string; state: string }[];
    return tasks.some((t) => t.version === target && t.state === 'TASK_RUNNING') ? true : undefined;
  }, 30_000, 100);
  await leader.daemon.kill();

  const next = await waitFor('the standby to lead', async () => ((await leaderOf()) === standby ? standby : undefined), 30_000, 200);
  assert.equal((await send(next.api, 'GET', '/v2/info')).json.frameworkId, frameworkId, 'same framework id');
  await waitFor('the deployment finished by the new leader', async () => {
    const deps = (await send(next.api, 'GET', '/v2/deployments')).json as unknown[];
    const app = (await send(next.api, 'GET', '/v2/apps/ha?embed=app.tasks')).json.app as { tasks: { version: string; state: string }[]; tasksHealthy: number };
    return deps.length === 0 && app.tasks.length === 4 && app.tasksHealthy === 4 && app.tasks.every((t) => t.version >= target) ? true : undefined;
  }, 60_000, 200);

  // Exactly the app's instances run at the master: nothing doubled, nothing orphaned.
  await waitFor('the master to agree', async () => {
    const ours = ((await send(next.api, 'GET', '/v2/apps/ha/tasks')).json.tasks as { id: string }[]).map((t) => t.id).sort();
    const state = await cluster.state();
    const fw = state.frameworks.find((f) => f.id === frameworkId);
    const live = (fw?.tasks ?? []).filter((t) => ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'].includes(t.state)).map((t) => t.id).sort();
    return JSON.stringify(live) === JSON.stringify(ours) && ours.length === 4 ? true : undefined;
  }, 30_000, 200);
});
