/**
 * Agent recovery, deterministically: one core ("the agent before the crash") checkpoints into a
 * temporary work dir, and a second core on the same directory recovers from it — with a fake
 * clock, a scripted master and a fake containerizer that says which containers survived.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameworkInfo } from '@agora/protocol';
import { silentLogger } from '@agora/runtime';
import { Checkpointer } from '../checkpoint/checkpointer.ts';
import { MetaLayout } from '../checkpoint/paths.ts';
import type { IdSource } from '../ids.ts';
import { recoverAgent } from '../checkpoint/recover.ts';
import { commandTask, CoreHarness, FRAMEWORK } from '../testing/core-harness.ts';
import { startReregistrationTimers } from './recovery.ts';

const CHECKPOINTING: FrameworkInfo = { ...FRAMEWORK, checkpoint: true };

let lives = 0;

/** IDs of one agent process: uuids that no other "life" in the test repeats (as random ones would not). */
function lifeIds(): IdSource {
  const life = ++lives;
  let c = 0;
  let u = 0;
  return {
    containerId: () => `c${life}-${++c}`,
    uuid: () => {
      const b = Buffer.alloc(16);
      b.writeUInt32BE(life, 0);
      b.writeUInt32BE(++u, 12);
      return b.toString('base64');
    },
  };
}

function agentOn(dir: string, bootId = 'boot-1') {
  const checkpointer = new Checkpointer(new MetaLayout(dir), silentLogger, bootId);
  const h = new CoreHarness({}, { store: checkpointer, checkpoints: checkpointer, ids: lifeIds() });
  return { h, checkpointer };
}

/**
 * The first agent: t1 and t2 run under their command executors; t1's RUNNING is acknowledged,
 * t2's is not. Then it "crashes" (is simply abandoned).
 */
async function firstLife(dir: string) {
  const { h } = agentOn(dir);
  h.master.autoAck = false;
  await h.start();
  await h.runTask(commandTask('t1'), CHECKPOINTING);
  await h.runTask(commandTask('t2'), CHECKPOINTING);
  const containers = new Map(['t1', 't2'].map((t) => [t, h.executor(t)!.containerId]));
  for (const t of ['t1', 't2']) {
    await h.subscribe(t);
    await h.update(t, h.status(t, 'TASK_RUNNING'));
  }
  const t1Running = h.master.of('STATUS_UPDATE').find((m) => m.status_update!.update.status.task_id.value === 't1')!.status_update!.update;
  await h.send({ type: 'STATUS_UPDATE_ACKNOWLEDGEMENT', status_update_acknowledgement: { framework_id: { value: 'fw-1' }, task_id: { value: 't1' }, uuid: t1Running.uuid! } });
  return { containers };
}

async function recoverOn(dir: string, survivors: string[], opts: { bootId?: string; strict?: boolean; mode?: 'reconnect' | 'cleanup' } = {}) {
  const { h, checkpointer } = agentOn(dir, opts.bootId ?? 'boot-1');
  h.master.autoAck = false;
  for (const s of survivors) h.containerizer.survivors.add(s);
  const r = await recoverAgent({
    core: h.core, checkpointer, layout: new MetaLayout(dir), containerizer: h.containerizer,
    mode: opts.mode ?? 'reconnect', strict: opts.strict ?? true, bootId: opts.bootId ?? 'boot-1', logger: silentLogger,
  });
  return { h, r };
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agora-recovery-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('a surviving executor is re-attached; one that died gets TASK_FAILED after its pending update, in order', withDir(async (dir) => {
  const { containers } = await firstLife(dir);
  const { h, r } = await recoverOn(dir, [containers.get('t1')!]);
  assert.ok(r.ok);
  assert.deepEqual({ ...r.value, problems: undefined }, { agentId: 'S1', port: 5051, rebooted: false, adopted: 1, ended: 1, tasks: 2, pendingUpdates: 1, problems: undefined });
  assert.equal(h.executor('t1')!.state, 'REGISTERING', 'waits for the executor to re-subscribe');
  assert.equal(h.core.findTask('fw-1', 't1')!.state, 'TASK_RUNNING');

  await h.start();
  const rereg = h.master.of('REREGISTER_AGENT')[0]!.reregister_agent!;
  assert.equal(rereg.agent_info.id!.value, 'S1', 'the same agent ID');
  assert.deepEqual(rereg.tasks!.map((t) => `${t.task_id.value}:${t.state}`).sort(), ['t1:TASK_RUNNING', 't2:TASK_FAILED']);
  // t2's unacknowledged RUNNING goes first; its TASK_FAILED only once that is acknowledged.
  assert.deepEqual(h.updates(), ['t2:TASK_RUNNING']);
  h.master.ackAll();
  await h.settle();
  assert.deepEqual(h.updates(true), ['t2:TASK_RUNNING', 't2:TASK_FAILED:REASON_EXECUTOR_TERMINATED']);
  h.master.ackAll();
  await h.settle();
  assert.equal(h.executor('t2'), undefined, 'the dead executor is gone once its task is acknowledged');

  // A kill before the executor is back waits for it; it re-subscribes in time and gets it.
  await h.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'fw-1' }, task_id: { value: 't1' } } });
  startReregistrationTimers(h.core);
  await h.advance(1500);
  const sink = await h.subscribe('t1', { unacknowledged_tasks: [], unacknowledged_updates: [] });
  assert.deepEqual(sink.types(), ['SUBSCRIBED', 'KILL']);
  await h.advance(5000);
  assert.equal(h.executor('t1')!.state, 'RUNNING', 'no reregistration timeout once subscribed');
  assert.equal(h.containerizer.destroyed.length, 0);
}));

test('a recovered executor that does not re-subscribe in time is destroyed: TASK_LOST, REASON_EXECUTOR_REREGISTRATION_TIMEOUT', withDir(async (dir) => {
  const { containers } = await firstLife(dir);
  const { h } = await recoverOn(dir, [containers.get('t1')!, containers.get('t2')!]);
  await h.start();
  h.master.ackAll(); // t2's RUNNING, re-sent
  startReregistrationTimers(h.core);
  await h.advance(1999);
  assert.deepEqual(h.containerizer.destroyed, []);
  await h.subscribe('t2', { unacknowledged_tasks: [], unacknowledged_updates: [] });
  await h.advance(1);
  assert.deepEqual(h.containerizer.destroyed, [containers.get('t1')]);
  assert.ok(h.updates(true).includes('t1:TASK_LOST:REASON_EXECUTOR_REREGISTRATION_TIMEOUT'));
  const lost = h.master.of('STATUS_UPDATE').at(-1)!.status_update!.update.status;
  assert.equal(lost.message, 'Executor did not reregister within 2secs');
  assert.equal(h.executor('t2')!.state, 'RUNNING');
}));

test('after a reboot (another boot ID) nothing is adopted, even a PID that looks alive', withDir(async (dir) => {
  const { containers } = await firstLife(dir);
  const { h, r } = await recoverOn(dir, [containers.get('t1')!, containers.get('t2')!], { bootId: 'boot-2' });
  assert.ok(r.ok && r.value.rebooted);
  assert.equal(r.value.adopted, 0);
  assert.equal(h.containerizer.recoverCalls.length, 0, 'the containerizer is not even asked');
  await h.start();
  h.master.ackAll();
  await h.settle();
  assert.deepEqual(h.updates(true), ['t1:TASK_FAILED:REASON_EXECUTOR_TERMINATED', 't2:TASK_RUNNING', 't2:TASK_FAILED:REASON_EXECUTOR_TERMINATED']);
}));

test('checkpointed updates and acknowledgements survive a second restart; completed tasks are not re-sent', withDir(async (dir) => {
  const { containers } = await firstLife(dir);
  const second = await recoverOn(dir, [containers.get('t1')!, containers.get('t2')!]);
  await second.h.start();
  assert.deepEqual(second.h.updates(), ['t2:TASK_RUNNING']);
  second.h.master.ackAll(); // the ack is checkpointed by the second agent
  await second.h.settle();
  await second.h.subscribe('t1', { unacknowledged_tasks: [], unacknowledged_updates: [] });
  await second.h.update('t1', second.h.status('t1', 'TASK_FINISHED'));
  assert.deepEqual(second.h.updates(), ['t2:TASK_RUNNING', 't1:TASK_FINISHED']);
  // Crash again before t1's FINISHED is acknowledged.
  const third = await recoverOn(dir, [containers.get('t2')!]);
  assert.ok(third.r.ok);
  assert.equal(third.r.value.pendingUpdates, 1, "only t1's FINISHED is pending");
  await third.h.start();
  assert.deepEqual(third.h.updates(), ['t1:TASK_FINISHED']);
  assert.deepEqual(third.h.master.of('REREGISTER_AGENT')[0]!.reregister_agent!.tasks!.map((t) => `${t.task_id.value}:${t.state}`).sort(), ['t1:TASK_FINISHED', 't2:TASK_RUNNING']);
  third.h.master.ackAll();
  await third.h.settle();
  // t1's executor ended meanwhile (not a survivor): with its task acknowledged it is removed, and so is its checkpoint.
  assert.equal(third.h.executor('t1'), undefined);
  const fourth = await recoverOn(dir, [containers.get('t2')!]);
  assert.ok(fourth.r.ok);
  assert.deepEqual([...fourth.h.core.frameworks.get('fw-1')!.executors.keys()], ['t2']);
  assert.equal(fourth.r.value.pendingUpdates, 0);
}));

test('--recover=cleanup: the surviving executors are destroyed, the checkpoints removed, and the agent registers anew', withDir(async (dir) => {
  const { containers } = await firstLife(dir);
  const { h, r } = await recoverOn(dir, [containers.get('t1')!], { mode: 'cleanup' });
  assert.ok(r.ok);
  assert.equal(r.value.agentId, undefined);
  assert.deepEqual(h.containerizer.destroyed, [containers.get('t1')]);
  assert.equal(existsSync(join(dir, 'meta')), false);
  assert.equal(h.core.frameworks.size, 0);
  await h.start();
  assert.equal(h.master.of('REGISTER_AGENT').length, 1);
  assert.equal(h.master.of('REREGISTER_AGENT').length, 0);
}));

test('a framework without checkpointing leaves no checkpoint of its executors or tasks', withDir(async (dir) => {
  const { h } = agentOn(dir);
  await h.start();
  await h.runTask(commandTask('t1'), FRAMEWORK);
  await h.subscribe('t1');
  await h.update('t1', h.status('t1', 'TASK_RUNNING'));
  assert.ok(existsSync(join(dir, 'meta', 'slaves', 'S1', 'slave.info')), 'the agent itself is checkpointed');
  assert.equal(existsSync(join(dir, 'meta', 'slaves', 'S1', 'frameworks')), false);
}));

test('checkpointed resources (reservations) come back and are reported when re-registering', withDir(async (dir) => {
  const { h } = agentOn(dir);
  await h.start();
  const reserved = [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC' as const, role: 'web', principal: 'ops' }] }];
  await h.send({ type: 'CHECKPOINT_RESOURCES', checkpoint_resources: { resources: reserved } });
  const { h: again, r } = await recoverOn(dir, []);
  assert.ok(r.ok && r.value.agentId === 'S1');
  await again.start();
  assert.deepEqual(again.master.of('REREGISTER_AGENT')[0]!.reregister_agent!.checkpointed_resources, reserved);
}));
