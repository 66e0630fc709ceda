/**
 * The planner: a pure function from (jobs, active runs, now) to what should happen now. It reads
 * no clock and changes nothing; the engine applies the plan and the shell carries it out.
 *
 * Missed-run policy (documented in the README, tested in plan.test.ts). For each enabled
 * scheduled job, the occurrences due since the last one handled (`cursor`, or the schedule's own
 * `next` index) up to `now` are looked at together:
 *  - the LATEST due occurrence is launched if `now − latest ≤ epsilon` (Chronos `epsilon`,
 *    Metronome `startingDeadlineSeconds`); every earlier one is recorded as MISSED. So after any
 *    outage at most one catch-up run starts per job — never a burst.
 *  - if even the latest is later than epsilon, all of them are recorded as MISSED.
 *  - concurrency: ALLOW launches regardless of active runs; FORBID (Chronos `concurrent: false`)
 *    holds the occurrence while a run of the job is active — it is launched once the active run
 *    ends if that is still within epsilon, and recorded as MISSED otherwise; REPLACE kills the
 *    active runs and launches.
 * Then the cursor moves past `now` (the Chronos schedule rewrite: start advanced, `Rn` decremented).
 *
 * Also: WAITING retries whose time has come (`retry`), runs over `maxCompletionTime` (`kill`,
 * reason timeout), and scheduled attempt-0 runs still QUEUED (no offer) past their epsilon
 * (`abandon`: recorded as MISSED rather than started late).
 */
import type { JobRecord, JobSpec } from '../job/model.ts';
import { nextRuns, scanRuns } from '../schedule/schedule.ts';
import { isActive, type KillReason, type Run } from './run.ts';

export interface Plan {
  /** New occurrences to record as intents and launch (attempt 0). */
  readonly launch: { readonly job: string; readonly scheduledAt: number }[];
  /** Occurrences that will not run. `instants` lists at most `MISSED_DETAIL` of them; `count` is all. */
  readonly missed: { readonly job: string; readonly count: number; readonly instants: number[]; readonly reason: string }[];
  /** Cursor moves: every occurrence at or before `through` is handled. */
  readonly advance: { readonly job: string; readonly through: number }[];
  /** WAITING runs to queue now. */
  readonly retry: string[];
  readonly kill: { readonly taskId: string; readonly reason: KillReason }[];
  /** QUEUED runs that missed their start deadline. */
  readonly abandon: string[];
}

export const MISSED_DETAIL = 20;

/**
 * `jobs` is every job (runs look up their job's limits); `due`, when given, limits the schedule
 * scan to those job names (the engine passes the jobs whose next run is at or before `now`).
 */
export function plan(jobs: ReadonlyMap<string, JobRecord>, runs: Iterable<Run>, now: number, due?: Iterable<string>): Plan {
  const out: { -readonly [K in keyof Plan]: Plan[K] } = { launch: [], missed: [], advance: [], retry: [], kill: [], abandon: [] };
  const activeByJob = new Map<string, Run[]>();
  for (const r of runs) {
    if (!isActive(r)) continue;
    const list = activeByJob.get(r.job) ?? [];
    list.push(r);
    activeByJob.set(r.job, list);
  }
  for (const name of due ?? jobs.keys()) {
    const job = jobs.get(name);
    if (job) planJob(job, activeByJob.get(name) ?? [], now, out);
  }
  for (const list of activeByJob.values()) {
    for (const r of list) planRun(r, now, jobs.get(r.job)?.spec, out);
  }
  return out;
}

function planJob(job: JobRecord, active: readonly Run[], now: number, out: { -readonly [K in keyof Plan]: Plan[K] }): void {
  const { spec, schedule } = job;
  if (!schedule || spec.disabled) return;
  // Before its first handled occurrence, a job looks back only to its creation (less epsilon, so a
  // start just before creation still runs): occurrences of a past start from before the job existed
  // were never missed — they are skipped without a record.
  const after = job.cursor ?? job.createdAt - spec.epsilonMs - 1;
  const scan = scanRuns(schedule, after, now);
  if (scan.count === 0 || scan.last === undefined) return;
  const latest = scan.last;
  const inTime = now - latest <= spec.epsilonMs;
  if (spec.concurrencyPolicy === 'FORBID' && active.length > 0 && inTime) return; // held: see header
  const missedCount = inTime ? scan.count - 1 : scan.count;
  if (missedCount > 0) {
    const instants = nextRuns(schedule, { after, until: inTime ? latest - 1 : now, limit: MISSED_DETAIL }).runs;
    const reason = !inTime
      ? `not started within epsilon (${spec.epsilonMs} ms)${active.length > 0 && spec.concurrencyPolicy === 'FORBID' ? ' while a previous run was active' : ''}`
      : 'superseded by a later occurrence (catch-up runs only the latest)';
    out.missed.push({ job: spec.name, count: missedCount, instants, reason });
  }
  if (inTime) {
    out.launch.push({ job: spec.name, scheduledAt: latest });
    if (spec.concurrencyPolicy === 'REPLACE') for (const r of active) out.kill.push({ taskId: r.taskId, reason: 'replaced' });
  }
  out.advance.push({ job: spec.name, through: now });
}

function planRun(r: Run, now: number, spec: JobSpec | undefined, out: { -readonly [K in keyof Plan]: Plan[K] }): void {
  if (r.state === 'WAITING' && (r.retryAt ?? 0) <= now) out.retry.push(r.taskId);
  if (!spec) return;
  if (r.state === 'QUEUED' && r.launchedAt === undefined && r.trigger === 'schedule' && now - r.scheduledAt > spec.epsilonMs) out.abandon.push(r.taskId);
  if ((r.state === 'STAGING' || r.state === 'RUNNING') && r.killReason === undefined && spec.maxCompletionTime > 0) {
    const since = r.startedAt ?? r.launchedAt;
    if (since !== undefined && now - since >= spec.maxCompletionTime * 1000) out.kill.push({ taskId: r.taskId, reason: 'timeout' });
  }
}
