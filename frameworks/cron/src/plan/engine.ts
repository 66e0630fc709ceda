/**
 * The engine: the one owner of the cron state (jobs, active runs, history) and every rule that
 * changes it. Pure: each method takes `now`, nothing reads a clock or does I/O. The shell calls a
 * method, persists what `takeDirty()` names (before launching anything — the intent comes first),
 * then carries out the returned effects (kills, notifications) and launches `launchable()` runs.
 *
 * Dependent jobs (Chronos semantics, but persisted): a child is triggered when every one of its
 * parents has succeeded (or failed with `softError`) at least once since the child was last
 * triggered; `parentsDone` records progress in the child's record. In a diamond a → (b, c) → d, one
 * success of a gives one run each of b and c and then exactly one run of d.
 */
import { err, ok, type Result } from '@agora/protocol';
import { checkDependencies } from '../dag/graph.ts';
import { ZERO_COUNTERS, type JobRecord, type JobSpec } from '../job/model.ts';
import { fieldError, type FieldError, type ParsedJob } from '../job/validate.ts';
import { advanceSchedule, isExhausted, nextRuns } from '../schedule/schedule.ts';
import { DueQueue } from './due-queue.ts';
import { plan } from './plan.ts';
import { exitCodeOf, runStateOf, taskIdFor, occurrenceId, type KillReason, type Run, type Trigger } from './run.ts';
import type { TaskState } from '@agora/protocol';

export interface EngineConfig {
  /** Delay before a failed attempt is retried (Chronos `--failure_retry`, 60 s). */
  readonly retryDelayMs: number;
  /** Finished runs kept per job. */
  readonly historyLimit: number;
  /** Disable a job after this many final failures since its last success (Chronos `--disable_after_failures`; 0 = never). */
  readonly disableAfterFailures?: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = { retryDelayMs: 60_000, historyLimit: 100 };

export interface KillEffect {
  readonly taskId: string;
  readonly agentId?: string;
  readonly reason: KillReason;
}

export interface Effects {
  /** Tasks to kill at the master (only runs that were launched). */
  readonly kill: KillEffect[];
  /** Final failures (after retries), for the failure webhook. */
  readonly failed: Run[];
}

export interface StatusInput {
  readonly taskId: string;
  readonly state: TaskState;
  readonly message?: string;
  readonly agentId?: string;
  /** An answer to reconciliation (REASON_RECONCILIATION). */
  readonly reconciliation?: boolean;
}

/** What changed since the last `takeDirty()`: keys for the store. */
export interface Dirty {
  readonly jobs: Set<string>;
  readonly deletedJobs: Set<string>;
  readonly runs: Set<string>;
  readonly deletedRuns: Set<string>;
  readonly history: Set<string>;
}

const newDirty = (): Dirty => ({ jobs: new Set(), deletedJobs: new Set(), runs: new Set(), deletedRuns: new Set(), history: new Set() });
const none = (): { kill: KillEffect[]; failed: Run[] } => ({ kill: [], failed: [] });
const UNKNOWN_TO_MASTER: ReadonlySet<TaskState> = new Set(['TASK_GONE', 'TASK_UNKNOWN', 'TASK_LOST', 'TASK_GONE_BY_OPERATOR', 'TASK_DROPPED']);

export class CronEngine {
  readonly jobs = new Map<string, JobRecord>();
  /** Active runs (WAITING, QUEUED, STAGING, RUNNING) by task ID. */
  readonly runs = new Map<string, Run>();
  /** Finished and missed runs per job, oldest first, at most `historyLimit`. */
  readonly history = new Map<string, Run[]>();
  /** Runs the master has reported on at least once (so "unknown" later means lost, not unlaunched). */
  private readonly known = new Set<string>();
  private readonly dueAt = new DueQueue();
  /** Indexes over `runs` (kept by putRun/finish): active runs per job, launchable runs, and the
   * instant each run next needs attention (retry, start deadline, timeout). */
  private readonly byJob = new Map<string, Set<string>>();
  private readonly queued = new Set<string>();
  private readonly wakes = new Map<string, number>();
  private dirty = newDirty();
  private missedTotal = 0;

  constructor(readonly config: EngineConfig = DEFAULT_ENGINE_CONFIG) {}

  /** Restores persisted state (no dirty keys). */
  load(jobs: Iterable<JobRecord>, runs: Iterable<Run>, history: Iterable<[string, Run[]]>): void {
    for (const j of jobs) this.jobs.set(j.spec.name, j);
    for (const [name, list] of history) this.history.set(name, list);
    for (const name of this.jobs.keys()) this.refreshDue(name);
    for (const r of runs) {
      this.index(r);
      if (r.state === 'RUNNING' || r.startedAt !== undefined) this.known.add(r.taskId);
    }
  }

  /** Occurrences recorded as missed by this engine since it was created (for the metrics). */
  get missedRecorded(): number {
    return this.missedTotal;
  }

  takeDirty(): Dirty {
    const d = this.dirty;
    this.dirty = newDirty();
    return d;
  }

  /** True while changes wait to be persisted (the shell must not launch before they are). */
  isDirtyRun(taskId: string): boolean {
    return this.dirty.runs.has(taskId);
  }

  // ───────────── jobs ─────────────

  upsert(parsed: ParsedJob, now: number): Result<'created' | 'replaced', FieldError> {
    const { spec } = parsed;
    // A cycle through this job needs it to have parents: scheduled jobs need no graph walk.
    if (spec.parents.length > 0) {
      const dag = checkDependencies((n) => this.jobs.get(n)?.spec, { name: spec.name, parents: spec.parents });
      if (!dag.ok) return err(fieldError('parents', dag.error));
    }
    const old = this.jobs.get(spec.name);
    const sameSchedule = old?.spec.schedule === spec.schedule && old?.spec.scheduleTimeZone === spec.scheduleTimeZone && old?.schedule !== undefined;
    const record: JobRecord = {
      spec,
      ...(parsed.schedule ? { schedule: sameSchedule ? old.schedule : parsed.schedule } : {}),
      ...(parsed.schedule && sameSchedule && old.cursor !== undefined ? { cursor: old.cursor } : {}),
      ...(parsed.schedule?.kind === 'cron' && !sameSchedule ? { cursor: now } : {}),
      counters: old?.counters ?? ZERO_COUNTERS,
      parentsDone: (old?.parentsDone ?? []).filter((p) => spec.parents.includes(p)),
      createdAt: old?.createdAt ?? now,
    };
    this.putJob(record);
    return ok(old ? 'replaced' : 'created');
  }

  /** Deletes a job: its children are re-parented (or take over its schedule); its runs are killed. */
  remove(name: string, now: number): Result<Effects, string> {
    const job = this.jobs.get(name);
    if (!job) return err(`job '${name}' does not exist`);
    for (const child of this.jobs.values()) {
      if (!child.spec.parents.includes(name)) continue;
      const parents = [...new Set([...child.spec.parents.filter((p) => p !== name), ...job.spec.parents])];
      const spec: JobSpec = { ...child.spec, parents };
      if (parents.length === 0 && job.schedule) {
        this.putJob({ ...child, spec: { ...spec, schedule: job.spec.schedule, scheduleKind: job.spec.scheduleKind, scheduleTimeZone: job.spec.scheduleTimeZone }, schedule: job.schedule, ...(job.cursor !== undefined ? { cursor: job.cursor } : {}), parentsDone: [] });
      } else this.putJob({ ...child, spec, parentsDone: child.parentsDone.filter((p) => parents.includes(p)) });
    }
    const effects = this.killRuns(name, 'deleted', now, false);
    this.jobs.delete(name);
    this.dueAt.delete(name);
    this.history.delete(name);
    this.dirty.deletedJobs.add(name);
    this.dirty.jobs.delete(name);
    return ok(effects);
  }

  /** Run now (Chronos PUT /job/<name>): a new occurrence at `now`, arguments appended. */
  runNow(name: string, args: readonly string[], now: number): Result<Run, string> {
    if (!this.jobs.has(name)) return err(`job '${name}' does not exist`);
    return ok(this.createRun(name, now, 'manual', now, args));
  }

  /** Marks a job successful without running it: counters and dependents, as a success would. */
  markSuccess(name: string, now: number): Result<void, string> {
    if (!this.jobs.has(name)) return err(`job '${name}' does not exist`);
    this.succeeded(name, now);
    return ok(undefined);
  }

  /** Kills every active run of a job (queued ones are just dropped). */
  killJob(name: string, now: number): Result<Effects, string> {
    if (!this.jobs.has(name)) return err(`job '${name}' does not exist`);
    return ok(this.killRuns(name, 'user', now, true));
  }

  /** Stops one occurrence (Metronome's run stop): all its active attempts. */
  killOccurrence(name: string, occurrence: string, now: number): Effects {
    return this.killRuns(name, 'user', now, true, occurrence);
  }

  private killRuns(name: string, reason: KillReason, now: number, keepHistory: boolean, occurrence?: string): Effects {
    const out = none();
    for (const r of this.activeRunsOf(name)) {
      if (occurrence !== undefined && occurrenceId(r.job, r.scheduledAt) !== occurrence) continue;
      if (r.launchedAt !== undefined || r.state === 'STAGING' || r.state === 'RUNNING') {
        this.putRun({ ...r, killReason: reason });
        out.kill.push({ taskId: r.taskId, ...(r.agentId ? { agentId: r.agentId } : {}), reason });
      } else this.finish({ ...r, state: 'KILLED', killReason: reason, endedAt: now, message: `not started: ${reason}` }, keepHistory);
    }
    return out;
  }

  // ───────────── time ─────────────

  /** Applies the plan for `now`: new intents, missed records, retries, timeouts, abandons. */
  tick(now: number): Effects {
    const due = this.dueAt.takeDue(now); // set again below by refreshDue
    // Only the runs that can matter: those of due jobs, and those whose attention time has come.
    const relevant = new Map<string, Run>();
    for (const n of due) for (const r of this.activeRunsOf(n)) relevant.set(r.taskId, r);
    for (const [id, t] of this.wakes) if (t <= now) relevant.set(id, this.runs.get(id)!);
    const p = plan(this.jobs, relevant.values(), now, due);
    const out = none();
    for (const m of p.missed) {
      const job = this.jobs.get(m.job)!;
      this.putJob({ ...job, counters: { ...job.counters, missedCount: job.counters.missedCount + m.count } });
      this.missedTotal += m.count;
      // A leader that died after persisting these records but before the cursor leaves them due
      // again (the store writes history before the cursor): the same record is not added twice.
      for (const t of m.instants) if (!this.occurrenceExists(m.job, t)) this.appendHistory({ taskId: occurrenceId(m.job, t), job: m.job, scheduledAt: t, attempt: 0, trigger: 'schedule', state: 'MISSED', createdAt: now, endedAt: now, message: m.reason });
    }
    for (const l of p.launch) {
      // A daemon that crashed after persisting the intent but before the cursor leaves the same
      // occurrence due again: it is the same run (same task ID), never a second one.
      if (!this.occurrenceExists(l.job, l.scheduledAt)) this.createRun(l.job, l.scheduledAt, 'schedule', now, []);
    }
    for (const a of p.advance) {
      const job = this.jobs.get(a.job)!;
      this.putJob({ ...job, schedule: advanceSchedule(job.schedule!, a.through), cursor: a.through });
    }
    for (const id of p.retry) this.putRun({ ...this.runs.get(id)!, state: 'QUEUED' });
    for (const id of p.abandon) {
      const r = this.runs.get(id)!;
      this.finish({ ...r, state: 'MISSED', endedAt: now, message: 'not started within epsilon (no resources offered in time)' }, true);
      const job = this.jobs.get(r.job);
      if (job) this.putJob({ ...job, counters: { ...job.counters, missedCount: job.counters.missedCount + 1 } });
      this.missedTotal++;
    }
    for (const k of p.kill) {
      const r = this.runs.get(k.taskId);
      if (!r) continue;
      this.putRun({ ...r, killReason: k.reason });
      out.kill.push({ taskId: r.taskId, ...(r.agentId ? { agentId: r.agentId } : {}), reason: k.reason });
    }
    for (const n of due) if (this.jobs.has(n)) this.refreshDue(n, now);
    return out;
  }

  /** The next instant something is due (a schedule, a retry, a timeout); Infinity if nothing. */
  nextWake(): number {
    let t = this.dueAt.peek();
    for (const d of this.wakes.values()) if (d < t) t = d;
    return t;
  }

  /** Active runs of a job. */
  activeRunsOf(name: string): Run[] {
    return [...(this.byJob.get(name) ?? [])].map((id) => this.runs.get(id)!);
  }

  /** When a run next needs the planner: retry time, start deadline, or timeout. */
  private wakeOf(r: Run): number | undefined {
    const spec = this.jobs.get(r.job)?.spec;
    if (r.state === 'WAITING') return r.retryAt ?? 0;
    if (!spec) return undefined;
    if (r.state === 'QUEUED' && r.trigger === 'schedule' && r.launchedAt === undefined) return r.scheduledAt + spec.epsilonMs + 1;
    const since = r.startedAt ?? r.launchedAt;
    if ((r.state === 'STAGING' || r.state === 'RUNNING') && spec.maxCompletionTime > 0 && since !== undefined && r.killReason === undefined) return since + spec.maxCompletionTime * 1000;
    return undefined;
  }

  private index(r: Run): void {
    this.runs.set(r.taskId, r);
    let set = this.byJob.get(r.job);
    if (!set) this.byJob.set(r.job, (set = new Set()));
    set.add(r.taskId);
    if (r.state === 'QUEUED' && r.launchedAt === undefined) this.queued.add(r.taskId);
    else this.queued.delete(r.taskId);
    const w = this.wakeOf(r);
    if (w === undefined) this.wakes.delete(r.taskId);
    else this.wakes.set(r.taskId, w);
  }

  private unindex(r: Run): void {
    this.runs.delete(r.taskId);
    const set = this.byJob.get(r.job);
    set?.delete(r.taskId);
    if (set?.size === 0) this.byJob.delete(r.job);
    this.queued.delete(r.taskId);
    this.wakes.delete(r.taskId);
  }

  private refreshDue(name: string, now?: number): void {
    const job = this.jobs.get(name)!;
    if (!job.schedule || job.spec.disabled) {
      this.dueAt.delete(name);
      return;
    }
    const next = nextRuns(job.schedule, { ...(job.cursor !== undefined ? { after: job.cursor } : {}), limit: 1 }).runs[0];
    if (next === undefined) this.dueAt.delete(name);
    // A FORBID job held behind an active run: look again when it would be too late (a run ending re-checks sooner).
    else if (now !== undefined && next <= now) this.dueAt.set(name, next + job.spec.epsilonMs + 1);
    else this.dueAt.set(name, next);
  }

  // ───────────── runs ─────────────

  /** Whether a scheduled occurrence already has a run (active, or finished and in the history). */
  private occurrenceExists(job: string, at: number): boolean {
    const scheduled = (r: Run) => r.scheduledAt === at && r.trigger !== 'manual' && r.trigger !== 'dependency';
    return this.activeRunsOf(job).some(scheduled) || (this.history.get(job)?.some(scheduled) ?? false);
  }

  private createRun(job: string, scheduledAt: number, trigger: Trigger, now: number, args: readonly string[]): Run {
    let at = scheduledAt;
    while (this.runs.has(taskIdFor(job, at, 0)) || (trigger !== 'schedule' && this.history.get(job)?.some((r) => r.scheduledAt === at))) at++;
    const run: Run = { taskId: taskIdFor(job, at, 0), job, scheduledAt: at, attempt: 0, trigger, state: 'QUEUED', createdAt: now, ...(args.length > 0 ? { arguments: [...args] } : {}) };
    this.putRun(run);
    return run;
  }

  /** Runs waiting for an offer, persisted, in launch order (high priority first, then oldest). */
  launchable(): Run[] {
    const out = [...this.queued].filter((id) => !this.dirty.runs.has(id)).map((id) => this.runs.get(id)!);
    const prio = (r: Run) => (this.jobs.get(r.job)?.spec.highPriority ? 0 : 1);
    return out.sort((a, b) => prio(a) - prio(b) || a.scheduledAt - b.scheduledAt || a.taskId.localeCompare(b.taskId));
  }

  /** The launch was sent to the master. */
  markLaunched(taskId: string, agentId: string, sandbox: string | undefined, now: number): void {
    const r = this.runs.get(taskId);
    if (r) this.putRun({ ...r, state: 'STAGING', launchedAt: now, agentId, ...(sandbox ? { sandbox } : {}) });
  }

  /** The launch call failed before the master took it: the run waits for another offer. */
  launchFailed(taskId: string): void {
    const r = this.runs.get(taskId);
    if (r && !this.known.has(taskId)) {
      const { launchedAt: _l, agentId: _a, sandbox: _s, ...rest } = r;
      this.putRun({ ...rest, state: 'QUEUED' });
    }
  }

  /** A task status from the master (an update or a reconciliation answer). */
  onStatus(s: StatusInput, now: number): Effects {
    const r = this.runs.get(s.taskId);
    if (!r) return none();
    if (s.reconciliation && UNKNOWN_TO_MASTER.has(s.state) && !this.known.has(s.taskId)) {
      // The master never had this task: the launch did not happen. Offer it again (same task ID).
      this.launchFailed(s.taskId);
      return none();
    }
    this.known.add(s.taskId);
    const state = runStateOf(s.state);
    if (state === undefined || state === r.state) return none();
    const agentId = s.agentId ?? r.agentId;
    const base: Run = { ...r, state, ...(agentId ? { agentId } : {}), ...(s.message ? { message: s.message } : {}) };
    if (state === 'STAGING') {
      this.putRun(base);
      return none();
    }
    if (state === 'RUNNING') {
      this.putRun({ ...base, startedAt: r.startedAt ?? now });
      return none();
    }
    const code = exitCodeOf(s.message);
    const ended: Run = { ...base, endedAt: now, ...(code !== undefined ? { exitCode: code } : state === 'SUCCESS' ? { exitCode: 0 } : {}) };
    const jobExists = this.jobs.has(r.job);
    this.finish(ended, jobExists);
    this.known.delete(s.taskId);
    if (!jobExists) return none(); // the job was deleted while this run was out
    const out = none();
    if (state === 'SUCCESS') this.succeeded(r.job, now);
    else if (r.killReason !== 'user' && r.killReason !== 'deleted' && r.killReason !== 'replaced') this.failed(ended, now, out);
    this.refreshDue(r.job);
    return out;
  }

  private failed(run: Run, now: number, out: { failed: Run[] }): void {
    const job = this.jobs.get(run.job);
    if (!job) return;
    const spec = job.spec;
    const retryAt = now + this.config.retryDelayMs;
    const retry = spec.retryOnFailure
      ? spec.retryDeadlineSeconds === undefined || retryAt <= run.scheduledAt + spec.retryDeadlineSeconds * 1000
      : run.attempt < spec.retries;
    if (retry) {
      const attempt = run.attempt + 1;
      this.putRun({ taskId: taskIdFor(run.job, run.scheduledAt, attempt), job: run.job, scheduledAt: run.scheduledAt, attempt, trigger: 'retry', state: 'WAITING', createdAt: now, retryAt, ...(run.arguments ? { arguments: run.arguments } : {}) });
      return;
    }
    const c = job.counters;
    const errorsSinceLastSuccess = c.errorsSinceLastSuccess + 1;
    const limit = this.config.disableAfterFailures ?? 0;
    const disable = limit > 0 && errorsSinceLastSuccess >= limit && !spec.disabled;
    this.putJob({ ...job, ...(disable ? { spec: { ...spec, disabled: true } } : {}), counters: { ...c, errorCount: c.errorCount + 1, lastError: now, errorsSinceLastSuccess } });
    out.failed.push(run);
    if (job.spec.softError) this.triggerChildren(run.job, now);
  }

  private succeeded(name: string, now: number): void {
    const job = this.jobs.get(name);
    if (!job) return;
    const c = job.counters;
    const exhausted = job.schedule !== undefined && isExhausted(job.schedule, job.cursor) && !this.byJob.has(name);
    this.putJob({ ...job, spec: exhausted ? { ...job.spec, disabled: true } : job.spec, counters: { ...c, successCount: c.successCount + 1, lastSuccess: now, errorsSinceLastSuccess: 0 } });
    this.triggerChildren(name, now);
  }

  private triggerChildren(parent: string, now: number): void {
    for (const child of [...this.jobs.values()].sort((a, b) => a.spec.name.localeCompare(b.spec.name))) {
      if (!child.spec.parents.includes(parent)) continue;
      const done = [...new Set([...child.parentsDone, parent])];
      if (child.spec.parents.every((p) => done.includes(p)) && !child.spec.disabled) {
        this.putJob({ ...child, parentsDone: [] });
        this.createRun(child.spec.name, now, 'dependency', now, []);
      } else this.putJob({ ...child, parentsDone: done });
    }
  }

  private finish(run: Run, keep: boolean): void {
    this.unindex(run);
    this.dirty.runs.delete(run.taskId);
    this.dirty.deletedRuns.add(run.taskId);
    if (keep) this.appendHistory(run);
  }

  private appendHistory(run: Run): void {
    const list = this.history.get(run.job) ?? [];
    list.push(run);
    if (list.length > this.config.historyLimit) list.splice(0, list.length - this.config.historyLimit);
    this.history.set(run.job, list);
    this.dirty.history.add(run.job);
  }

  private putRun(run: Run): void {
    this.index(run);
    this.dirty.runs.add(run.taskId);
    this.dirty.deletedRuns.delete(run.taskId);
  }

  private putJob(job: JobRecord): void {
    const old = this.jobs.get(job.spec.name);
    this.jobs.set(job.spec.name, job);
    if (old && old.spec !== job.spec) for (const r of this.activeRunsOf(job.spec.name)) this.index(r); // deadlines follow the spec
    this.dirty.jobs.add(job.spec.name);
    this.dirty.deletedJobs.delete(job.spec.name);
    this.refreshDue(job.spec.name);
  }
}
