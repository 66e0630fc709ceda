/**
 * wordcount: a small map-reduce in the style of DPark / Spark on Mesos.
 *   node --import tsx frameworks/examples/wordcount/scheduler.ts --master http://127.0.0.1:5050 a.txt b.txt
 *
 * The input files are split into map tasks (--split-lines lines each, the text in TaskInfo.data);
 * when every map has finished, --reducers reduce tasks each pull their partition from every map
 * output. All tasks run on the custom executor in executor.ts (one per agent, which serves the
 * map outputs over HTTP on a port from its offer). Finally the reduce outputs are fetched and
 * printed as `word count`, most frequent first. Failed tasks are retried twice; then the job fails.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  isTerminalState, matchOffer, SchedulerDriver, type CommandInfo, type ExecutorInfo, type Offer, type Placement, type ResourceSpec, type TaskInfo,
} from '@agora/sdk';

const { values: opts, positionals: files } = parseArgs({
  allowPositionals: true,
  options: {
    master: { type: 'string', default: process.env.AGORA_MASTER ?? 'http://127.0.0.1:5050' },
    reducers: { type: 'string', default: '2' },
    'split-lines': { type: 'string', default: '1000' },
    timeout: { type: 'string', default: '120' }, // seconds
  },
});
const reducers = Number(opts.reducers);
const splitLines = Number(opts['split-lines']);
if (files.length === 0 || !(reducers >= 1) || !(splitLines >= 1)) {
  console.error('usage: scheduler.ts [--master URL] [--reducers N] [--split-lines N] [--timeout S] FILE...');
  process.exit(2);
}

interface Job { readonly id: string; readonly data: object; attempts: number }
const EXECUTOR_ID = 'wordcount';
const EXECUTOR_RESOURCES: ResourceSpec = { cpus: 0.1, mem: 64, ports: 1 };
const TASK_RESOURCES: ResourceSpec = { cpus: 0.1, mem: 32 };
// The agent runs on this machine, so it can start the executor from this checkout with node + tsx.
const executorCommand: CommandInfo = {
  shell: false,
  value: process.execPath,
  arguments: [process.execPath, '--import', import.meta.resolve('tsx'), new URL('executor.ts', import.meta.url).pathname],
};

let queue: Job[] = [];
for (const file of files) {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').replace(/\n$/, '').split('\n'); // a last newline ends a line
  } catch (e) {
    console.error(`wordcount: ${String(e)}`);
    process.exit(2);
  }
  for (let i = 0; i < lines.length; i += splitLines) {
    queue.push({ id: `map-${queue.length}`, attempts: 0, data: { kind: 'map', partitions: reducers, text: lines.slice(i, i + splitLines).join('\n') } });
  }
}
const maps = queue.map((j) => j.id);
const reduces = Array.from({ length: reducers }, (_, p) => `reduce-${p}`);
const running = new Map<string, Job>(); // task ID → job
const outputs = new Map<string, string>(); // job ID → URL of its output on its executor
const agentsOf = { map: new Set<string>(), reduce: new Set<string>() };
let result: Array<[string, number]> | undefined;
let failure: string | undefined;

function decode<T>(base64: string | undefined): T {
  return JSON.parse(Buffer.from(base64 ?? '', 'base64').toString('utf8')) as T;
}

/** The tasks of `placed` on `offer`, with the executor (new, with `executorResources`, or already there). */
function tasksFor(offer: Offer, placed: Placement<{ job?: Job }>[], executorResources: TaskInfo['resources']): TaskInfo[] {
  const executor: ExecutorInfo = { type: 'CUSTOM', executor_id: { value: EXECUTOR_ID }, name: 'wordcount executor', command: executorCommand, resources: executorResources ?? [] };
  return placed.filter((p) => p.item.job).map((p) => {
    const job = p.item.job!;
    const taskId = `${job.id}.${job.attempts}`;
    running.set(taskId, job);
    console.error(`${taskId} → ${offer.hostname} (${offer.agent_id.value})`);
    return { name: job.id, task_id: { value: taskId }, agent_id: offer.agent_id, resources: p.resources, executor, data: Buffer.from(JSON.stringify(job.data)).toString('base64') };
  });
}

async function collect(): Promise<Array<[string, number]>> {
  const total: Array<[string, number]> = [];
  for (const id of reduces) {
    const res = await fetch(`${outputs.get(id)}/0`);
    if (!res.ok) throw new Error(`GET ${outputs.get(id)}/0 answered ${res.status}`);
    total.push(...Object.entries((await res.json()) as Record<string, number>));
  }
  return total.sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
}

const driver = new SchedulerDriver({
  master: opts.master,
  framework: { name: 'wordcount' },
  scheduler: {
    subscribed: (_d, info) => console.error(`wordcount: framework ${info.frameworkId}, ${maps.length} maps, ${reducers} reduces`),
    async offers(d, offers) {
      const share = Math.ceil(queue.length / offers.length); // spread each round over the agents offered
      for (const offer of offers) {
        const hasExecutor = offer.executor_ids?.some((e) => e.value === EXECUTOR_ID) ?? false;
        const items = [...(hasExecutor ? [] : [{ resources: EXECUTOR_RESOURCES }]), ...queue.slice(0, share).map((job) => ({ resources: TASK_RESOURCES, job }))];
        const m = matchOffer<{ resources: ResourceSpec; job?: Job }>(offer, items);
        const placed = m.ok ? m.value.placed : [];
        const executorPlacement = placed.find((p) => !p.item.job);
        if ((!hasExecutor && !executorPlacement) || placed.every((p) => !p.item.job)) {
          await d.decline([offer], { refuse_seconds: queue.length > 0 ? 1 : 60 });
          continue;
        }
        const tasks = tasksFor(offer, placed, executorPlacement?.resources);
        queue = queue.filter((j) => !placed.some((p) => p.item.job === j));
        const r = await d.launch(offer, tasks);
        if (!r.ok) failure ??= `launch on ${offer.hostname} failed: ${r.error.message}`;
      }
      if (failure !== undefined) void d.teardown();
    },
    async update(d, status) {
      const job = running.get(status.task_id.value);
      if (job === undefined || !isTerminalState(status.state)) return;
      running.delete(status.task_id.value);
      if (status.state !== 'TASK_FINISHED') {
        console.error(`${status.task_id.value}: ${status.state} ${status.message ?? ''}`);
        if (++job.attempts < 3) {
          queue.push(job);
          await d.revive();
        } else {
          failure ??= `${job.id} failed ${job.attempts} times (last: ${status.state} ${status.message ?? ''})`;
          void d.teardown();
        }
        return;
      }
      outputs.set(job.id, decode<{ url: string }>(status.data).url);
      (job.id.startsWith('map') ? agentsOf.map : agentsOf.reduce).add(status.agent_id?.value ?? '?');
      if (job.id.startsWith('map') && maps.every((id) => outputs.has(id))) {
        console.error(`wordcount: ${maps.length} maps done on ${agentsOf.map.size} executor(s); shuffling into ${reducers} reduces`);
        const sources = maps.map((id) => outputs.get(id)!);
        queue.push(...reduces.map((id, p) => ({ id, attempts: 0, data: { kind: 'reduce', sources: sources.map((s) => `${s}/${p}`) } })));
        await d.revive();
      } else if (reduces.every((id) => outputs.has(id))) {
        console.error(`wordcount: ${reducers} reduces done on ${agentsOf.reduce.size} executor(s)`);
        try {
          result = await collect();
        } catch (e) {
          failure ??= `collecting the results: ${String(e)}`;
        }
        void d.teardown(); // the executors get SHUTDOWN and exit
      }
    },
    error: (message) => void (failure ??= `framework error: ${message}`),
  },
}).start();

const timer = setTimeout(() => {
  failure ??= `timed out after ${opts.timeout}s`;
  void driver.teardown();
}, Number(opts.timeout) * 1000);
await driver.done;
clearTimeout(timer);
if (result === undefined || failure !== undefined) {
  console.error(`wordcount: ${failure ?? 'stopped before the job finished'}`);
  process.exit(1);
}
for (const [word, count] of result) console.log(`${word} ${count}`);
