import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type { internal, TaskState } from '@agora/protocol';
import { silentLogger } from '@agora/runtime';
import { Checkpointer, type RunRef } from './checkpointer.ts';
import { writeAtomic } from './files.ts';
import { MetaLayout } from './paths.ts';
import { readCheckpoint } from './reader.ts';
import { ackRecord, replayUpdates, updateRecord } from './records.ts';

let n = 0;
const uuid = () => {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(++n, 12);
  return b.toString('base64');
};
const update = (task: string, state: TaskState, fw = 'fw-1'): internal.StatusUpdate => {
  const u = uuid();
  return { framework_id: { value: fw }, status: { task_id: { value: task }, state, uuid: u, source: 'SOURCE_EXECUTOR' }, timestamp: 1, uuid: u };
};

function withDir(fn: (dir: string) => void): () => void {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'agora-checkpoint-'));
    try {
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('replaying task.updates: pending in order, acks, completion; a partial last record is ignored', () => {
  const a = update('t', 'TASK_STARTING');
  const b = update('t', 'TASK_RUNNING');
  const c = update('t', 'TASK_FINISHED');
  const text = [updateRecord(a), updateRecord(b), ackRecord(a.uuid!), updateRecord(c)].join('\n') + '\n';
  const r = replayUpdates(text + '{"type":"UPD');
  assert.ok(r.ok);
  assert.deepEqual(r.value.pending.map((u) => u.status.state), ['TASK_RUNNING', 'TASK_FINISHED']);
  assert.equal(r.value.acknowledged.size, 1);
  assert.equal(r.value.completed, false);
  assert.equal(r.value.partialTail, true);
  const done = replayUpdates(text + [ackRecord(b.uuid!), ackRecord(c.uuid!)].join('\n') + '\n');
  assert.ok(done.ok && done.value.completed && done.value.pending.length === 0);
});

test('replaying task.updates: a corrupt record, or an ACK of an unknown update, is an error naming the record', () => {
  const a = update('t', 'TASK_RUNNING');
  const bad = replayUpdates(`${updateRecord(a)}\nnot json\n${ackRecord(a.uuid!)}\n`);
  assert.ok(!bad.ok && /record 2: not JSON/.test(bad.error));
  const noUuid = replayUpdates(`${JSON.stringify({ type: 'UPDATE', update: { ...a, uuid: undefined, status: { ...a.status, uuid: undefined } } })}\n`);
  assert.ok(!noUuid.ok && /without a valid uuid/.test(noUuid.error));
  const stray = replayUpdates(`${ackRecord(uuid())}\n`);
  assert.ok(!stray.ok && /record 1: ACK of an update that was never recorded/.test(stray.error));
});

test('writeAtomic replaces a file whole and leaves no temporary files', withDir((dir) => {
  const f = join(dir, 'a', 'b', 'x.info');
  assert.ok(writeAtomic(f, 'one').ok);
  assert.ok(writeAtomic(f, 'two').ok);
  assert.equal(readFileSync(f, 'utf8'), 'two');
  assert.deepEqual(readdirSync(join(dir, 'a', 'b')), ['x.info']);
  const r = writeAtomic(join(f, 'under-a-file'), 'x');
  assert.ok(!r.ok && r.error.includes(f));
}));

/** Two frameworks, one executor run each, a task each with an update; returns the layout and runs. */
function checkpointTwo(dir: string): { layout: MetaLayout; runs: RunRef[] } {
  const layout = new MetaLayout(dir);
  const cp = new Checkpointer(layout, silentLogger, 'boot-1');
  cp.agentRegistered({ id: { value: 'S1' }, hostname: 'h', port: 5051 });
  const runs: RunRef[] = [];
  for (const fw of ['fw-1', 'fw-2']) {
    const run = { frameworkId: fw, executorId: `e-${fw}`, containerId: `c-${fw}` };
    runs.push(run);
    cp.executorCreated({ id: { value: fw }, name: fw, user: 'root', checkpoint: true, failover_timeout: 0 }, { executor_id: { value: run.executorId }, command: { shell: true, value: 'x' } }, run, 'custom');
    cp.executorLaunched(run, 'custom', 4242, 777, 'process');
    cp.taskAdded(run, { name: 't', task_id: { value: `t-${fw}` }, framework_id: { value: fw }, agent_id: { value: 'S1' }, state: 'TASK_STAGING' });
    const u = update(`t-${fw}`, 'TASK_RUNNING', fw);
    assert.ok(cp.recordUpdate({ frameworkId: fw, taskId: `t-${fw}`, executorId: run.executorId, containerId: run.containerId }, u).ok);
  }
  return { layout, runs };
}

test('the checkpoints read back as written: agent, frameworks, runs with PID and start time, tasks and their streams', withDir((dir) => {
  const { layout } = checkpointTwo(dir);
  assert.equal(readFileSync(layout.bootIdFile(), 'utf8'), 'boot-1\n');
  const r = readCheckpoint(layout, { strict: true });
  assert.ok(r.ok && r.value.state);
  const s = r.value.state;
  assert.equal(s.agentId, 'S1');
  assert.equal(s.bootId, 'boot-1');
  assert.deepEqual(s.frameworks.map((f) => f.info.id!.value).sort(), ['fw-1', 'fw-2']);
  const run = s.frameworks.find((f) => f.info.id!.value === 'fw-1')!.executors[0]!.run!;
  assert.deepEqual({ id: run.containerId, info: run.info, pid: run.pid, starttime: run.starttime }, { id: 'c-fw-1', info: { kind: 'custom', launcher: 'process', starttime: 777 }, pid: 4242, starttime: 777 });
  assert.deepEqual(run.tasks.map((t) => [t.task.task_id.value, t.stream.pending.map((u) => u.status.state)]), [['t-fw-1', ['TASK_RUNNING']]]);
}));

test('nothing checkpointed: nothing to recover', withDir((dir) => {
  const r = readCheckpoint(new MetaLayout(dir), { strict: true });
  assert.deepEqual(r, { ok: true, value: { state: undefined, problems: [], incomplete: [] } });
}));

test('a corrupt framework.info: strict fails naming the file; non-strict skips that framework and recovers the other', withDir((dir) => {
  const { layout } = checkpointTwo(dir);
  const file = layout.frameworkInfoFile('S1', 'fw-1');
  writeFileSync(file, '{"id": {"value": "fw-1"}, "name": ');
  const strict = readCheckpoint(layout, { strict: true });
  assert.ok(!strict.ok && strict.error.includes(file) && /corrupt/.test(strict.error));
  const lax = readCheckpoint(layout, { strict: false });
  assert.ok(lax.ok && lax.value.state);
  assert.deepEqual(lax.value.state.frameworks.map((f) => f.info.id!.value), ['fw-2']);
  assert.equal(lax.value.problems.length, 1);
  assert.ok(lax.value.problems[0]!.includes(file));
}));

test('corrupt task.updates and task.info skip only their task (non-strict); a missing forked.pid is not a problem', withDir((dir) => {
  const { layout, runs } = checkpointTwo(dir);
  const run1 = layout.runDir('S1', 'fw-1', runs[0]!.executorId, runs[0]!.containerId);
  appendFileSync(layout.taskUpdatesFile(run1, 't-fw-1'), 'garbage\n{"type":"ACK"}\n');
  const run2 = layout.runDir('S1', 'fw-2', runs[1]!.executorId, runs[1]!.containerId);
  rmSync(layout.forkedPidFile(run2));
  const strict = readCheckpoint(layout, { strict: true });
  assert.ok(!strict.ok && strict.error.includes('task.updates'));
  const lax = readCheckpoint(layout, { strict: false });
  assert.ok(lax.ok && lax.value.state);
  const byFw = new Map(lax.value.state.frameworks.map((f) => [f.info.id!.value, f.executors[0]!.run!]));
  assert.deepEqual(byFw.get('fw-1')!.tasks, [], 'the task with corrupt updates is skipped');
  assert.equal(byFw.get('fw-2')!.pid, undefined);
  assert.equal(byFw.get('fw-2')!.tasks.length, 1);
  assert.equal(lax.value.problems.length, 1);
}));

test('the AgentInfo is needed even when not strict; removing an executor or framework removes its checkpoints', withDir((dir) => {
  const { layout, runs } = checkpointTwo(dir);
  const cp = new Checkpointer(layout, silentLogger, 'boot-1');
  cp.setAgentId('S1');
  cp.executorRemoved(runs[0]!);
  assert.equal(existsSync(layout.executorDir('S1', 'fw-1', runs[0]!.executorId)), false);
  cp.frameworkRemoved('fw-2');
  assert.equal(existsSync(layout.frameworkDir('S1', 'fw-2')), false);
  writeFileSync(layout.agentInfoFile('S1'), 'nope');
  const r = readCheckpoint(layout, { strict: false });
  assert.ok(!r.ok && r.error.includes('slave.info'));
}));

/** Every regular file and symlink under `dir`, relative to it. */
function filesUnder(dir: string, at = dir): string[] {
  return readdirSync(at, { withFileTypes: true }).flatMap((e) => {
    const p = join(at, e.name);
    return e.isDirectory() ? filesUnder(dir, p) : [relative(dir, p)];
  });
}

test('a SIGKILL at any moment leaves checkpoints a strict agent recovers from: each file missing in turn (its directory made, a temporary file beside it)', withDir((dir) => {
  const source = join(dir, 'source');
  const { layout } = checkpointTwo(source);
  const all = filesUnder(layout.metaDir);
  // Without its AgentInfo (or the link to it) there is no agent to recover: written once, at registration, before anything else.
  const essential = (f: string) => basename(f) === 'slave.info' || f === join('slaves', 'latest');
  // Files whose absence loses nothing: the rest of the piece is recovered as it is.
  const optional = (f: string) => ['boot_id', 'forked.pid', 'task.updates', 'latest'].includes(basename(f));
  let cases = 0;
  for (const f of all.filter((x) => !essential(x))) {
    const copy = join(dir, `case-${++cases}`);
    cpSync(source, copy, { recursive: true, verbatimSymlinks: true });
    const caseLayout = new MetaLayout(copy);
    const gone = join(caseLayout.metaDir, f);
    rmSync(gone);
    writeFileSync(join(dirname(gone), `.${basename(gone)}.tmp-1-1`), '{"half');
    assert.ok(statSync(dirname(gone)).isDirectory());
    const r = readCheckpoint(caseLayout, { strict: true });
    assert.ok(r.ok, `${f} missing: ${r.ok ? '' : r.error}`);
    assert.ok(r.value.state, f);
    assert.deepEqual(r.value.problems, [], f);
    const names = r.value.incomplete.join('\n');
    if (optional(f)) assert.equal(names, '', `${f} is optional`);
    else assert.ok(names.includes(basename(f)), `${f} missing is named: ${names}`);
    const tasks = r.value.state.frameworks.flatMap((fw) => fw.executors.flatMap((e) => e.run?.tasks ?? [])).map((t) => t.task.task_id.value).sort();
    // A task is left out exactly when its framework, executor, run or own info is missing.
    const lost = ['fw-1', 'fw-2'].filter((fw) => !optional(f) && f.includes(`/${fw}/`)).map((fw) => `t-${fw}`);
    const kept = ['t-fw-1', 't-fw-2'].filter((t) => !lost.includes(t) || f === join('resources', 'resources.info'));
    assert.deepEqual(tasks, kept, f);
  }
  assert.ok(cases >= 10, `${cases} cases`);
}));

test('a removal cut short: a run link without its run, or several runs without a link, leaves the executor out (strict)', withDir((dir) => {
  const { layout, runs } = checkpointTwo(dir);
  const r1 = runs[0]!;
  rmSync(layout.runDir('S1', r1.frameworkId, r1.executorId, r1.containerId), { recursive: true });
  const r2 = runs[1]!;
  const runsDir = layout.runsDir('S1', r2.frameworkId, r2.executorId);
  rmSync(join(runsDir, 'latest'));
  cpSync(join(runsDir, r2.containerId), join(runsDir, 'c-older'), { recursive: true });
  const r = readCheckpoint(layout, { strict: true });
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(r.value.state!.frameworks.map((f) => [f.info.id!.value, f.executors.length]).sort(), [['fw-1', 1], ['fw-2', 0]]);
  assert.equal(r.value.state!.frameworks.find((f) => f.info.id!.value === 'fw-1')!.executors[0]!.run, undefined);
  // The dangling link reads as no run at all (nothing to name); the two unlinked runs are named.
  assert.deepEqual(r.value.incomplete.map((x) => x.includes('2 runs')), [true]);
}));
