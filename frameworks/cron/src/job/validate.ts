/**
 * Reading a Chronos job document (POST /scheduler/iso8601 and /scheduler/dependency). Every
 * problem is a `FieldError` naming the field, answered as 400 by the HTTP layer; unknown fields
 * are ignored as Chronos ignores them. Server-maintained counters in the document are not taken
 * (the engine keeps its own).
 */
import { err, ok, type Result } from '@agora/protocol';
import { parseChronosContainer } from './container.ts';
import { parseCronSchedule } from '../schedule/cron.ts';
import { parseIso8601Schedule } from '../schedule/iso8601.ts';
import { approximateMs, parsePeriod } from '../schedule/period.ts';
import type { Schedule } from '../schedule/schedule.ts';
import { DEFAULTS, JOB_NAME, MAX_JOB_NAME, type ConcurrencyPolicy, type EnvironmentVariable, type FetchUri, type JobSpec } from './model.ts';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export const fieldError = (field: string, message: string): FieldError => ({ field, message });

export interface ParsedJob {
  readonly spec: JobSpec;
  readonly schedule?: Schedule;
}

type Obj = Record<string, unknown>;

/** Small typed readers: absent → the default, wrong type → an error naming the field. */
export class Reader {
  error: FieldError | undefined;
  constructor(readonly body: Obj, readonly prefix = '') {}

  private fail<T>(field: string, message: string, fallback: T): T {
    this.error ??= fieldError(this.prefix + field, message);
    return fallback;
  }

  has(field: string): boolean {
    return this.body[field] !== undefined && this.body[field] !== null;
  }

  string(field: string, fallback: string): string {
    const v = this.body[field];
    if (v === undefined || v === null) return fallback;
    return typeof v === 'string' ? v : this.fail(field, 'must be a string', fallback);
  }

  bool(field: string, fallback: boolean): boolean {
    const v = this.body[field];
    if (v === undefined || v === null) return fallback;
    return typeof v === 'boolean' ? v : this.fail(field, 'must be true or false', fallback);
  }

  number(field: string, fallback: number, opts: { min?: number; integer?: boolean } = {}): number {
    const v = this.body[field];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.fail(field, 'must be a number', fallback);
    if (opts.integer && !Number.isInteger(v)) return this.fail(field, 'must be an integer', fallback);
    if (opts.min !== undefined && v < opts.min) return this.fail(field, `must be at least ${opts.min}`, fallback);
    return v;
  }

  strings(field: string): string[] {
    const v = this.body[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) return this.fail(field, 'must be an array of strings', []);
    return v as string[];
  }

  array(field: string): unknown[] {
    const v = this.body[field];
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : this.fail(field, 'must be an array', []);
  }

  reject(field: string, message: string): void {
    this.fail(field, message, undefined);
  }
}

/** An ISO 8601 duration as milliseconds (calendar parts at their average length). */
export function durationMs(text: string): Result<number, string> {
  const p = parsePeriod(text);
  if (!p.ok) return p;
  return ok(Math.round(approximateMs(p.value)));
}

function environment(r: Reader): EnvironmentVariable[] {
  const out: EnvironmentVariable[] = [];
  r.array('environmentVariables').forEach((e, i) => {
    const o = e as Obj;
    if (typeof e !== 'object' || e === null || typeof o.name !== 'string' || o.name === '' || typeof (o.value ?? '') !== 'string') {
      r.reject(`environmentVariables[${i}]`, 'must be {"name": string, "value": string}');
    } else out.push({ name: o.name, value: (o.value as string | undefined) ?? '' });
  });
  return out;
}

function fetchUris(r: Reader): FetchUri[] {
  const out: FetchUri[] = [];
  r.array('fetch').forEach((e, i) => {
    const o = e as Obj;
    if (typeof e !== 'object' || e === null || typeof o.uri !== 'string' || o.uri === '') r.reject(`fetch[${i}].uri`, 'must be a non-empty string');
    else out.push({ uri: o.uri, executable: o.executable === true, extract: o.extract !== false, cache: o.cache === true, ...(typeof o.output_file === 'string' ? { output_file: o.output_file } : {}) });
  });
  return out;
}

function constraints(r: Reader): string[][] {
  const out: string[][] = [];
  r.array('constraints').forEach((c, i) => {
    if (!Array.isArray(c) || c.length < 2 || c.length > 3 || c.some((s) => typeof s !== 'string')) {
      r.reject(`constraints[${i}]`, 'must be [attribute, "EQUALS"|"LIKE"|"UNLIKE", value]');
    } else if (!['EQUALS', 'LIKE', 'UNLIKE'].includes(c[1] as string)) r.reject(`constraints[${i}]`, `unknown operator '${String(c[1])}' (EQUALS, LIKE, UNLIKE)`);
    else out.push(c as string[]);
  });
  return out;
}

export type ChronosKind = 'iso8601' | 'dependency';

/**
 * A Chronos job document → a spec (and its parsed schedule for `iso8601`). `now` resolves an
 * empty schedule start. Parents are checked against the known jobs by the engine, not here.
 */
export function parseChronosJob(body: unknown, kind: ChronosKind, now: number): Result<ParsedJob, FieldError> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return err(fieldError('body', 'must be a JSON object (a job)'));
  const r = new Reader(body as Obj);
  const name = r.string('name', '');
  if (!r.error && name.length > MAX_JOB_NAME) return err(fieldError('name', `must be at most ${MAX_JOB_NAME} characters long`));
  // `.` and `..` match the pattern but are path segments a URL resolves away: such a job could not be read or deleted.
  if (!r.error && (name === '.' || name === '..')) return err(fieldError('name', `'${name}' is not a valid job name (it cannot be named in a URL)`));
  if (!r.error && !JOB_NAME.test(name)) return err(fieldError('name', name === '' ? 'is required' : `'${name}' is not a valid job name (letters, digits, '_', '.', '-')`));
  const command = r.string('command', '');
  if (!r.error && command.trim() === '') return err(fieldError('command', 'is required'));
  const epsilonText = r.string('epsilon', '');
  let epsilonMs: number = DEFAULTS.epsilonMs;
  if (!r.error && epsilonText !== '') {
    const e = durationMs(epsilonText);
    if (!e.ok) return err(fieldError('epsilon', e.error));
    epsilonMs = e.value;
  }
  const uris = r.strings('uris');
  const fetch = fetchUris(r);
  if (!r.error && uris.length > 0 && fetch.length > 0) return err(fieldError('fetch', "give either 'uris' or 'fetch', not both"));
  const concurrent = r.bool('concurrent', false);
  const policyText = r.string('concurrencyPolicy', concurrent ? 'ALLOW' : 'FORBID').toUpperCase();
  if (!r.error && !['ALLOW', 'FORBID', 'REPLACE'].includes(policyText)) return err(fieldError('concurrencyPolicy', `'${policyText}' is not ALLOW, FORBID or REPLACE`));
  const container = parseChronosContainer(r.body.container);
  if (!r.error && !container.ok) return container;
  const scheduleTimeZone = r.string('scheduleTimeZone', '');
  const spec: JobSpec = {
    name,
    command,
    shell: r.bool('shell', true),
    arguments: r.strings('arguments'),
    scheduleTimeZone,
    parents: [],
    epsilonMs,
    retries: r.number('retries', DEFAULTS.retries, { min: 0, integer: true }),
    async: r.bool('async', false),
    disabled: r.bool('disabled', false),
    concurrencyPolicy: policyText as ConcurrencyPolicy,
    cpus: r.number('cpus', 0, { min: 0 }) || DEFAULTS.cpus,
    mem: r.number('mem', 0, { min: 0 }) || DEFAULTS.mem,
    disk: r.number('disk', 0, { min: 0 }) || DEFAULTS.disk,
    owner: r.string('owner', ''),
    ownerName: r.string('ownerName', ''),
    description: r.string('description', ''),
    environmentVariables: environment(r),
    uris,
    fetch,
    container: container.ok ? container.value : null,
    constraints: constraints(r),
    softError: r.bool('softError', false),
    highPriority: r.bool('highPriority', false),
    runAsUser: r.string('runAsUser', ''),
    maxCompletionTime: r.number('maxCompletionTime', 0, { min: 0 }),
    api: 'chronos',
  };
  if (r.error) return err(r.error);
  if (kind === 'dependency') {
    const parents = r.strings('parents');
    if (r.error) return err(r.error);
    if (parents.length === 0) return err(fieldError('parents', 'a dependent job needs at least one parent'));
    if (parents.includes(name)) return err(fieldError('parents', `job '${name}' cannot depend on itself`));
    if (r.has('schedule')) return err(fieldError('schedule', 'a dependent job has parents instead of a schedule (POST it to /scheduler/iso8601 to schedule it)'));
    return ok({ spec: { ...spec, parents: [...new Set(parents)] } });
  }
  const text = r.string('schedule', '');
  if (r.error) return err(r.error);
  if (text === '') return err(fieldError('schedule', 'is required (R[n]/<start>/<period>, e.g. R/2024-01-01T00:00:00Z/PT1H)'));
  const schedule = parseIso8601Schedule(text, { now, timeZone: scheduleTimeZone });
  if (!schedule.ok) return err(fieldError(schedule.error.startsWith('scheduleTimeZone') ? 'scheduleTimeZone' : 'schedule', schedule.error.replace(/^scheduleTimeZone: /, '')));
  return ok({ spec: { ...spec, schedule: text, scheduleKind: 'iso8601' }, schedule: schedule.value });
}

/** A cron schedule for the Metronome API (errors name `schedules[0].cron` / `.timezone`). */
export function parseCron(expression: string, timeZone: string): Result<Schedule, FieldError> {
  const s = parseCronSchedule(expression, timeZone);
  if (!s.ok) return err(fieldError(s.error.startsWith('timezone') ? 'schedules[0].timezone' : 'schedules[0].cron', s.error.replace(/^timezone: /, '')));
  return s;
}
