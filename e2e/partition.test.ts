/**
 * A network partition with real processes (fault-scenarios.md rows 20–21): the agent runs on a
 * "host" of its own — a network namespace joined to ours by a veth pair — and the partition is
 * that link going down. Past the ping timeouts the master marks the agent unreachable and the
 * partition-aware framework hears TASK_UNREACHABLE; when the link comes back the agent
 * re-registers and the task is RUNNING again (REASON_AGENT_REREGISTERED) with the same PID:
 * nothing was killed. Needs root (ip netns); skipped otherwise.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestFramework } from './support/framework.ts';
import { AGORA_BIN, freePorts, getJson, killMentioning, pidsMentioning, removeDir, startAgora, tempDir, waitFor, type Daemon } from './support/processes.ts';

const tag = String(process.pid % 100000);
const NS = `agora-p${tag}`;
const HOST_IF = `ap${tag}h`;
const NS_IF = `ap${tag}a`;
const NET = `10.213.${process.pid % 250}`;
const MASTER_IP = `${NET}.1`;
const AGENT_IP = `${NET}.2`;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function netnsUsable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for ip netns';
  try {
    ip('netns', 'add', `${NS}-probe`);
    ip('netns', 'del', `${NS}-probe`);
    return undefined;
  } catch (e) {
    return `ip netns unavailable: ${e instanceof Error ? e.message : String(e)}`;
  }
}

const skip = netnsUsable();
let dir: string;
let master: Daemon | undefined;
let agent: ChildProcess | undefined;
let fw: TestFramework | undefined;
let masterUrl: string;

before(async () => {
  if (skip) return;
  dir = tempDir('partition');
  ip('netns', 'add', NS);
  ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
  ip('link', 'set', NS_IF, 'netns', NS);
  ip('addr', 'add', `${MASTER_IP}/24`, 'dev', HOST_IF);
  ip('link', 'set', HOST_IF, 'up');
  ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${AGENT_IP}/24`, 'dev', NS_IF);
  ip('netns', 'exec', NS, 'ip', 'link', 'set', NS_IF, 'up');
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
  const [masterPort, agentPort] = await freePorts(2);
  masterUrl = `http://${MASTER_IP}:${masterPort}`;
  master = startAgora('master', [
    'master', `--ip=${MASTER_IP}`, `--port=${masterPort}`, '--agent-ping-timeout=500ms', '--max-agent-ping-timeouts=4',
    '--allocation-interval=200ms', '--log-level=info',
  ], dir);
  await waitFor('the master', async () => ((await fetch(`${masterUrl}/health`)).ok ? true : undefined), 30_000, 200);
  // The agent, on its own "host": every process it starts (executors, tasks) lives in the namespace.
  const log = openSync(join(dir, 'agent.log'), 'a');
  agent = spawn('ip', [
    'netns', 'exec', NS, process.execPath, AGORA_BIN, 'agent', `--master=${MASTER_IP}:${masterPort}`, `--ip=${AGENT_IP}`, `--port=${agentPort}`,
    `--work-dir=${join(dir, 'agent')}`, `--runtime-dir=${join(dir, 'agent', 'run')}`, '--resources=cpus:2;mem:1024',
    '--registration-backoff-factor=100ms', '--log-level=info',
  ], { stdio: ['ignore', log, log], env: { ...process.env, AGORA_TEST: '1' } });
  await waitFor('the agent to register', async () => ((await getJson<{ slaves: unknown[] }>(`${masterUrl}/master/state`)).slaves.length === 1 ? true : undefined), 60_000, 200);
  fw = new TestFramework(masterUrl, { name: 'aware', checkpoint: true, failover_timeout: 3600, capabilities: [{ type: 'PARTITION_AWARE' }] }).start();
});

after(async () => {
  await fw?.stop().catch(() => undefined);
  if (agent && agent.exitCode === null) {
    agent.kill('SIGUSR1'); // the agent's full shutdown (its framework checkpoints: SIGTERM would leave the tasks)
    await new Promise((r) => setTimeout(r, 3000));
  }
  await master?.stop();
  if (!skip) {
    try {
      ip('link', 'del', HOST_IF);
    } catch {
      /* gone with the namespace */
    }
    try {
      ip('netns', 'del', NS);
    } catch {
      /* not created */
    }
  }
  if (dir) {
    killMentioning(dir);
    removeDir(dir);
  }
});

function sleepPid(): number | undefined {
  for (const pid of pidsMentioning(dir)) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0] === 'sleep' && argv[1] === '30003') return pid;
    } catch {
      /* gone */
    }
  }
  return undefined;
}

test('agent partitioned past the ping timeout, then healed: unreachable, then RUNNING again, nothing killed', { skip }, async () => {
  const f = fw!;
  const offer = await f.takeOffer();
  const [t] = await f.launch(offer, [{ name: 'p', command: 'exec sleep 30003' }]);
  const id = t!.task_id.value;
  await f.waitForState(id, 'TASK_RUNNING');
  const pid = await waitFor('the task process', () => sleepPid(), 10_000);

  ip('link', 'set', HOST_IF, 'down');
  const unreachable = await f.waitForState(id, 'TASK_UNREACHABLE', 20_000);
  assert.equal(unreachable.reason, 'REASON_AGENT_REMOVED');
  assert.ok(unreachable.unreachable_time);
  const state = await getJson<{ unreachable_slaves: number }>(`${masterUrl}/master/state`);
  assert.equal(state.unreachable_slaves, 1);

  ip('link', 'set', HOST_IF, 'up');
  const back = await waitFor('the task back to RUNNING', () =>
    f.updates.find((u) => u.task_id.value === id && u.state === 'TASK_RUNNING' && u.reason === 'REASON_AGENT_REREGISTERED'), 45_000);
  assert.equal(back.source, 'SOURCE_MASTER');
  assert.equal(sleepPid(), pid, 'the same process kept running');
  assert.ok(!f.updates.some((u) => u.task_id.value === id && ['TASK_KILLED', 'TASK_FAILED', 'TASK_LOST', 'TASK_FINISHED'].includes(u.state)), 'never killed');
  const after = await getJson<{ unreachable_slaves: number; slaves: Array<{ active: boolean }> }>(`${masterUrl}/master/state`);
  assert.equal(after.unreachable_slaves, 0);
  assert.equal(after.slaves.filter((s) => s.active).length, 1);
});
