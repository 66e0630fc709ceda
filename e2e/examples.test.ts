/**
 * The example frameworks (frameworks/examples), each run the way its README says — a separate
 * process pointed at a real cluster of a master and two real agents — and judged by its output,
 * its exit status and what the master saw. The agents share one port range, as `agora local`'s do.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blocks, DOC } from '../frameworks/examples/tutorial/snippets.ts';
import { startCluster, type Cluster } from './support/cluster.ts';
import { freePorts, pidsMentioning, removeDir, ROOT, tempDir, waitFor } from './support/processes.ts';

const EXAMPLES = join(ROOT, 'frameworks/examples');
const hasMpirun = spawnSync('mpirun', ['--version'], { encoding: 'utf8' }).status === 0;

let cluster: Cluster;
let inputs: string;

before(async () => {
  const ports = await freePorts(16);
  cluster = await startCluster({ agents: 2, agentFlags: [`--resources=cpus:2;mem:2048;ports:[${ports[0]}-${ports.at(-1)}]`] });
  inputs = tempDir('examples-input');
});

after(async () => {
  await cluster?.stop();
  if (inputs) removeDir(inputs);
});

interface Run { status: number | null; stdout: string; stderr: string }

/** Runs an example to its end, as a user would from the repository root (killed by PID after `timeoutMs`). */
function run(command: string, args: string[], timeoutMs = 90_000, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
const tsx = (file: string, args: string[]) => run(process.execPath, ['--import', 'tsx', join(EXAMPLES, file), '--master', cluster.masterUrl, ...args]);

type TaskView = { id: string; state: string; slave_id: string };
interface StateView {
  frameworks: Array<{ id: string; tasks: TaskView[]; completed_tasks?: TaskView[] }>;
  completed_frameworks: Array<{ id: string; tasks?: TaskView[]; completed_tasks?: TaskView[] }>;
}

/** The framework an example announced on stderr (`… <framework ID> …`), as the master sees it. */
async function framework(stderr: string): Promise<{ active: boolean; tasks: TaskView[] }> {
  const id = /\b([0-9a-f-]{36}-\d{4})\b/.exec(stderr)?.[1];
  assert.ok(id, `no framework ID in: ${stderr}`);
  const s = (await cluster.state()) as unknown as StateView;
  const active = s.frameworks.find((f) => f.id === id);
  const f = active ?? s.completed_frameworks.find((c) => c.id === id);
  assert.ok(f, `framework ${id} is unknown to the master`);
  return { active: active !== undefined, tasks: [...(f.tasks ?? []), ...(f.completed_tasks ?? [])] };
}

test('hello launches N command tasks, prints their final states, tears down and exits 0', async () => {
  const r = await tsx('hello/main.ts', ['--tasks', '5']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [0, 1, 2, 3, 4].map((i) => `hello-${i} TASK_FINISHED`));
  const f = await framework(r.stderr);
  assert.equal(f.active, false, 'torn down');
  assert.deepEqual(f.tasks.map((t) => t.state).sort(), Array(5).fill('TASK_FINISHED'));
});

test('hello exits 1 when a task fails', async () => {
  const r = await tsx('hello/main.ts', ['--tasks', '2', '--command', 'exit 3']);
  assert.equal(r.status, 1, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['hello-0 TASK_FAILED', 'hello-1 TASK_FAILED']);
  assert.match(r.stderr, /Command exited with status 3/);
});

test('python-hello speaks the HTTP API with the standard library: launch, acknowledge, teardown', async () => {
  const r = await run('python3', [join(EXAMPLES, 'python-hello/hello.py'), '--master', cluster.masterUrl, '--tasks', '3']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [0, 1, 2].map((i) => `hello-${i} TASK_FINISHED`));
  assert.match(r.stderr, /subscribed as \S+-\d{4}/);
  const f = await framework(r.stderr);
  assert.equal(f.active, false, 'torn down');
  assert.deepEqual(f.tasks.map((t) => t.state), Array(3).fill('TASK_FINISHED'));
  const failed = await run('python3', [join(EXAMPLES, 'python-hello/hello.py'), '--master', cluster.masterUrl, '--tasks', '1', '--command', 'exit 4']);
  assert.equal(failed.status, 1, failed.stderr);
  assert.equal(failed.stdout.trim(), 'hello-0 TASK_FAILED');
});

/** Word counts computed here, independently: runs of letters and digits, lower-cased. */
function expectedCounts(texts: string[]): string[] {
  const counts = new Map<string, number>();
  for (const w of texts.join('\n').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([w, n]) => `${w} ${n}`);
}

test('wordcount: maps on custom executors on both agents, an HTTP shuffle, reduces, counts in order', async () => {
  const texts = [
    'It was the best of times, it was the worst of times,\nit was the age of wisdom, it was the age of foolishness,\n',
    'The constructor of __proto__ toString: hasOwnProperty!\nCafé café CAFÉ 42 42\n'.repeat(3),
    'the end\n',
  ];
  const files = texts.map((t, i) => {
    const file = join(inputs, `input-${i}.txt`);
    writeFileSync(file, t);
    return file;
  });
  const r = await tsx('wordcount/scheduler.ts', ['--reducers', '3', '--split-lines', '2', ...files]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), expectedCounts(texts));
  assert.match(r.stderr, /5 maps done on 2 executor\(s\); shuffling into 3 reduces/);
  const f = await framework(r.stderr);
  assert.equal(f.active, false, 'torn down');
  assert.deepEqual(new Set(f.tasks.map((t) => t.state)), new Set(['TASK_FINISHED']));
  assert.equal(f.tasks.length, 8);
  assert.equal(new Set(f.tasks.map((t) => t.slave_id)).size, 2, 'tasks ran on both agents');
  // Teardown shut the executors down.
  await waitFor('the wordcount executors to exit', () =>
    (pidsMentioning(cluster.dir).filter((pid) => cmdline(pid).includes('wordcount/executor.ts')).length === 0 ? true : undefined), 15_000);
});

test('wordcount refuses an input it cannot read before it subscribes', async () => {
  const r = await tsx('wordcount/scheduler.ts', [join(inputs, 'missing.txt')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^wordcount: .*ENOENT.*missing\.txt/m);
});

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return ''; // gone
  }
}

test('gang: all members launched together, one per agent', async () => {
  const r = await tsx('gang/main.ts', ['--size', '2', '--', 'sh', '-c', 'echo "member $GANG_RANK of $GANG_SIZE; members $GANG_MEMBERS"']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^member-0 127\.0\.0\.1:\d+ TASK_FINISHED$/);
  assert.match(lines[1]!, /^member-1 127\.0\.0\.1:\d+ TASK_FINISHED$/);
  assert.notEqual(lines[0]!.split(' ')[1], lines[1]!.split(' ')[1], 'each member has a host:port of its own');
  assert.match(r.stdout, /member 0 of 2; members 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+/);
  const f = await framework(r.stderr);
  assert.equal(new Set(f.tasks.map((t) => t.slave_id)).size, 2, 'on distinct agents');
});

test('gang: when N slots do not come together in time, nothing is launched and the offers are declined', async () => {
  const started = Date.now();
  const r = await tsx('gang/main.ts', ['--size', '3', '--offer-timeout', '2', '--', 'true']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /holding 2 offer\(s\): 2 of 3 slots on 2 agent\(s\)/);
  assert.match(r.stderr, /could not gather 3 slots \(1 per agent at most\) within 2s/);
  assert.ok(Date.now() - started < 30_000);
  const f = await framework(r.stderr);
  assert.equal(f.active, false);
  assert.equal(f.tasks.length, 0, 'all or nothing: nothing ran');
  // The held resources are back: the whole gang of two still fits at once.
  assert.equal((await tsx('gang/main.ts', ['--size', '2', '--offer-timeout', '10', '--', 'true'])).status, 0);
});

test('gang: when one member fails, the rest are killed and the job fails', async () => {
  const r = await tsx('gang/main.ts', ['--size', '2', '--', 'sh', '-c', 'if [ "$GANG_RANK" = 1 ]; then sleep 1; exit 3; fi; exec sleep 60']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^member-0 \S+ TASK_KILLED$/m);
  assert.match(r.stdout, /^member-1 \S+ TASK_FAILED$/m);
  assert.match(r.stderr, /member-1 ended TASK_FAILED: the rest of the gang was killed/);
});

test('gang --mpi: an Open MPI job whose ranks run inside the gang members (MPI_Allreduce across them)', { skip: !hasMpirun && 'openmpi-bin is not installed (scripts/setup.sh installs it)' }, async () => {
  const r = await tsx('gang/main.ts', ['--size', '3', '--per-agent', '2', '--mpi', '--', 'python3', join(EXAMPLES, 'gang/allreduce.py')]);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  for (const rank of [0, 1, 2]) {
    assert.match(r.stdout, new RegExp(`^rank ${rank} of 3 in gang member ${rank} on .*: allreduce sum 6$`, 'm'));
  }
  const f = await framework(r.stderr);
  assert.equal(f.tasks.length, 3);
  assert.equal(new Set(f.tasks.map((t) => t.slave_id)).size, 2, 'three members over both agents');
});

/** What varies between runs: framework IDs and process IDs. */
const normalized = (text: string) =>
  text.trim().split('\n').map((l) => l.replace(/\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}-\d{4}\b/g, '<framework>').replace(/\bprocess \d+\b/g, 'process <pid>')).sort();

test('the tutorial (docs/writing-a-framework.md): each command it runs prints what it shows', async () => {
  const all = blocks(readFileSync(DOC, 'utf8'));
  const runs = all.flatMap((b, i) => (b.annotation?.kind === 'run' ? [{ command: b.body, shown: all[i + 1]!.body }] : []));
  assert.equal(runs.length, 3);
  for (const { command, shown } of runs) {
    const r = await run('bash', ['-c', command], 60_000, { AGORA_MASTER: cluster.masterUrl });
    assert.equal(r.status, 0, `${command}\n${r.stdout}\n${r.stderr}`);
    // Lines are compared as a set: updates and framework messages travel separately.
    assert.deepEqual(normalized(r.stdout), normalized(shown), command);
  }
});
