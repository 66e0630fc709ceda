/**
 * The Marathon-compatible HTTP API on @agora/runtime's fastify server. A standby answers
 * /ping, /v2/info and /v2/leader itself and proxies everything else to the leader (as Marathon
 * does, with `X-Marathon-Leader` / `X-Marathon-Via`), or answers 503 when no leader is known.
 */
import { createHttpServer, type FastifyInstance, type FastifyReply, type FastifyRequest } from '@agora/runtime';
import { registerApps } from './apps-routes.ts';
import { bodyText, sendJson, type HttpContext } from './context.ts';
import { registerGroups } from './groups-routes.ts';
import { registerMisc } from './misc-routes.ts';
import { registerTasks } from './tasks-routes.ts';

const LOCAL = new Set(['/ping', '/v2/info', '/v2/leader', '/metrics', '/metrics/prometheus']);

async function proxy(req: FastifyRequest, reply: FastifyReply, leader: string, self: string): Promise<FastifyReply> {
  const headers: Record<string, string> = { 'x-marathon-via': self };
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
  try {
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : bodyText(req);
    const res = await fetch(`http://${leader}${req.url}`, { method: req.method, headers, ...(body !== undefined ? { body } : {}), redirect: 'manual' });
    const text = await res.text();
    reply.code(res.status).header('x-marathon-leader', `http://${leader}`);
    for (const h of ['content-type', 'location', 'marathon-deployment-id']) {
      const v = res.headers.get(h);
      if (v !== null) reply.header(h, v);
    }
    return reply.send(text);
  } catch (e) {
    return sendJson(reply, 502, { message: `Could not reach the leader ${leader}: ${e instanceof Error ? e.message : String(e)}` });
  }
}

export function createServicesHttp(ctx: HttpContext, self: () => string): FastifyInstance {
  const app = createHttpServer();
  app.addHook('preHandler', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (LOCAL.has(path) || ctx.leadership.isLeader()) return;
    const leader = ctx.leadership.leader();
    if (leader === undefined) return sendJson(reply, 503, { message: 'Could not determine the current leader' });
    return proxy(req, reply, leader, self());
  });
  registerApps(app, ctx);
  registerTasks(app, ctx);
  registerMisc(app, ctx);
  registerGroups(app, ctx);
  return app;
}
