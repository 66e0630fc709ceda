/**
 * Standbys forward API requests to the leader (Chronos 3.x proxies rather than redirecting), so a
 * client may talk to any daemon. `/ping`, `/leader` and the metrics are answered locally (each
 * daemon's own view). With no leader known
 * the answer is 503.
 */
import type { FastifyInstance } from '@agora/runtime';
import type { ApiContext } from './context.ts';

const LOCAL = new Set(['/ping', '/leader', '/metrics', '/metrics/prometheus', '/v1/scheduler/leader', '/scheduler/leader']);

export function forwardToLeader(app: FastifyInstance, ctx: ApiContext): void {
  app.addHook('preHandler', async (req, reply) => {
    if (ctx.isLeader() || LOCAL.has(req.url.split('?')[0]!)) return;
    const leader = ctx.leader();
    if (!leader) return reply.code(503).send({ message: 'no cron leader is elected at the moment; retry', status: 'Service Unavailable' });
    const headers: Record<string, string> = {};
    if (typeof req.headers['content-type'] === 'string') headers['content-type'] = req.headers['content-type'];
    try {
      const res = await fetch(`http://${leader}${req.url}`, {
        method: req.method,
        headers,
        ...(typeof req.body === 'string' && req.body !== '' && req.method !== 'GET' ? { body: req.body } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      const body = await res.text();
      const type = res.headers.get('content-type');
      if (type) reply.type(type);
      return reply.code(res.status).send(body);
    } catch (e) {
      return reply.code(503).send({ message: `the leader ${leader} cannot be reached: ${e instanceof Error ? e.message : String(e)}`, status: 'Service Unavailable' });
    }
  });
}
