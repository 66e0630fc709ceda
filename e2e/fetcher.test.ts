/**
 * The fetcher on a real cluster (a master, one agent, real command executors): a command task's
 * URIs — an http-served tar.gz holding a script and a file:// executable — are fetched into its
 * sandbox, extracted and run; a URI that cannot be fetched fails the task with a message naming
 * it; and a cached URI used by two tasks is downloaded once (the server counts the requests). A
 * task group's tasks (under the default executor) get their own URIs in their own sandboxes,
 * `<executor sandbox>/tasks/<task_id>`, and one URI that cannot be fetched fails the whole group.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ExecutorInfo, Offer, Resource, TaskInfo } from '@agora/protocol';
import { newTaskId } from '@agora/sdk';
import { startCluster, type Cluster } from './support/cluster.ts';
import { TestFramework } from './support/framework.ts';
import { getJson, removeDir, tempDir, waitFor } from './support/processes.ts';

let c: Cluster;
let server: Server;
let base: string;
const scratch = tempDir('fetcher');
const requests = new Map<string, number>();
const frameworks: TestFramework[] = [];
let slowClosed = false;

before(async () => {
  // The served archive: bin/hello.sh, made by tar at test time.
  const tree = join(scratch, 'tree');
  mkdirSync(join(tree, 'bin'), { recursive: true });
  writeFileSync(join(tree, 'bin', 'hello.sh'), '#!/bin/sh\necho "hello from the archive"\n', { mode: 0o755 });
  execFileSync('tar', ['-czf', join(scratch, 'app.tar.gz'), '-C', tree, 'bin']);
  writeFileSync(join(scratch, 'tool'), '#!/bin/sh\necho "tool says $1"\n', { mode: 0o644 });
  writeFileSync(join(scratch, 'data.txt'), 'cached data\n');
  for (const who of ['a', 'b']) writeFileSync(join(scratch, `${who}.sh`), `#!/bin/sh\necho "script ${who} in $(pwd)"\n`, { mode: 0o644 });
  const files: Record<string, string> = { '/app.tar.gz': join(scratch, 'app.tar.gz'), '/data.txt': join(scratch, 'data.txt') };
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.set(path, (requests.get(path) ?? 0) + 1);
    // Headers and then nothing: a download that never ends (until the fetch is cancelled).
    if (path === '/endless.tgz') {
      res.writeHead(200, { 'content-length': 1_000_000 }).write('x');
      req.socket.once('close', () => (slowClosed = true));
      return;
    }
    const file = files[path];
    if (!file) return void res.writeHead(404).end();
    const data = readFileSync(file);
    res.writeHead(200, { 'content-length': data.length }).end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  c = await startCluster({ agents: 1, agentFlags: ['--resources=cpus:2;mem:1024;disk:1024', '--fetcher-cache-size=1MB'], masterFlags: ['--allocation-interval=200ms'] });
});

afterEach(async () => {
  for (const f of frameworks.splice(0)) if (f.driver.state !== 'stopped') await f.teardown().catch(() => {});
});

after(async () => {
  await c?.stop();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  removeDir(scratch);
});

function framework(name: string): TestFramework {
  const f = new TestFramework(c.masterUrl, { name }).start();
  frameworks.push(f);
  return f;
}

/** A finished task's sandbox file, read through the agent's /files API. */
async function sandboxFile(taskId: string, name: string): Promise<string> {
  const agentUrl = c.agentUrls[0]!;
  type Executors = Array<{ id: string; directory: string }>;
  const state = await getJson<{ frameworks: Array<{ executors?: Executors; completed_executors?: Executors }>; completed_frameworks: Array<{ completed_executors?: Executors }> }>(`${agentUrl}/state`);
  const all = [...state.frameworks.flatMap((f) => [...(f.executors ?? []), ...(f.completed_executors ?? [])]), ...state.completed_frameworks.flatMap((f) => f.completed_executors ?? [])];
  const dir = all.find((e) => e.id === taskId)!.directory;
  const read = await getJson<{ data: string }>(`${agentUrl}/files/read?path=${encodeURIComponent(`${dir}/${name}`)}&offset=0`);
  return read.data;
}

test("a command task's URIs are fetched, extracted and made executable before it runs", async () => {
  const f = framework('fetcher-run');
  const offer = await f.takeOffer();
  const [t] = await f.launch(offer, [
    {
      name: 'fetched',
      command: './bin/hello.sh && ./tools/tool fetched',
      uris: [{ value: `${base}/app.tar.gz` }, { value: `file://${scratch}/tool`, executable: true, output_file: 'tools/tool' }],
    },
  ]);
  const id = t!.task_id.value;
  await f.waitForState(id, 'TASK_FINISHED');
  const stdout = await sandboxFile(id, 'stdout');
  assert.match(stdout, /hello from the archive/);
  assert.match(stdout, /tool says fetched/);
  // The fetcher's progress is in the sandbox's stderr, as Mesos's fetcher writes it.
  const stderr = await sandboxFile(id, 'stderr');
  assert.match(stderr, /Fetching URI 'http:\/\/127\.0\.0\.1:\d+\/app\.tar\.gz'/);
  assert.match(stderr, /Extracted 2 entries .* from 'app\.tar\.gz'/);
  assert.match(stderr, /Successfully fetched all URIs/);
});

test('a URI that cannot be fetched fails the task at launch, naming the URI', async () => {
  const f = framework('fetcher-fail');
  const offer = await f.takeOffer();
  const [t] = await f.launch(offer, [{ name: 'unfetchable', command: 'echo never', uris: [{ value: `${base}/missing.tgz` }] }]);
  const id = t!.task_id.value;
  const failed = await f.waitForState(id, 'TASK_FAILED');
  assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
  assert.equal(failed.source, 'SOURCE_AGENT');
  assert.equal(failed.message, `Failed to launch container: Failed to fetch '${base}/missing.tgz': received HTTP return code 404 (Not Found)`);
  assert.deepEqual(f.statesOf(id), ['TASK_FAILED']);
  assert.match(await sandboxFile(id, 'stderr'), /^E.*Failed to fetch '.*missing\.tgz'/m);
});

test('a cached URI used by two tasks is downloaded once', async () => {
  const f = framework('fetcher-cache');
  const before = requests.get('/data.txt') ?? 0;
  const ids: string[] = [];
  for (const name of ['first', 'second']) {
    const offer = await f.takeOffer();
    const [t] = await f.launch(offer, [{ name, command: 'cat data.txt', uris: [{ value: `${base}/data.txt`, cache: true }] }]);
    ids.push(t!.task_id.value);
    await f.waitForState(t!.task_id.value, 'TASK_FINISHED');
  }
  for (const id of ids) assert.match(await sandboxFile(id, 'stdout'), /cached data/);
  assert.equal((requests.get('/data.txt') ?? 0) - before, 1);
  assert.match(await sandboxFile(ids[1]!, 'stderr'), /Found in the cache/);
  // Mesos's fetcher metrics: the cache's configured and used size, fetches that worked and failed.
  const metrics = await getJson<Record<string, number>>(`${c.agentUrls[0]}/metrics/snapshot`);
  assert.equal(metrics['containerizer/fetcher/cache_size_total_bytes'], 1024 * 1024);
  assert.equal(metrics['containerizer/fetcher/cache_size_used_bytes'], 'cached data\n'.length);
  assert.ok(metrics['containerizer/fetcher/task_fetches_succeeded']! >= 3);
  assert.ok(metrics['containerizer/fetcher/task_fetches_failed']! >= 1);
});

test('killing a task whose URIs are being fetched cancels the download and launches nothing', async () => {
  const f = framework('fetcher-kill');
  const offer = await f.takeOffer();
  const [t] = await f.launch(offer, [{ name: 'endless', command: 'echo never', uris: [{ value: `${base}/endless.tgz` }] }]);
  const id = t!.task_id.value;
  await waitFor('the download to start', () => ((requests.get('/endless.tgz') ?? 0) > 0 ? true : undefined), 20_000, 50);
  await f.driver.kill(id);
  await f.waitForState(id, 'TASK_KILLED');
  await waitFor('the download to be cancelled', () => (slowClosed ? true : undefined), 10_000, 50);
  assert.deepEqual(f.statesOf(id), ['TASK_KILLED']);
  await waitFor('the cancellation in the sandbox log', async () => (/Failed to fetch '.*endless\.tgz': the fetch was cancelled/.test(await sandboxFile(id, 'stderr')) ? true : undefined), 10_000, 50);
});

// ───────────────────────────── a task group's own URIs ─────────────────────────────

const scalars = (r: Record<string, number>): Resource[] => Object.entries(r).map(([name, value]) => ({ name, type: 'SCALAR', scalar: { value } }));

const groupTask = (offer: Offer, name: string, uri: string): TaskInfo => ({
  name, task_id: { value: newTaskId(name) }, agent_id: offer.agent_id, resources: scalars({ cpus: 0.1, mem: 16 }),
  // Both scripts are fetched as run.sh: each task runs the one in its own sandbox.
  command: { shell: true, value: './run.sh', uris: [{ value: uri, extract: true, executable: true, output_file: 'run.sh' }] },
});

async function launchGroup(f: TestFramework, offer: Offer, executorId: string, tasks: TaskInfo[]): Promise<void> {
  const executor: ExecutorInfo = { executor_id: { value: executorId }, type: 'DEFAULT', resources: scalars({ cpus: 0.1, mem: 32 }) };
  const r = await f.driver.launchGroup(offer, executor, tasks, { refuse_seconds: 0 });
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.error));
}

test("a task group's tasks fetch their own URIs into their own sandboxes and run them", async () => {
  const f = framework('fetcher-group');
  const offer = await f.takeOffer();
  const tasks = [groupTask(offer, 'a', `file://${scratch}/a.sh`), groupTask(offer, 'b', `file://${scratch}/b.sh`)];
  await launchGroup(f, offer, 'fetch-pod', tasks);
  for (const t of tasks) await f.waitForState(t.task_id.value, 'TASK_FINISHED');
  for (const [i, t] of tasks.entries()) {
    const id = t.task_id.value;
    assert.match(await sandboxFile('fetch-pod', `tasks/${id}/stdout`), new RegExp(`^script ${'ab'[i]} in /.*/tasks/${id}$`, 'm'));
    assert.match(await sandboxFile('fetch-pod', `tasks/${id}/stderr`), new RegExp(`Successfully fetched all URIs into '.*/tasks/${id}'`), "the fetcher's log is in the task's stderr");
    assert.deepEqual(f.statesOf(id), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  }
});

test('one URI of a task group that cannot be fetched fails the whole group at launch', async () => {
  const f = framework('fetcher-group-fail');
  const offer = await f.takeOffer();
  const tasks = [groupTask(offer, 'good', `file://${scratch}/a.sh`), groupTask(offer, 'bad', `file://${scratch}/missing.sh`)];
  await launchGroup(f, offer, 'fetch-pod-bad', tasks);
  for (const t of tasks) {
    const failed = await f.waitForState(t.task_id.value, 'TASK_FAILED');
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.equal(failed.source, 'SOURCE_AGENT');
    assert.match(failed.message ?? '', new RegExp(`^Failed to launch container: Failed to fetch 'file://${scratch}/missing\\.sh': `));
    assert.deepEqual(f.statesOf(t.task_id.value), ['TASK_FAILED'], 'never started');
  }
});
