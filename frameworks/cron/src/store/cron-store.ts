/**
 * The cron framework's layout in a key-value store (under a root, default `cron`):
 *
 *   <root>/framework          {"frameworkId": "..."}   re-subscribe as the same framework
 *   <root>/jobs/<name>        JobRecord                spec, advancing schedule, counters
 *   <root>/runs/<taskId>      Run                      active runs: the persisted intents
 *   <root>/history/<name>     Run[]                    the last finished / missed runs
 *
 * `flush(engine dirty set)` writes runs first (the intents), then history, then jobs, then
 * deletions. Every key is deterministic, so a crash between two writes is repaired by the next
 * leader: a run whose job cursor did not move is planned again under the same task ID and found.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { JobRecord } from '../job/model.ts';
import type { Dirty } from '../plan/engine.ts';
import type { Run } from '../plan/run.ts';
import { keySegment } from '@agora/state';
import type { Kv, KvError } from './kv.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface Snapshot {
  readonly frameworkId?: string;
  readonly jobs: JobRecord[];
  readonly runs: Run[];
  readonly history: [string, Run[]][];
}

export interface EngineView {
  readonly jobs: ReadonlyMap<string, JobRecord>;
  readonly runs: ReadonlyMap<string, Run>;
  readonly history: ReadonlyMap<string, Run[]>;
}

export class CronStore {
  constructor(readonly kv: Kv, readonly root = 'cron') {}

  private async read<T>(key: string): Promise<Result<T | undefined, KvError>> {
    const r = await this.kv.get(key);
    if (!r.ok) return r;
    if (r.value === undefined) return ok(undefined);
    try {
      return ok(JSON.parse(dec.decode(r.value.value)) as T);
    } catch (e) {
      return err({ code: 'CORRUPT', message: `${key}: ${String(e)}` });
    }
  }

  private write(key: string, value: unknown): Promise<Result<number, KvError>> {
    return this.kv.set(key, enc.encode(JSON.stringify(value)), 'any');
  }

  private async readAll<T>(dir: string): Promise<Result<[string, T][], KvError>> {
    const names = await this.kv.list(`${this.root}/${dir}`);
    if (!names.ok) return names;
    const out: [string, T][] = [];
    for (const n of names.value) {
      const v = await this.read<T>(`${this.root}/${dir}/${n}`);
      if (!v.ok) return v;
      if (v.value !== undefined) out.push([n, v.value]);
    }
    return ok(out);
  }

  async load(): Promise<Result<Snapshot, KvError>> {
    const fw = await this.read<{ frameworkId: string }>(`${this.root}/framework`);
    if (!fw.ok) return fw;
    const jobs = await this.readAll<JobRecord>('jobs');
    if (!jobs.ok) return jobs;
    const runs = await this.readAll<Run>('runs');
    if (!runs.ok) return runs;
    const history = await this.readAll<Run[]>('history');
    if (!history.ok) return history;
    return ok({ ...(fw.value ? { frameworkId: fw.value.frameworkId } : {}), jobs: jobs.value.map(([, j]) => j), runs: runs.value.map(([, r]) => r), history: history.value });
  }

  saveFrameworkId(id: string): Promise<Result<number, KvError>> {
    return this.write(`${this.root}/framework`, { frameworkId: id });
  }

  async flush(d: Dirty, view: EngineView): Promise<Result<void, KvError>> {
    const intents: (() => Promise<Result<unknown, KvError>>)[] = [];
    for (const id of d.runs) { const r = view.runs.get(id); if (r) intents.push(() => this.write(`${this.root}/runs/${keySegment(id)}`, r)); }
    // History before jobs (a separate batch: writes within a batch run in parallel): a MISSED or
    // finished record is durable before the cursor moves past its occurrence or its run is deleted.
    const history: (() => Promise<Result<unknown, KvError>>)[] = [];
    for (const n of d.history) { const h = view.history.get(n); if (h) history.push(() => this.write(`${this.root}/history/${keySegment(n)}`, h)); }
    const rest: (() => Promise<Result<unknown, KvError>>)[] = [];
    for (const n of d.jobs) { const j = view.jobs.get(n); if (j) rest.push(() => this.write(`${this.root}/jobs/${keySegment(n)}`, j)); }
    for (const id of d.deletedRuns) rest.push(() => this.kv.delete(`${this.root}/runs/${keySegment(id)}`));
    for (const n of d.deletedJobs) {
      rest.push(() => this.kv.delete(`${this.root}/jobs/${keySegment(n)}`));
      rest.push(() => this.kv.delete(`${this.root}/history/${keySegment(n)}`));
    }
    // Intents are durable before any cursor moves past them (a crash in between replans them).
    for (const steps of [intents, history, rest]) {
      const r = await batches(steps);
      if (!r.ok) return r;
    }
    return ok(undefined);
  }
}

async function batches(steps: (() => Promise<Result<unknown, KvError>>)[]): Promise<Result<void, KvError>> {
  for (let i = 0; i < steps.length; i += 64) {
    const results = await Promise.all(steps.slice(i, i + 64).map((s) => s()));
    const bad = results.find((r) => !r.ok);
    if (bad && !bad.ok) return bad;
  }
  return ok(undefined);
}
