/**
 * The URIs of a task group's own tasks (group-fetch.ts), at the core: the real Fetcher writes into
 * real task sandboxes (`<sandbox>/tasks/<task_id>`) before LAUNCH_GROUP; a failure fails the whole
 * group; a kill or a shutdown during the fetch cancels it. A held fetch (resolved by the test)
 * pins down the orderings: subscribed before the fetch ends, fetched before subscription.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type CommandInfoURI, type internal, type Result, type TaskInfo } from '@agora/protocol';
import { tempDir, testFetcher } from '../fetcher/testing.ts';
import { CoreHarness, FRAMEWORK } from '../testing/core-harness.ts';
import type { TaskUriFetch } from './group-fetch.ts';
import { diskSandboxes, SandboxLayout } from './sandbox.ts';

/** A task with these URIs (`extract` defaults to true, as in Mesos). */
const task = (id: string, uris: Array<Partial<CommandInfoURI> & { value: string }> = []): TaskInfo => ({
  name: id, task_id: { value: id }, agent_id: { value: 'S1' },
  command: { shell: true, value: 'true', ...(uris.length ? { uris: uris.map((u) => ({ extract: true, ...u })) } : {}) },
});

const group = (executorId: string, tasks: TaskInfo[]): internal.MasterMessage => ({
  type: 'RUN_TASK_GROUP',
  run_task_group: { framework: FRAMEWORK, executor: { executor_id: { value: executorId }, type: 'CUSTOM', command: { shell: true, value: 'x' } }, task_group: { tasks } },
});

/** Settles the harness until `done` holds (real file-system work takes real time). */
async function until(h: CoreHarness, done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) {
    await h.settle();
    if (!done()) await new Promise((r) => setTimeout(r, 2));
  }
  assert.ok(done(), `timed out waiting for ${what}`);
}

test("each task's URIs land in its own sandbox before LAUNCH_GROUP; a bad URI fails the whole group", async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'a.sh'), 'echo a\n');
  writeFileSync(join(root, 'b.txt'), 'b\n');
  const fetcher = testFetcher(root);
  t.after(() => fetcher.close());
  const h = new CoreHarness({}, {
    layout: new SandboxLayout(join(root, 'work')), sandboxes: diskSandboxes,
    fetchTaskUris: (r) => fetcher.fetchAll(r.uris, r.sandbox, { into: ['tasks', r.taskId], signal: r.signal, containerId: r.containerId }),
  });
  await h.start();
  await h.send(group('gx', [task('a', [{ value: `file://${root}/a.sh`, executable: true }]), task('b', [{ value: join(root, 'b.txt') }]), task('plain')]));
  const ex = h.executor('gx')!;
  await until(h, () => ex.queued.length === 1 && ex.queued[0]!.kind === 'group' && ex.queued[0]!.fetch === undefined, 'the fetch');
  assert.equal(readFileSync(join(ex.directory, 'tasks/a/a.sh'), 'utf8'), 'echo a\n');
  assert.equal(readFileSync(join(ex.directory, 'tasks/b/b.txt'), 'utf8'), 'b\n');
  assert.match(readFileSync(join(ex.directory, 'tasks/a/stderr'), 'utf8'), /Successfully fetched all URIs into '.*\/tasks\/a'/, "the fetcher's log is the task's stderr");
  assert.equal(existsSync(join(ex.directory, 'tasks/plain')), false, 'a task without URIs gets nothing from the agent');
  const sink = await h.subscribe('gx');
  assert.deepEqual(sink.types(), ['SUBSCRIBED', 'LAUNCH_GROUP']);
  assert.deepEqual(sink.events[1]!.launch_group!.task_group.tasks!.map((x) => x.task_id.value), ['a', 'b', 'plain']);

  // A later group for the subscribed executor: one good URI, one missing file.
  await h.send(group('gx', [task('c', [{ value: join(root, 'b.txt') }]), task('d', [{ value: join(root, 'missing.tgz') }])]));
  await until(h, () => h.updates().length === 2, 'the failure');
  const statuses = h.master.of('STATUS_UPDATE').map((m) => m.status_update!.update.status);
  assert.deepEqual(statuses.map((s) => `${s.task_id.value}:${s.state}:${s.reason}`), ['c:TASK_FAILED:REASON_CONTAINER_LAUNCH_FAILED', 'd:TASK_FAILED:REASON_CONTAINER_LAUNCH_FAILED']);
  for (const s of statuses) assert.match(s.message!, new RegExp(`^Failed to launch container: Failed to fetch '${join(root, 'missing.tgz')}': `));
  assert.deepEqual(sink.types(), ['SUBSCRIBED', 'LAUNCH_GROUP'], 'nothing of the failed group reaches the executor');
  assert.equal(ex.state, 'RUNNING', 'the executor keeps its other tasks');
  assert.equal(h.core.counters.containerLaunchErrors, 1);
});

/** A fetch the test finishes: each call waits for `finish(taskId, result)` (or its signal). */
class HeldFetch {
  readonly calls: TaskUriFetch[] = [];
  private readonly pending = new Map<string, (r: Result<unknown, string>) => void>();
  readonly fn = (r: TaskUriFetch): Promise<Result<unknown, string>> => {
    this.calls.push(r);
    return new Promise((resolve) => {
      this.pending.set(r.taskId, resolve);
      r.signal.addEventListener('abort', () => resolve(err(`Failed to fetch '${r.uris[0]!.value}': the fetch was cancelled`)), { once: true });
    });
  };
  finish(taskId: string, r: Result<unknown, string> = ok(undefined)): void {
    this.pending.get(taskId)!(r);
  }
}

test('a subscribed executor gets the group when the fetch ends; other work is not held up; a sibling failure cancels the rest', async () => {
  const held = new HeldFetch();
  const h = new CoreHarness({}, { fetchTaskUris: held.fn });
  await h.start();
  await h.send(group('gx', [task('a', [{ value: 'http://x/a' }]), task('b', [{ value: 'http://x/b' }])]));
  assert.deepEqual(held.calls.map((c) => `${c.taskId}@${c.sandbox}`), [
    'a@/work/slaves/S1/frameworks/fw-1/executors/gx/runs/c-1', 'b@/work/slaves/S1/frameworks/fw-1/executors/gx/runs/c-1',
  ], 'fetched in parallel, into the executor sandbox');
  const sink = await h.subscribe('gx');
  assert.deepEqual(sink.types(), ['SUBSCRIBED'], 'the group waits for its URIs; the executor is not shut down meanwhile');
  await h.send(group('gx', [task('plain')]));
  assert.deepEqual(sink.types(), ['SUBSCRIBED', 'LAUNCH_GROUP'], 'a group without URIs goes at once');
  held.finish('a');
  await h.settle();
  assert.equal(sink.types().length, 2, 'b is still being fetched');
  held.finish('b');
  await h.settle();
  assert.deepEqual(sink.events.slice(1).map((e) => e.launch_group!.task_group.tasks!.map((x) => x.task_id.value).join()), ['plain', 'a,b']);
  assert.deepEqual(h.updates(), []);

  await h.send(group('gx', [task('c', [{ value: 'http://x/c' }]), task('d', [{ value: 'http://x/d' }])]));
  const [c, d] = held.calls.slice(2);
  held.finish('d', err("Failed to fetch 'http://x/d': received HTTP return code 404 (Not Found)"));
  await h.settle();
  assert.equal(c!.signal.aborted, true, "the sibling's fetch is cancelled");
  assert.equal(d!.signal.aborted, true);
  assert.deepEqual(h.updates(true), ['c:TASK_FAILED:REASON_CONTAINER_LAUNCH_FAILED', 'd:TASK_FAILED:REASON_CONTAINER_LAUNCH_FAILED']);
  const messages = h.master.of('STATUS_UPDATE').map((m) => m.status_update!.update.status.message);
  assert.deepEqual(messages, Array(2).fill("Failed to launch container: Failed to fetch 'http://x/d': received HTTP return code 404 (Not Found)"), 'the cause, not the cancellation');
});

test('killing a task of a group being fetched cancels the fetch and kills the group; the idle executor is shut down', async () => {
  const held = new HeldFetch();
  const h = new CoreHarness({}, { fetchTaskUris: held.fn });
  await h.start();
  await h.send(group('gx', [task('a', [{ value: 'http://x/a' }]), task('b')]));
  await h.send({ type: 'KILL_TASK', kill_task: { framework_id: { value: 'fw-1' }, task_id: { value: 'b' } } });
  assert.equal(held.calls[0]!.signal.aborted, true);
  assert.deepEqual(h.updates(true), ['a:TASK_KILLED:REASON_TASK_KILLED_DURING_LAUNCH', 'b:TASK_KILLED:REASON_TASK_KILLED_DURING_LAUNCH']);
  assert.deepEqual(h.containerizer.destroyed, ['c-1'], 'MESOS-8411: nothing left for it to run');
});

test('a fetch failure leaves a new executor with nothing to run: it is shut down; a shutdown cancels fetches', async () => {
  const held = new HeldFetch();
  const h = new CoreHarness({}, { fetchTaskUris: held.fn });
  await h.start();
  await h.send(group('g1', [task('a', [{ value: 'http://x/a' }])]));
  held.finish('a', err("Failed to fetch 'http://x/a': boom"));
  await h.settle();
  assert.deepEqual(h.updates(true), ['a:TASK_FAILED:REASON_CONTAINER_LAUNCH_FAILED']);
  assert.deepEqual(h.containerizer.destroyed, ['c-1']);

  await h.send(group('g2', [task('b', [{ value: 'http://x/b' }])]));
  await h.send({ type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: { value: 'fw-1' }, executor_id: { value: 'g2' } } });
  assert.equal(held.calls[1]!.signal.aborted, true);
  await h.settle();
  // The cancelled fetch itself reports nothing: the container's end does, once.
  assert.deepEqual(h.updates(true), ['a:TASK_FAILED:REASON_CONTAINER_LAUNCH_FAILED', 'b:TASK_FAILED:REASON_EXECUTOR_TERMINATED']);
});
