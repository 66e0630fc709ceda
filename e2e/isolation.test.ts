/**
 * Isolation end to end: a master and two agents with cgroups, PID and mount namespaces and disk
 * quotas — agent 1 runs command executors in the executor host, agent 2 one process each — and
 * real tasks: a memory hog fails with REASON_CONTAINER_LIMITATION_MEMORY while its neighbour keeps
 * running; a task sees only its own processes, its sandbox at /mnt/mesos/sandbox and a private
 * /tmp; a sandbox over its disk quota fails with REASON_CONTAINER_LIMITATION_DISK; a task runs as
 * its framework's user; /monitor/statistics and GET_CONTAINERS show the limits and usage; 200
 * launches and kills leave no cgroup behind (agent 1; disk/du runs on agent 2 only). Skipped (with the reason) without root or cgroup v1.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Offer } from '@agora/protocol';
import { startCluster, type Cluster } from './support/cluster.ts';
import { TestFramework } from './support/framework.ts';
import { freePorts, getJson, killMentioning, pidsMentioning, removeDir, startAgora, tempDir, waitFor } from './support/processes.ts';

const hasV1 = existsSync('/sys/fs/cgroup/memory/cgroup.procs') && existsSync('/sys/fs/cgroup/freezer/cgroup.procs');
const skip = process.getuid?.() !== 0 ? 'isolation needs root' : !hasV1 ? 'no cgroup v1 memory/freezer hierarchy on this machine' : undefined;
const CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'freezer'];
const roots = [`agora-e2e-${process.pid}-1`, `agora-e2e-${process.pid}-2`];

let cluster: Cluster;
let fw: TestFramework;
let agentIds: string[];

/** An offer from the agent with room for `need` (earlier launches leave small offers behind). */
function roomyOffer(agentId: string, need: Record<string, number>): Promise<Offer> {
  return waitFor(`an offer from ${agentId} with ${JSON.stringify(need)}`, () => {
    const fits = (o: Offer) => o.agent_id.value === agentId && Object.entries(need).every(([name, v]) =>
      (o.resources ?? []).filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0) >= v);
    const i = fw.offers.findIndex(fits);
    return i < 0 ? undefined : fw.offers.splice(i, 1)[0];
  });
}

/** Container cgroups still under an agent's root, in any controller. */
const leftovers = (root: string) => CONTROLLERS.flatMap((c) => {
  const dir = join('/sys/fs/cgroup', c, root);
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `${c}/${e.name}`) : [];
});

before(async () => {
  if (skip) return;
  cluster = await startCluster({
    agents: 2,
    agentFlags: (i) => [
      // disk/du runs `du` per container every interval: only on agent 2, so agent 1 can take 200 tasks quickly.
      `--isolation=cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid,filesystem/linux${i === 1 ? ',disk/du' : ''}`,
      `--cgroups-root=${roots[i]}`, '--cgroups-enable-cfs', '--cgroups-max-pids=200',
      '--container-disk-watch-interval=200ms', '--enforce-container-disk-quota',
      '--resources=cpus:64;mem:32768;disk:32768;ports:[31000-32000]',
      ...(i === 1 ? ['--command-executor=process'] : []),
    ],
  });
  agentIds = await cluster.agentIds();
  fw = new TestFramework(cluster.masterUrl, { name: 'isolation', user: 'root' }).start();
  await fw.subscribed();
});

after(async () => {
  if (skip) return;
  await fw.teardown().catch(() => undefined);
  await cluster.stop();
  for (const root of roots) for (const c of CONTROLLERS) if (existsSync(join('/sys/fs/cgroup', c, root))) rmdirSync(join('/sys/fs/cgroup', c, root));
});

for (const [i, mode] of [[0, 'executor host'], [1, 'process']] as const) {
  test(`${mode}: a memory hog fails with the memory limitation; its neighbour keeps running`, { skip }, async () => {
    const offer = await roomyOffer(agentIds[i]!, { cpus: 0.2, mem: 80 });
    const [hog, calm] = await fw.launch(offer, [
      { name: 'hog', command: "python3 -c \"x = b'x' * (256 << 20); import time; time.sleep(30)\"", resources: { cpus: 0.1, mem: 48 } },
      { name: 'calm', command: 'sleep 60', resources: { cpus: 0.1, mem: 32 } },
    ]);
    const failed = await fw.waitForState(hog!.task_id.value, 'TASK_FAILED');
    assert.equal(failed.reason, 'REASON_CONTAINER_LIMITATION_MEMORY');
    assert.match(failed.message ?? '', /^Memory limit exceeded: Requested: 48MB Maximum Used: /);
    await fw.waitForState(calm!.task_id.value, 'TASK_RUNNING');
    const stats = await getJson<Array<{ executor_id: string; statistics: Record<string, number> }>>(`${cluster.agentUrls[i]}/monitor/statistics`);
    const mine = stats.find((s) => s.executor_id === calm!.task_id.value);
    assert.ok(mine, `calm is in /monitor/statistics: ${JSON.stringify(stats.map((s) => s.executor_id))}`);
    assert.equal(mine.statistics.mem_limit_bytes, 32 * 1024 * 1024);
    assert.equal(mine.statistics.cpus_limit, 0.1);
    assert.ok(mine.statistics.processes! >= 1 && mine.statistics.timestamp! > 0);
    const containers = await (await fetch(`${cluster.agentUrls[i]}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'GET_CONTAINERS' }) })).json() as {
      get_containers: { containers: Array<{ executor_id: { value: string }; resource_statistics?: Record<string, number> }> };
    };
    const c = containers.get_containers.containers.find((x) => x.executor_id.value === calm!.task_id.value);
    assert.equal(c?.resource_statistics?.mem_limit_bytes, 32 * 1024 * 1024);
    assert.equal(fw.statesOf(calm!.task_id.value).includes('TASK_FAILED'), false);
    // The master's allocation-vs-usage view of this agent (refreshed in the background, at most every 5 s).
    const usage = await waitFor('the master\'s usage of the agent', async () => {
      const body = await getJson<{ agents: Array<{ agent_id: string; containers: number; allocated: { cpus: number }; limits: { mem_bytes: number } }> }>(`${cluster.masterUrl}/master/usage`);
      return body.agents.find((a) => a.agent_id === agentIds[i] && a.containers >= 1);
    }, 15_000);
    assert.ok(usage.allocated.cpus >= 0.1 && usage.limits.mem_bytes >= 32 * 1024 * 1024, JSON.stringify(usage));
    await fw.driver.kill(calm!.task_id);
    await fw.waitForState(calm!.task_id.value, 'TASK_KILLED');
  });

  test(`${mode}: PID namespace, /mnt/mesos/sandbox, private /tmp, and the framework's user`, { skip }, async () => {
    const offer = await roomyOffer(agentIds[i]!, { cpus: 0.1, mem: 32 });
    const [ns] = await fw.launch(offer, [{
      name: 'ns',
      command: [
        'test $$ -eq 1',
        'test "$(ls /proc | grep -c "^[0-9]*$")" -lt 10',
        'test -f /mnt/mesos/sandbox/stdout',
        'echo private > /tmp/marker && test -f /mnt/mesos/sandbox/tmp/marker',
        'test "$(id -u)" = 65534',
      ].join(' && '),
      user: 'nobody',
      resources: { cpus: 0.1, mem: 32 },
    }]);
    const end = await waitFor(`ns to end (${fw.statesOf(ns!.task_id.value).join(',')})`, () => fw.updates.find((u) => u.task_id.value === ns!.task_id.value && ['TASK_FINISHED', 'TASK_FAILED'].includes(u.state)));
    assert.equal(end.state, 'TASK_FINISHED', end.message);
    assert.equal(existsSync('/tmp/marker'), false, 'the task wrote to its own /tmp');
  });

  // disk/du runs on agent 2 (process mode) only: its polling slowed agent 1's 200-task run.
  if (i === 1) test(`${mode}: a sandbox over its disk quota fails with the disk limitation`, { skip }, async () => {
    const offer = await roomyOffer(agentIds[i]!, { cpus: 0.1, mem: 32, disk: 2 });
    const [big] = await fw.launch(offer, [{ name: 'big', command: 'dd if=/dev/zero of=big bs=1M count=8 2>/dev/null; sleep 60', resources: { cpus: 0.1, mem: 32, disk: 2 } }]);
    const failed = await fw.waitForState(big!.task_id.value, 'TASK_FAILED').catch((e: Error) => assert.fail(`${e.message}\n${cluster.agents[i]!.log().split('\n').slice(-15).join('\n')}`));
    assert.equal(failed.reason, 'REASON_CONTAINER_LIMITATION_DISK');
    assert.match(failed.message ?? '', /^Disk usage \(.*\) exceeds quota \(2MB\)$/);
  });
}

test('200 tasks launched and killed on one agent leave no cgroup behind', { skip }, async () => {
  const ids: string[] = [];
  while (ids.length < 200) {
    const batch = Math.min(50, 200 - ids.length);
    const offer = await roomyOffer(agentIds[0]!, { cpus: 0.1 * batch, mem: 32 * batch });
    const tasks = await fw.launch(offer, Array.from({ length: batch }, (_, k) => ({ name: `t${ids.length + k}`, command: 'sleep 60', resources: { cpus: 0.1, mem: 32 } })));
    ids.push(...tasks.map((t) => t.task_id.value));
  }
  const summary = () => JSON.stringify(ids.reduce<Record<string, number>>((m, id) => ((m[fw.statesOf(id).at(-1) ?? 'none'] = (m[fw.statesOf(id).at(-1) ?? 'none'] ?? 0) + 1), m), {}));
  await waitFor('200 tasks running', () => (ids.every((id) => fw.statesOf(id).includes('TASK_RUNNING')) ? true : undefined), 60_000)
    .catch((e: Error) => assert.fail(`${e.message}: ${summary()} ${JSON.stringify([...new Set(fw.updates.filter((u) => u.state === 'TASK_ERROR').map((u) => u.message))])}`));
  assert.ok(leftovers(roots[0]!).length >= 200 * 5, 'each task has its cgroups');
  for (const id of ids) await fw.driver.kill({ value: id });
  await waitFor('200 tasks killed', () => (ids.every((id) => fw.statesOf(id).includes('TASK_KILLED')) ? true : undefined), 60_000);
  await waitFor('no cgroup left', () => (leftovers(roots[0]!).length === 0 ? true : undefined), 30_000);
});

test('agent SIGKILLed while isolated tasks run: the restarted agent leaves no cgroup and no task process', { skip }, async () => {
  const dir = tempDir('iso-crash');
  const root = `agora-e2e-${process.pid}-crash`;
  const [mport, aport] = await freePorts(2);
  const master = startAgora('master', ['master', `--port=${mport}`, `--work-dir=${join(dir, 'master')}`, '--allocation-interval=200ms'], dir);
  const args = ['agent', `--master=127.0.0.1:${mport}`, `--port=${aport}`, `--work-dir=${join(dir, 'agent')}`, `--runtime-dir=${join(dir, 'agent', 'run')}`,
    '--isolation=cgroups/cpu,cgroups/mem,namespaces/pid', `--cgroups-root=${root}`, '--resources=cpus:8;mem:8192'];
  let agent = startAgora('agent-1', args, dir);
  const crashFw = new TestFramework(`http://127.0.0.1:${mport}`, { name: 'crash', user: 'root' }).start();
  try {
    await crashFw.subscribed();
    const sleeps = () => pidsMentioning(join(dir, 'agent', 'slaves')).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep');
      } catch {
        return false;
      }
    });
    const offer = await crashFw.takeOffer(undefined, 60_000);
    const tasks = await crashFw.launch(offer, Array.from({ length: 5 }, (_, k) => ({ name: `s${k}`, command: 'sleep 300 & sleep 300; wait', resources: { cpus: 0.1, mem: 32 } })));
    for (const t of tasks) await crashFw.waitForState(t.task_id.value, 'TASK_RUNNING');
    await waitFor('the tasks\' sleeps', () => (sleeps().length === 10 ? true : undefined), 10_000);
    assert.equal(leftovers(root).length, 5 * 4, 'cpu, cpuacct, memory, freezer cgroups per task');
    await agent.kill();
    agent = startAgora('agent-2', args, dir);
    await waitFor('no cgroup left after the restart', () => (leftovers(root).length === 0 ? true : undefined), 30_000);
    await waitFor('no task process left', () => (sleeps().length === 0 ? true : undefined), 10_000);
  } finally {
    await crashFw.teardown().catch(() => undefined);
    await agent.shutdown();
    await master.stop();
    killMentioning(dir);
    removeDir(dir);
    for (const c of CONTROLLERS) if (existsSync(join('/sys/fs/cgroup', c, root))) rmdirSync(join('/sys/fs/cgroup', c, root));
  }
});
