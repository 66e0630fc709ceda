/**
 * The Chronos REST API, mounted under both `/v1/scheduler` (3.x) and `/scheduler` (2.x, which
 * the Jepsen client and old tools use). Bad input is 400 `{"message", "field"}`; an unknown job
 * is 400 too, as Chronos answers. See marathon-chronos-api.md §2.
 */
import type { FastifyInstance, FastifyReply } from '@agora/runtime';
import { renderDot } from '../dag/graph.ts';
import { renderChronosJob, renderRun, scheduleText } from '../job/render.ts';
import { parseChronosJob, type ChronosKind, type FieldError } from '../job/validate.ts';
import { durations, histogram, percentile, PERCENTILE_NAMES } from '../stats/percentiles.ts';
import type { JobRecord } from '../job/model.ts';
import { clip, type ApiContext } from './context.ts';

export const CHRONOS_PREFIXES = ['/v1/scheduler', '/scheduler'] as const;

function parseBody(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return raw.trim() === '' ? undefined : JSON.parse(raw);
  } catch (e) {
    return { __invalid: e instanceof Error ? e.message : String(e) };
  }
}

export function badRequest(reply: FastifyReply, e: FieldError | string): FastifyReply {
  const body = typeof e === 'string' ? { message: clip(e), status: 'Bad Request' } : { message: clip(`${e.field}: ${e.message}`), field: clip(e.field), status: 'Bad Request' };
  return reply.code(400).send(body);
}

function lastState(engine: ApiContext['engine'], job: JobRecord): 'success' | 'failure' | 'fresh' {
  const c = job.counters;
  if (c.lastSuccess === undefined && c.lastError === undefined) return 'fresh';
  return (c.lastSuccess ?? 0) >= (c.lastError ?? 0) ? 'success' : 'failure';
}

function status(ctx: ApiContext, name: string): string {
  const active = ctx.engine.activeRunsOf(name);
  const running = active.filter((r) => r.state === 'STAGING' || r.state === 'RUNNING').length;
  if (running > 0) return `${running} running`;
  return active.length > 0 ? 'queued' : 'idle';
}

export function registerChronos(app: FastifyInstance, ctx: ApiContext): void {
  for (const prefix of CHRONOS_PREFIXES) {
    const upsert = (kind: ChronosKind) => async (req: { body: unknown }, reply: FastifyReply) => {
      const body = parseBody(req.body) as Record<string, unknown> | undefined;
      if (body && typeof body.__invalid === 'string') return badRequest(reply, { field: 'body', message: `not JSON: ${body.__invalid}` });
      const parsed = parseChronosJob(body, kind, ctx.now());
      if (!parsed.ok) return badRequest(reply, parsed.error);
      const r = await ctx.exec(() => ctx.engine.upsert(parsed.value, ctx.now()));
      if (!r.ok) return badRequest(reply, r.error);
      return reply.code(204).send();
    };
    for (const kind of ['iso8601', 'dependency'] as const) {
      app.post(`${prefix}/${kind}`, upsert(kind));
      app.put(`${prefix}/${kind}`, upsert(kind));
    }

    app.get(`${prefix}/jobs`, async () => [...ctx.engine.jobs.values()].sort(byName).map(renderChronosJob));

    app.get(`${prefix}/jobs/search`, async (req) => {
      const q = req.query as Record<string, string | undefined>;
      const has = (v: string, s: string | undefined) => s === undefined || v.toLowerCase().includes(s.toLowerCase());
      const limit = Math.max(0, Number(q.limit ?? 10) || 10);
      const offset = Math.max(0, Number(q.offset ?? 0) || 0);
      return [...ctx.engine.jobs.values()]
        .sort(byName)
        .filter((j) => has(j.spec.name, q.name) && has(j.spec.command, q.command))
        .filter((j) => q.any === undefined || has(j.spec.name, q.any) || has(j.spec.command, q.any) || has(j.spec.description, q.any) || has(j.spec.owner, q.any))
        .slice(offset, offset + limit)
        .map(renderChronosJob);
    });

    app.get(`${prefix}/jobs/summary`, async () => ({
      jobs: [...ctx.engine.jobs.values()].sort(byName).map((j) => ({
        name: j.spec.name,
        status: status(ctx, j.spec.name),
        state: lastState(ctx.engine, j),
        schedule: scheduleText(j) ?? '',
        parents: j.spec.parents,
        disabled: j.spec.disabled,
      })),
    }));

    app.get(`${prefix}/job/:name`, async (req, reply) => {
      const job = ctx.engine.jobs.get((req.params as { name: string }).name);
      return job ? renderChronosJob(job) : badRequest(reply, `job '${(req.params as { name: string }).name}' does not exist`);
    });

    app.get(`${prefix}/job/:name/history`, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      if (!ctx.engine.jobs.has(name)) return badRequest(reply, `job '${name}' does not exist`);
      const active = ctx.engine.activeRunsOf(name);
      return { active: active.map(renderRun), history: [...(ctx.engine.history.get(name) ?? [])].reverse().map(renderRun) };
    });

    app.put(`${prefix}/job/:name`, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      const q = req.query as Record<string, string | string[] | undefined>;
      const args = q.arguments === undefined ? [] : (Array.isArray(q.arguments) ? q.arguments : [q.arguments]).flatMap((a) => a.split(',')).filter((a) => a !== '');
      const r = await ctx.exec(() => ctx.engine.runNow(name, args, ctx.now()));
      return r.ok ? reply.code(204).send() : badRequest(reply, r.error);
    });

    app.delete(`${prefix}/job/:name`, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      const r = await ctx.exec(() => {
        const x = ctx.engine.remove(name, ctx.now());
        return x.ok ? x.value : x.error;
      });
      return typeof r === 'string' ? badRequest(reply, r) : reply.code(204).send();
    });

    app.put(`${prefix}/job/success/:name`, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      const r = await ctx.exec(() => ctx.engine.markSuccess(name, ctx.now()));
      return r.ok ? reply.type('text/plain').send(`marked job ${name} as successful: true`) : badRequest(reply, r.error);
    });

    app.delete(`${prefix}/task/kill/:name`, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      const r = await ctx.exec(() => {
        const x = ctx.engine.killJob(name, ctx.now());
        return x.ok ? x.value : x.error;
      });
      return typeof r === 'string' ? badRequest(reply, r) : reply.code(204).send();
    });

    app.get(`${prefix}/job/stat/:name`, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      if (!ctx.engine.jobs.has(name)) return badRequest(reply, `job '${name}' does not exist`);
      const history = ctx.engine.history.get(name) ?? [];
      return {
        histogram: histogram(history),
        taskStatHistory: history.filter((r) => r.state !== 'MISSED').slice(-20).reverse().map((r) => ({
          taskId: r.taskId,
          jobName: r.job,
          slaveId: r.agentId ?? '',
          taskStart: r.startedAt === undefined ? '' : new Date(r.startedAt).toISOString(),
          taskEnd: r.endedAt === undefined ? '' : new Date(r.endedAt).toISOString(),
          taskDuration: r.startedAt !== undefined && r.endedAt !== undefined ? r.endedAt - r.startedAt : 0,
          taskStatus: r.state,
        })),
      };
    });

    app.get(`${prefix}/stats/:percentile`, async (req, reply) => {
      const name = (req.params as { percentile: string }).percentile;
      const p = PERCENTILE_NAMES[name] ?? (/^\d+(\.\d+)?$/.test(name) ? Number(name) : undefined);
      if (p === undefined || p <= 0 || p > 100) return badRequest(reply, { field: 'percentile', message: `'${name}' is not one of ${Object.keys(PERCENTILE_NAMES).join(', ')} or a number in (0, 100]` });
      return [...ctx.engine.jobs.values()].sort(byName).map((j) => ({ jobNameLabel: j.spec.name, time: percentile(durations(ctx.engine.history.get(j.spec.name) ?? []), p) }));
    });

    app.get(`${prefix}/graph/dot`, async (_req, reply) =>
      reply.type('text/plain').send(renderDot([...ctx.engine.jobs.values()].map((j) => ({ name: j.spec.name, parents: j.spec.parents, state: lastState(ctx.engine, j) })))),
    );

    app.get(`${prefix}/graph/csv`, async (_req, reply) => {
      const lines = [...ctx.engine.jobs.values()].sort(byName).map((j) => `node,${j.spec.name},${lastState(ctx.engine, j)},${status(ctx, j.spec.name)}`);
      for (const j of ctx.engine.jobs.values()) for (const p of j.spec.parents) lines.push(`link,${p},${j.spec.name}`);
      return reply.type('text/plain').send(lines.join('\n') + (lines.length ? '\n' : ''));
    });

    app.get(`${prefix}/leader`, async () => ({ leader: ctx.leader() ?? '' }));
  }
  app.get('/leader', async () => ({ leader: ctx.leader() ?? '' }));
  app.get('/ping', async (_req, reply) => reply.type('text/plain').send('pong'));
}

const byName = (a: JobRecord, b: JobRecord) => a.spec.name.localeCompare(b.spec.name);
