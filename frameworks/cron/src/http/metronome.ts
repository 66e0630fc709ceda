/**
 * The Metronome-style `/v1/jobs` API on the same engine: jobs with one cron schedule, runs as
 * first-class resources (a run = one occurrence, its ID the occurrence ID), history embedded on
 * request. Validation errors are 422 `{message, details: [{path, errors}]}`; unknown jobs 404.
 */
import type { FastifyInstance, FastifyReply } from '@agora/runtime';
import { parseMetronomeJob, parseScheduleSpec, renderJobRun, renderMetronomeJob, renderSchedule } from '../job/metronome.ts';
import type { JobRecord } from '../job/model.ts';
import { parseCron, type FieldError } from '../job/validate.ts';
import { formatUtc } from '../time/format.ts';
import { isActive, occurrenceId, type Run } from '../plan/run.ts';
import { clip, type ApiContext } from './context.ts';

function invalid(reply: FastifyReply, e: FieldError): FastifyReply {
  return reply.code(422).send({ message: 'Object is not valid', details: [{ path: clip(`/${e.field.replace(/\./g, '/').replace(/\[(\d+)\]/g, '/$1')}`), errors: [clip(e.message)] }] });
}

const notFound = (reply: FastifyReply, id: string) => reply.code(404).send({ message: `Job '${id}' does not exist` });

function body(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Runs grouped by occurrence, newest first. */
function runsOf(ctx: ApiContext, id: string, which: 'active' | 'finished'): Map<string, Run[]> {
  const all = which === 'active' ? ctx.engine.activeRunsOf(id) : (ctx.engine.history.get(id) ?? []);
  const out = new Map<string, Run[]>();
  for (const r of [...all].sort((a, b) => a.scheduledAt - b.scheduledAt || a.attempt - b.attempt)) {
    const key = occurrenceId(r.job, r.scheduledAt);
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return new Map([...out].reverse());
}

function render(ctx: ApiContext, job: JobRecord, embed: readonly string[]): Record<string, unknown> {
  const out = renderMetronomeJob(job);
  const id = job.spec.name;
  if (embed.includes('activeRuns')) out.activeRuns = [...runsOf(ctx, id, 'active')].map(([k, v]) => renderJobRun(k, v));
  if (!embed.includes('schedules')) delete out.schedules;
  if (embed.includes('history') || embed.includes('historySummary')) {
    const finished = [...runsOf(ctx, id, 'finished')].filter(([, v]) => !isActive(v[v.length - 1]!));
    const ok = finished.filter(([, v]) => v[v.length - 1]!.state === 'SUCCESS');
    const bad = finished.filter(([, v]) => v[v.length - 1]!.state !== 'SUCCESS');
    const c = job.counters;
    const summary = {
      successCount: c.successCount,
      failureCount: c.errorCount,
      lastSuccessAt: c.lastSuccess === undefined ? null : formatUtc(c.lastSuccess),
      lastFailureAt: c.lastError === undefined ? null : formatUtc(c.lastError),
    };
    const brief = ([k, v]: [string, Run[]]) => ({ id: k, createdAt: formatUtc(v[0]!.createdAt), finishedAt: formatUtc(v[v.length - 1]!.endedAt ?? v[0]!.createdAt), tasks: v.map((r) => r.taskId) });
    out[embed.includes('history') ? 'history' : 'historySummary'] = embed.includes('history') ? { ...summary, successfulFinishedRuns: ok.map(brief), failedFinishedRuns: bad.map(brief) } : summary;
  }
  return out;
}

export function registerMetronome(app: FastifyInstance, ctx: ApiContext): void {
  const embedOf = (q: unknown): string[] => {
    const e = (q as { embed?: string | string[] }).embed;
    return e === undefined ? [] : (Array.isArray(e) ? e : [e]).flatMap((x) => x.split(','));
  };
  const job = (id: string) => ctx.engine.jobs.get(id);

  app.get('/v1/jobs', async (req) => [...ctx.engine.jobs.values()].filter((j) => j.spec.api === 'metronome').sort((a, b) => a.spec.name.localeCompare(b.spec.name)).map((j) => render(ctx, j, embedOf(req.query))));

  app.post('/v1/jobs', async (req, reply) => {
    const parsed = parseMetronomeJob(body(req.body));
    if (!parsed.ok) return invalid(reply, parsed.error);
    if (ctx.engine.jobs.has(parsed.value.spec.name)) return reply.code(409).send({ message: `Job with id '${parsed.value.spec.name}' already exists` });
    const r = await ctx.exec(() => ctx.engine.upsert(parsed.value, ctx.now()));
    if (!r.ok) return invalid(reply, r.error);
    return reply.code(201).send(render(ctx, job(parsed.value.spec.name)!, ['schedules']));
  });

  app.get('/v1/jobs/:id', async (req, reply) => {
    const j = job((req.params as { id: string }).id);
    return j ? render(ctx, j, embedOf(req.query)) : notFound(reply, (req.params as { id: string }).id);
  });

  app.put('/v1/jobs/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const old = job(id);
    if (!old) return notFound(reply, id);
    const b = body(req.body) as Record<string, unknown> | undefined;
    // PUT of a JobSpec keeps the job's schedule unless the body names schedules.
    const withSchedule = b && b.schedules === undefined && renderSchedule(old) ? { ...b, schedules: [renderSchedule(old)] } : b;
    const parsed = parseMetronomeJob(withSchedule, id);
    if (!parsed.ok) return invalid(reply, parsed.error);
    const r = await ctx.exec(() => ctx.engine.upsert(parsed.value, ctx.now()));
    return r.ok ? render(ctx, job(id)!, ['schedules']) : invalid(reply, r.error);
  });

  app.delete('/v1/jobs/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!job(id)) return notFound(reply, id);
    const out = render(ctx, job(id)!, []);
    await ctx.exec(() => {
      const x = ctx.engine.remove(id, ctx.now());
      return x.ok ? x.value : undefined;
    });
    return out;
  });

  // ───────────── schedules (one per job) ─────────────

  const putSchedule = async (id: string, raw: unknown, reply: FastifyReply, code: number) => {
    const old = job(id);
    if (!old) return notFound(reply, id);
    const s = parseScheduleSpec(raw, 'schedule');
    if (!s.ok) return invalid(reply, s.error);
    const cron = parseCron(s.value.cron, s.value.timezone);
    if (!cron.ok) return invalid(reply, { field: cron.error.field.replace('schedules[0]', 'schedule'), message: cron.error.message });
    const spec = { ...old.spec, schedule: s.value.cron, scheduleKind: 'cron' as const, scheduleId: s.value.id, scheduleTimeZone: s.value.timezone, epsilonMs: s.value.startingDeadlineSeconds * 1000, concurrencyPolicy: s.value.concurrencyPolicy, disabled: !s.value.enabled };
    const r = await ctx.exec(() => ctx.engine.upsert({ spec, schedule: cron.value }, ctx.now()));
    return r.ok ? reply.code(code).send(renderSchedule(job(id)!)) : invalid(reply, r.error);
  };
  app.get('/v1/jobs/:id/schedules', async (req, reply) => {
    const j = job((req.params as { id: string }).id);
    if (!j) return notFound(reply, (req.params as { id: string }).id);
    const s = renderSchedule(j);
    return s ? [s] : [];
  });
  app.post('/v1/jobs/:id/schedules', async (req, reply) => putSchedule((req.params as { id: string }).id, body(req.body), reply, 201));
  app.get('/v1/jobs/:id/schedules/:sid', async (req, reply) => {
    const { id, sid } = req.params as { id: string; sid: string };
    const s = job(id) ? renderSchedule(job(id)!) : undefined;
    return s && s.id === sid ? s : reply.code(404).send({ message: `Schedule '${sid}' does not exist` });
  });
  app.put('/v1/jobs/:id/schedules/:sid', async (req, reply) => {
    const { id, sid } = req.params as { id: string; sid: string };
    const b = body(req.body);
    return putSchedule(id, typeof b === 'object' && b !== null ? { ...b, id: sid } : b, reply, 200);
  });
  app.delete('/v1/jobs/:id/schedules/:sid', async (req, reply) => {
    const { id, sid } = req.params as { id: string; sid: string };
    const old = job(id);
    if (!old || renderSchedule(old)?.id !== sid) return reply.code(404).send({ message: `Schedule '${sid}' does not exist` });
    const { schedule: _s, scheduleKind: _k, scheduleId: _i, ...spec } = old.spec;
    await ctx.exec(() => ctx.engine.upsert({ spec }, ctx.now()));
    return reply.code(200).send({});
  });

  // ───────────── runs ─────────────

  app.get('/v1/jobs/:id/runs', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!job(id)) return notFound(reply, id);
    return [...runsOf(ctx, id, 'active')].map(([k, v]) => renderJobRun(k, v));
  });
  app.post('/v1/jobs/:id/runs', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!job(id)) return notFound(reply, id);
    const r = await ctx.exec(() => ctx.engine.runNow(id, [], ctx.now()));
    if (!r.ok) return notFound(reply, id);
    return reply.code(201).send(renderJobRun(occurrenceId(id, r.value.scheduledAt), [r.value]));
  });
  app.get('/v1/jobs/:id/runs/:runId', async (req, reply) => {
    const { id, runId } = req.params as { id: string; runId: string };
    const attempts = runsOf(ctx, id, 'active').get(runId) ?? runsOf(ctx, id, 'finished').get(runId);
    return attempts ? renderJobRun(runId, attempts) : reply.code(404).send({ message: `Run '${runId}' of job '${id}' does not exist` });
  });
  app.post('/v1/jobs/:id/runs/:runId/actions/stop', async (req, reply) => {
    const { id, runId } = req.params as { id: string; runId: string };
    if (!runsOf(ctx, id, 'active').has(runId)) return reply.code(404).send({ message: `Run '${runId}' of job '${id}' is not active` });
    await ctx.exec(() => ctx.engine.killOccurrence(id, runId, ctx.now()));
    return reply.code(202).send({});
  });
}
