/**
 * Maintenance on a real cluster, driven by the real `agora maintenance` CLI (Mesos
 * docs/maintenance.md): a master and two agents on distinct hostnames, a framework on the SDK.
 *  - a window for one machine: the framework's offers from it carry the unavailability and it
 *    gets an inverse offer for the agent running its task; its answer shows in the status;
 *  - machine down: that agent's daemon is told to shut down and exits, the master reports its
 *    task TASK_LOST/REASON_AGENT_REMOVED, and an agent started again on the machine is refused;
 *  - machine up: the machine leaves the schedule, an agent started again registers and is
 *    offered without unavailability.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main as agora, sleep } from '@agora/cli';
import { startCluster, type Cluster } from './support/cluster.ts';
import { TestFramework } from './support/framework.ts';
import { freePorts, getJson, startAgora, waitFor, type Daemon } from './support/processes.ts';

let c: Cluster;
before(async () => {
  c = await startCluster({
    agents: 2,
    masterFlags: ['--allocation-interval=200ms'],
    agentFlags: (i) => [`--hostname=maint-${i}`, '--resources=cpus:2;mem:1024'],
  });
});
after(() => c?.stop());

/**
 * `agora maintenance ARGS --master=…`, in-process (the CLI's `main`, real HTTP to the real
 * master; a new Node process per command would cost ~2 s each): exit code and output.
 */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    stdout: { write: (s: string) => void (out += s), isTTY: false },
    stderr: { write: (s: string) => void (err += s), isTTY: false },
    env: {},
    fetch: globalThis.fetch,
    sleep,
    interrupt: new AbortController().signal,
  };
  const code = await agora(['maintenance', ...args, `--master=${c.masterUrl}`], io);
  return { code, out, err };
}

/** Waits for a daemon to exit (a bug, reported with its log, if it does not within `ms`). */
async function exits(d: Daemon, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const r = await Promise.race([d.exited, timeout]);
  clearTimeout(timer);
  if (r === 'timeout') assert.fail(`${d.name} still running after ${ms} ms:\n${d.log().slice(-2000)}`);
}

/** Starts an agent on machine maint-0 with a fresh work dir (a restarted machine's agent). */
async function startMachine0Agent(name: string): Promise<Daemon> {
  const [port] = await freePorts(1);
  const dir = join(c.dir, name);
  return startAgora(name, [
    'agent', `--master=${new URL(c.masterUrl).host}`, `--port=${port}`, `--work-dir=${dir}`, `--runtime-dir=${join(dir, 'run')}`,
    '--log-level=info', '--hostname=maint-0', '--resources=cpus:2;mem:1024',
  ], c.dir);
}

test('schedule → unavailability and an inverse offer; down → agent shut down, task lost, refused; up → it registers again', async () => {
  const fw = new TestFramework(c.masterUrl, { name: 'maintenance-e2e' }).start();
  const started: Daemon[] = [];
  try {
    const [agent0] = await c.agentIds();
    const slaves = await getJson<{ slaves: Array<{ id: string; hostname: string; pid: string }> }>(`${c.masterUrl}/master/slaves`);
    const s0 = slaves.slaves.find((s) => s.id === agent0)!;
    assert.equal(s0.hostname, 'maint-0');
    const machine = { hostname: 'maint-0', ip: s0.pid.replace(/^slave\(1\)@/, '').replace(/:\d+$/, '') };

    const offer = await fw.takeOffer(agent0);
    const [t] = await fw.launch(offer, [{ name: 'long', command: 'sleep 300' }]);
    const taskId = t!.task_id.value;
    await fw.waitForState(taskId, 'TASK_RUNNING');

    // Schedule a window for maint-0 (from now, one hour).
    const file = join(c.dir, 'schedule.json');
    const start = Date.now() * 1e6;
    writeFileSync(file, JSON.stringify({ windows: [{ machine_ids: [machine], unavailability: { start: { nanoseconds: start }, duration: { nanoseconds: 3600e9 } } }] }));
    const scheduled = await cli('schedule', file);
    assert.equal(scheduled.code, 0, scheduled.err);
    assert.match(scheduled.out, /maint-0 \/ \S+\s+DRAINING/);

    const inverse = await waitFor('an inverse offer for maint-0', () => fw.inverseOffers.find((io) => io.agent_id?.value === agent0), 10_000);
    assert.equal(inverse.unavailability.start.nanoseconds, start);
    const withUnavailability = await waitFor('an offer from maint-0 with unavailability', () => fw.offers.find((o) => o.agent_id.value === agent0 && o.unavailability), 10_000);
    assert.equal(withUnavailability.unavailability!.duration?.nanoseconds, 3600e9);
    assert.ok(fw.offers.filter((o) => o.agent_id.value !== agent0).every((o) => o.unavailability === undefined), 'the other machine is not affected');

    const accepted = await fw.driver.acceptInverseOffers([inverse.id]);
    assert.ok(accepted.ok);
    const status = await cli('status', '--json');
    assert.equal(status.code, 0, status.err);
    const parsed = JSON.parse(status.out) as { draining_machines: Array<{ id: unknown; statuses: Array<{ status: string; framework_id: { value: string } }> }> };
    assert.deepEqual(parsed.draining_machines[0]!.id, machine);
    assert.deepEqual(parsed.draining_machines[0]!.statuses.map((s) => [s.status, s.framework_id.value]), [['ACCEPT', fw.id]]);

    // Down: the agent is told to shut down, its daemon exits, its task is reported.
    const notScheduled = await cli('down', 'maint-1');
    assert.equal(notScheduled.code, 1);
    assert.match(notScheduled.err, /maint-1 is not in the maintenance schedule/);
    const down = await cli('down', 'maint-0');
    assert.equal(down.code, 0, down.err);
    const lost = await fw.waitForState(taskId, 'TASK_LOST', 10_000);
    assert.equal(lost.reason, 'REASON_AGENT_REMOVED');
    assert.equal(lost.source, 'SOURCE_MASTER');
    assert.match(lost.message ?? '', /Operator initiated 'Machine DOWN'/);
    await exits(c.agents[0]!, 15_000);
    assert.match(c.agents[0]!.log(), /Machine DOWN/);
    assert.ok(!(await c.state()).slaves.some((s) => s.id === agent0));

    // Restarted while DOWN: refused, with the reason in its log, and it exits.
    const refused = await startMachine0Agent('maint-0-while-down');
    started.push(refused);
    await exits(refused, 15_000);
    assert.match(refused.log(), /DOWN for maintenance/);
    assert.equal((await c.state()).slaves.filter((s) => s.hostname === 'maint-0').length, 0);

    // Up: out of the schedule; a restarted agent registers and is offered without unavailability.
    const up = await cli('up', 'maint-0');
    assert.equal(up.code, 0, up.err);
    const empty = await cli('status');
    assert.match(empty.out, /No machines in maintenance/);
    const back = await startMachine0Agent('maint-0-after-up');
    started.push(back);
    const backId = await waitFor('the agent on maint-0 to register again', async () =>
      (await c.state()).slaves.find((s) => s.hostname === 'maint-0' && s.active)?.id, 20_000, 200);
    const fresh = await fw.takeOffer(backId, 10_000);
    assert.equal(fresh.unavailability, undefined);
  } finally {
    await fw.teardown();
    await Promise.all(started.map((d) => d.shutdown()));
  }
});
