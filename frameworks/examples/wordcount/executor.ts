/**
 * The wordcount executor: a custom executor on the SDK's ExecutorDriver. The agent starts one per
 * agent for the framework (ExecutorInfo from scheduler.ts) and sends it every task placed there:
 *
 *   map     { kind: 'map', text, partitions }  counts the words of `text`, split into `partitions`
 *   reduce  { kind: 'reduce', sources }        sums its partition pulled from every map output
 *
 * Outputs stay in this process and are served at GET /<task id>/<partition> (the shuffle: reduces
 * on any agent pull from every map's executor); TASK_FINISHED carries the output's URL.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExecutorDriver, formatEnvironmentError, type SubscribedInfo, type TaskID, type TaskInfo } from '@agora/sdk';

type Job = { kind: 'map'; text: string; partitions: number } | { kind: 'reduce'; sources: string[] };
type Counts = Map<string, number>;

const outputs = new Map<string, Counts[]>(); // task ID → its output, per partition
const killed = new Set<string>();
const server = createServer((req, res) => {
  const [, task = '', part = ''] = (req.url ?? '').split('/');
  const counts = outputs.get(decodeURIComponent(task))?.[Number(part)];
  res.writeHead(counts ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify(counts ? Object.fromEntries(counts) : { error: `no output ${req.url}` }));
});
let baseUrl: Promise<string> | undefined;

/** Listens on the port the scheduler took from the offer for this executor. */
function listen(info: SubscribedInfo): Promise<string> {
  const port = info.executor_info.resources?.find((r) => r.name === 'ports')?.ranges?.range?.[0]?.begin ?? 0;
  return new Promise((resolve) => {
    // Agents sharing one machine (`agora local`) offer the same port ranges: then any free port.
    server.once('error', () => server.listen(0));
    server.once('listening', () => resolve(`http://${info.agent_info.hostname}:${(server.address() as AddressInfo).port}`));
    server.listen(port);
  });
}

const add = (into: Counts, word: string, n: number) => into.set(word, (into.get(word) ?? 0) + n);

/** Words are maximal runs of letters and digits, lower-cased. */
function map(text: string, partitions: number): Counts[] {
  const out = Array.from({ length: partitions }, (): Counts => new Map());
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let h = 0;
    for (let i = 0; i < word.length; i++) h = (h * 31 + word.charCodeAt(i)) >>> 0;
    add(out[h % partitions]!, word, 1);
  }
  return out;
}

async function reduce(sources: readonly string[]): Promise<Counts[]> {
  const sum: Counts = new Map();
  await Promise.all(sources.map(async (url) => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`shuffle: GET ${url} answered ${res.status}`);
    for (const [word, n] of Object.entries((await res.json()) as Record<string, number>)) add(sum, word, n);
  }));
  return [sum];
}

const created = ExecutorDriver.create({
  env: process.env,
  executor: (driver) => {
    const update = (taskId: TaskID, state: 'TASK_FINISHED' | 'TASK_FAILED', extra: { data?: string; message?: string }) => {
      if (!killed.has(taskId.value)) driver.sendStatusUpdate({ task_id: taskId, state, ...extra });
    };
    return {
      subscribed: (info) => void (baseUrl ??= listen(info)),
      async launch(task: TaskInfo) {
        driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_RUNNING' });
        try {
          const job = JSON.parse(Buffer.from(task.data ?? '', 'base64').toString('utf8')) as Job;
          outputs.set(task.task_id.value, job.kind === 'map' ? map(job.text, job.partitions) : await reduce(job.sources));
          const url = `${await baseUrl}/${encodeURIComponent(task.task_id.value)}`;
          update(task.task_id, 'TASK_FINISHED', { data: Buffer.from(JSON.stringify({ url })).toString('base64') });
        } catch (e) {
          update(task.task_id, 'TASK_FAILED', { message: String(e) });
        }
      },
      kill(taskId) {
        killed.add(taskId.value);
        driver.sendStatusUpdate({ task_id: taskId, state: 'TASK_KILLED' });
      },
      shutdown() {
        driver.stop();
        server.close();
        process.exit(0);
      },
      error: (message) => console.error(`wordcount executor: ${message}`),
    };
  },
});
if (!created.ok) {
  console.error(formatEnvironmentError(created.error));
  process.exit(1);
}
created.value.start();
