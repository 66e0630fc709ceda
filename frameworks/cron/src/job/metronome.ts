/**
 * Metronome JobSpecs on the same engine (marathon-chronos-api.md §3): `id`, `description`,
 * `labels`, `run{cmd|args, cpus, mem, disk, user, env, artifacts, restart}` and one
 * `schedules[]` entry `{id, cron, timezone, startingDeadlineSeconds, concurrencyPolicy, enabled}`.
 * Errors are Marathon-style 422 details `{path, errors}`. `restart.policy` ON_FAILURE retries a
 * failed run after the retry delay until `restart.activeDeadlineSeconds` after the occurrence's
 * time, or forever without a deadline, as Metronome does.
 */
import { err, ok, type Result } from '@agora/protocol';
import { parseMetronomeContainer, renderMetronomeContainer } from './container.ts';
import { formatUtc } from '../time/format.ts';
import type { Run } from '../plan/run.ts';
import { Reader, parseCron, type FieldError, type ParsedJob } from './validate.ts';
import { MAX_JOB_NAME, type EnvironmentVariable, type JobRecord, type JobSpec } from './model.ts';

const ID = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

type Obj = Record<string, unknown>;

export interface ScheduleSpec {
  readonly id: string;
  readonly cron: string;
  readonly timezone: string;
  readonly startingDeadlineSeconds: number;
  readonly concurrencyPolicy: 'ALLOW' | 'FORBID' | 'REPLACE';
  readonly enabled: boolean;
}

export function parseScheduleSpec(body: unknown, path = 'schedules[0]'): Result<ScheduleSpec, FieldError> {
  if (typeof body !== 'object' || body === null) return err({ field: path, message: 'must be an object' });
  const r = new Reader(body as Obj, `${path}.`);
  const s: ScheduleSpec = {
    id: r.string('id', 'default'),
    cron: r.string('cron', ''),
    timezone: r.string('timezone', 'UTC'),
    startingDeadlineSeconds: r.number('startingDeadlineSeconds', 900, { min: 1 }),
    concurrencyPolicy: r.string('concurrencyPolicy', 'ALLOW').toUpperCase() as ScheduleSpec['concurrencyPolicy'],
    enabled: r.bool('enabled', true),
  };
  if (r.error) return err(r.error);
  if (!['ALLOW', 'FORBID', 'REPLACE'].includes(s.concurrencyPolicy)) return err({ field: `${path}.concurrencyPolicy`, message: `'${s.concurrencyPolicy}' is not ALLOW, FORBID or REPLACE` });
  if (s.cron === '') return err({ field: `${path}.cron`, message: 'is required' });
  return ok(s);
}

/** A Metronome JobSpec (with at most one schedule) → an engine job. */
export function parseMetronomeJob(body: unknown, idFromPath?: string): Result<ParsedJob, FieldError> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return err({ field: 'body', message: 'must be a JSON object (a JobSpec)' });
  const r = new Reader(body as Obj);
  const id = r.string('id', idFromPath ?? '');
  if (r.error) return err(r.error);
  if (id.length > MAX_JOB_NAME) return err({ field: 'id', message: `must be at most ${MAX_JOB_NAME} characters long` });
  if (!ID.test(id)) return err({ field: 'id', message: id === '' ? 'is required' : `'${id}' must be dot-separated lowercase names ([a-z0-9-])` });
  if (idFromPath !== undefined && id !== idFromPath) return err({ field: 'id', message: `does not match the path ('${idFromPath}')` });
  const runBody = (body as Obj).run;
  if (typeof runBody !== 'object' || runBody === null) return err({ field: 'run', message: 'is required' });
  const run = new Reader(runBody as Obj, 'run.');
  const cmd = run.string('cmd', '');
  const args = run.strings('args');
  if (!run.error && cmd === '' && args.length === 0) return err({ field: 'run.cmd', message: "one of 'cmd' or 'args' is required" });
  const env: EnvironmentVariable[] = [];
  const envBody = (runBody as Obj).env;
  if (envBody !== undefined && envBody !== null) {
    if (typeof envBody !== 'object') return err({ field: 'run.env', message: 'must be an object of strings' });
    for (const [k, v] of Object.entries(envBody as Obj)) {
      if (typeof v !== 'string') return err({ field: `run.env.${k}`, message: 'must be a string (secrets are not supported)' });
      env.push({ name: k, value: v });
    }
  }
  const artifacts = run.array('artifacts').map((a, i) => {
    const o = a as Obj;
    if (typeof o?.uri !== 'string') run.reject(`artifacts[${i}].uri`, 'is required');
    return { uri: String(o?.uri ?? ''), extract: o?.extract !== false, executable: o?.executable === true, cache: o?.cache === true };
  });
  const container = parseMetronomeContainer(runBody as Obj);
  if (!run.error && !container.ok) return container;
  const restart = (runBody as Obj).restart as Obj | undefined;
  const policy = typeof restart?.policy === 'string' ? restart.policy : 'NEVER';
  if (policy !== 'NEVER' && policy !== 'ON_FAILURE') return err({ field: 'run.restart.policy', message: `'${policy}' is not NEVER or ON_FAILURE` });
  const deadline = restart?.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && !(typeof deadline === 'number' && Number.isInteger(deadline) && deadline >= 1)) {
    return err({ field: 'run.restart.activeDeadlineSeconds', message: 'must be an integer of at least 1 (seconds)' });
  }
  const cpus = run.number('cpus', 1, { min: 0.01 });
  const mem = run.number('mem', 128, { min: 32 });
  const disk = run.number('disk', 0, { min: 0 });
  const user = run.string('user', '');
  const maxCompletionTime = run.number('maxCompletionTime', 0, { min: 0 });
  const description = r.string('description', '');
  const labelsBody = (body as Obj).labels;
  if (run.error) return err(run.error);
  if (r.error) return err(r.error);
  const schedules = r.array('schedules');
  if (r.error) return err(r.error);
  if (schedules.length > 1) return err({ field: 'schedules', message: 'at most one schedule per job' });
  let sched: ScheduleSpec | undefined;
  if (schedules.length === 1) {
    const s = parseScheduleSpec(schedules[0]);
    if (!s.ok) return s;
    sched = s.value;
  }
  const spec: JobSpec = {
    name: id,
    command: cmd !== '' ? cmd : args[0]!,
    shell: cmd !== '',
    arguments: cmd !== '' ? [] : args.slice(1),
    scheduleTimeZone: sched?.timezone ?? '',
    parents: [],
    epsilonMs: (sched?.startingDeadlineSeconds ?? 900) * 1000,
    retries: 0,
    ...(policy === 'ON_FAILURE' ? { retryOnFailure: true, ...(typeof deadline === 'number' ? { retryDeadlineSeconds: deadline } : {}) } : {}),
    async: false,
    disabled: sched ? !sched.enabled : false,
    concurrencyPolicy: sched?.concurrencyPolicy ?? 'ALLOW',
    cpus,
    mem,
    disk,
    owner: '',
    ownerName: '',
    description,
    environmentVariables: env,
    uris: [],
    fetch: artifacts,
    container: container.ok ? container.value : null,
    constraints: [],
    softError: false,
    highPriority: false,
    runAsUser: user,
    maxCompletionTime,
    api: 'metronome',
    ...(labelsBody && typeof labelsBody === 'object' ? { labels: labelsBody as Record<string, string> } : {}),
    ...(sched ? { schedule: sched.cron, scheduleKind: 'cron' as const, scheduleId: sched.id } : {}),
  };
  if (!sched) return ok({ spec });
  const cron = parseCron(sched.cron, sched.timezone);
  if (!cron.ok) return cron;
  return ok({ spec, schedule: cron.value });
}

export function renderSchedule(job: JobRecord): Record<string, unknown> | undefined {
  const s = job.spec;
  if (!job.schedule || s.scheduleKind !== 'cron') return undefined;
  return {
    id: s.scheduleId ?? 'default',
    cron: s.schedule,
    timezone: s.scheduleTimeZone || 'UTC',
    startingDeadlineSeconds: Math.round(s.epsilonMs / 1000),
    concurrencyPolicy: s.concurrencyPolicy,
    enabled: !s.disabled,
  };
}

export function renderMetronomeJob(job: JobRecord): Record<string, unknown> {
  const s = job.spec;
  const sched = renderSchedule(job);
  return {
    id: s.name,
    description: s.description,
    labels: s.labels ?? {},
    run: {
      ...(s.shell ? { cmd: s.command } : { args: [s.command, ...s.arguments] }),
      cpus: s.cpus,
      mem: s.mem,
      disk: s.disk,
      ...(s.runAsUser ? { user: s.runAsUser } : {}),
      env: Object.fromEntries(s.environmentVariables.map((v) => [v.name, v.value])),
      artifacts: s.fetch.map((f) => ({ uri: f.uri, extract: f.extract ?? true, executable: f.executable ?? false, cache: f.cache ?? false })),
      restart: s.retryOnFailure || s.retries > 0
        ? { policy: 'ON_FAILURE', ...(s.retryDeadlineSeconds !== undefined ? { activeDeadlineSeconds: s.retryDeadlineSeconds } : {}) }
        : { policy: 'NEVER' },
      ...renderMetronomeContainer(s.container),
      maxLaunchDelay: 3600,
    },
    schedules: sched ? [sched] : [],
  };
}

const RUN_STATUS: Record<Run['state'], string> = {
  WAITING: 'STARTING', QUEUED: 'INITIAL', STAGING: 'STARTING', RUNNING: 'ACTIVE', SUCCESS: 'SUCCESS', FAILED: 'FAILED', KILLED: 'FAILED', MISSED: 'FAILED',
};

/** A Metronome JobRun from the attempts of one occurrence (oldest first). */
export function renderJobRun(id: string, attempts: readonly Run[]): Record<string, unknown> {
  const last = attempts[attempts.length - 1]!;
  const first = attempts[0]!;
  return {
    id,
    jobId: last.job,
    status: RUN_STATUS[last.state],
    createdAt: formatUtc(first.createdAt),
    ...(last.endedAt !== undefined && !['WAITING', 'QUEUED', 'STAGING', 'RUNNING'].includes(last.state) ? { completedAt: formatUtc(last.endedAt) } : {}),
    tasks: attempts.filter((a) => a.state !== 'MISSED' && a.state !== 'WAITING').map((a) => ({
      id: a.taskId,
      status: a.state === 'SUCCESS' ? 'TASK_FINISHED' : a.state === 'FAILED' ? 'TASK_FAILED' : a.state === 'KILLED' ? 'TASK_KILLED' : a.state === 'RUNNING' ? 'TASK_RUNNING' : 'TASK_STAGING',
      ...(a.startedAt !== undefined ? { startedAt: formatUtc(a.startedAt) } : {}),
      ...(a.endedAt !== undefined ? { completedAt: formatUtc(a.endedAt) } : {}),
    })),
  };
}
