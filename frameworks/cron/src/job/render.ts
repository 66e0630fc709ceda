/**
 * Jobs as Chronos shows them (GET /scheduler/jobs): the client's fields plus the server's
 * counters, with `schedule` rewritten to the next due occurrence (`R4/<next>/PT1H`) and times
 * in ISO 8601 UTC. `fetch` and `uris` are mirrored for old and new clients.
 */
import { formatUtc } from '../time/format.ts';
import { formatIso8601Schedule } from '../schedule/iso8601.ts';
import { formatPeriod, parsePeriod } from '../schedule/period.ts';
import type { Run } from '../plan/run.ts';
import type { JobRecord } from './model.ts';

/** The ISO 8601 period for a number of milliseconds (`PT60S`). */
export function msToPeriod(ms: number): string {
  const p = parsePeriod(`PT${Math.floor(ms / 1000)}${ms % 1000 ? `.${String(ms % 1000).padStart(3, '0')}` : ''}S`);
  return p.ok ? formatPeriod(p.value) : 'PT0S';
}

export function scheduleText(job: JobRecord): string | undefined {
  if (!job.schedule) return undefined;
  return job.schedule.kind === 'iso8601' ? formatIso8601Schedule(job.schedule) : job.schedule.expression;
}

export function renderChronosJob(job: JobRecord): Record<string, unknown> {
  const s = job.spec;
  const c = job.counters;
  const fetch = s.fetch.length > 0 ? s.fetch : s.uris.map((uri) => ({ uri, executable: false, extract: true, cache: false }));
  const out: Record<string, unknown> = {
    name: s.name,
    command: s.command,
    shell: s.shell,
    arguments: s.arguments,
    epsilon: msToPeriod(s.epsilonMs),
    executor: '',
    executorFlags: '',
    taskInfoData: '',
    retries: s.retries,
    owner: s.owner,
    ownerName: s.ownerName,
    description: s.description,
    async: s.async,
    successCount: c.successCount,
    errorCount: c.errorCount,
    lastSuccess: c.lastSuccess === undefined ? '' : formatUtc(c.lastSuccess),
    lastError: c.lastError === undefined ? '' : formatUtc(c.lastError),
    errorsSinceLastSuccess: c.errorsSinceLastSuccess,
    missedCount: c.missedCount,
    cpus: s.cpus,
    disk: s.disk,
    mem: s.mem,
    disabled: s.disabled,
    softError: s.softError,
    dataProcessingJobType: false,
    concurrent: s.concurrencyPolicy === 'ALLOW',
    concurrencyPolicy: s.concurrencyPolicy,
    highPriority: s.highPriority,
    runAsUser: s.runAsUser,
    maxCompletionTime: s.maxCompletionTime,
    container: s.container,
    environmentVariables: s.environmentVariables,
    constraints: s.constraints,
    uris: s.uris.length > 0 ? s.uris : s.fetch.map((f) => f.uri),
    fetch,
  };
  if (job.schedule) {
    out.schedule = scheduleText(job);
    out.scheduleTimeZone = s.scheduleTimeZone;
  } else out.parents = s.parents;
  return out;
}

/** A run as the history and CLI show it. */
export function renderRun(r: Run): Record<string, unknown> {
  const iso = (t: number | undefined) => (t === undefined ? undefined : formatUtc(t));
  return {
    taskId: r.taskId,
    job: r.job,
    scheduled: iso(r.scheduledAt),
    attempt: r.attempt,
    trigger: r.trigger,
    status: r.state,
    queued: iso(r.createdAt),
    launched: iso(r.launchedAt),
    started: iso(r.startedAt),
    ended: iso(r.endedAt),
    ...(r.startedAt !== undefined && r.endedAt !== undefined ? { durationMs: r.endedAt - r.startedAt } : {}),
    exitCode: r.exitCode,
    agentId: r.agentId,
    sandbox: r.sandbox,
    message: r.message,
    arguments: r.arguments,
    killReason: r.killReason,
  };
}
