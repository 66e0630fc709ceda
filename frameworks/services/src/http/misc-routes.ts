/**
 * /v2/deployments (list, DELETE = revert or `force` stop, Agora's POST …/promote for canaries),
 * /v2/queue (+ DELETE …/delay), /v2/events (SSE, `event_type` filters, named events),
 * /v2/info, /v2/leader, /ping, /metrics (JSON) and /metrics/prometheus.
 */
import { SseWriter, type FastifyInstance } from '@agora/runtime';
import { deploymentJson } from '../core/deployment.ts';
import { resolvePath } from '../model/path-id.ts';
import { queueJson } from '../service/views.ts';
import { flag, query, rawRest, sendError, sendJson, type HttpContext } from './context.ts';

export function registerMisc(app: FastifyInstance, ctx: HttpContext): void {
  const s = ctx.services;

  app.get('/v2/deployments', async (_req, reply) => sendJson(reply, 200, [...s.state.deployments.values()].map(deploymentJson)));

  app.delete('/v2/deployments/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const force = flag(query(req), 'force');
    const r = await s.cancelDeployment(id, force);
    if (!r.ok) return sendError(reply, r.error);
    if (force || r.value === undefined) return reply.code(202).send();
    return sendJson(reply.header('Marathon-Deployment-Id', r.value.deploymentId), 200, r.value);
  });

  app.post('/v2/deployments/:id/promote', async (req, reply) => {
    const r = await s.promote((req.params as { id: string }).id);
    if (!r.ok) return sendError(reply, r.error);
    return sendJson(reply, 200, { promoted: true });
  });

  app.get('/v2/queue', async (_req, reply) => sendJson(reply, 200, queueJson(s.state, s.now)));

  app.delete('/v2/queue/*', async (req, reply) => {
    const rest = rawRest(req, '/v2/queue');
    if (!rest.endsWith('/delay')) return sendJson(reply, 404, { message: 'Not found' });
    const id = resolvePath(rest.slice(0, -'/delay'.length));
    const done = await s.resetDelay(id);
    if (!done) return sendJson(reply, 404, { message: `Application ${id} not found in tasks queue.` });
    return reply.code(204).send();
  });

  app.get('/v2/events', (req, reply) => {
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      return sendJson(reply, 405, { message: 'GET /v2/events needs Accept: text/event-stream' });
    }
    const types = query(req).getAll('event_type').flatMap((t) => t.split(',')).filter(Boolean);
    const remote = req.socket.remoteAddress ?? '';
    const held: { keepAlive?: ReturnType<typeof setInterval>; unsubscribe?: () => void } = {};
    const writer = new SseWriter(reply, {
      onClose: () => {
        if (held.keepAlive) clearInterval(held.keepAlive);
        held.unsubscribe?.();
        ctx.events.publish('event_stream_detached', { remoteAddress: remote });
      },
    });
    held.unsubscribe = ctx.events.subscribe((e) => void writer.send(e.eventType, JSON.stringify(e)), types);
    ctx.events.publish('event_stream_attached', { remoteAddress: remote });
    held.keepAlive = setInterval(() => writer.keepAlive(), ctx.keepAliveMs ?? 15_000);
    writer.keepAlive();
  });

  app.get('/v2/info', async (_req, reply) => sendJson(reply, 200, ctx.info()));

  app.get('/v2/leader', async (_req, reply) => {
    const l = ctx.leadership.leader();
    if (l === undefined) return sendJson(reply, 404, { message: 'There is no leader' });
    return sendJson(reply, 200, { leader: l });
  });

  app.delete('/v2/leader', async (_req, reply) => {
    if (!ctx.leadership.isLeader()) return sendJson(reply, 404, { message: 'There is no leader' });
    setTimeout(() => ctx.leadership.abdicate(), 50);
    return sendJson(reply, 200, { message: 'Leadership abdicated' });
  });

  app.get('/ping', async (_req, reply) => reply.code(200).header('content-type', 'text/plain').send('pong'));

  app.get('/metrics', async (_req, reply) => sendJson(reply, 200, ctx.metrics.snapshot()));

  // The same registry in Prometheus text format 0.0.4 (`agora_services_…`).
  app.get('/metrics/prometheus', async (_req, reply) => reply.code(200).header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(ctx.metrics.prometheus()));
}
