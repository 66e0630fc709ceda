/**
 * /v2/tasks (JSON, or text/plain lines `appId<TAB>servicePort<TAB>host:port…` for old HAProxy
 * bridges) and POST /v2/tasks/delete (`scale`, `wipe`, `force`; 400 on unknown ids).
 */
import type { FastifyInstance } from '@agora/runtime';
import { parseJsonBody } from '../model/errors.ts';
import type { AppDefinition } from '../model/types.ts';
import type { LiveState } from '../service/state.ts';
import { taskJson } from '../service/views.ts';
import { bodyText, flag, query, sendError, sendJson, type HttpContext } from './context.ts';

export function tasksText(apps: readonly AppDefinition[], state: LiveState): string {
  const lines: string[] = [];
  for (const app of apps) {
    const list = state.instancesOf(app.id).filter((i) => i.state === 'TASK_RUNNING');
    app.portDefinitions.forEach((d, n) => {
      const hosts = list.map((i) => `${i.host}:${i.ports[n] ?? 0}`);
      lines.push([app.id, String(d.port), ...hosts].join('\t'));
    });
  }
  return lines.map((l) => l + '\n').join('');
}

export function registerTasks(app: FastifyInstance, ctx: HttpContext): void {
  const s = ctx.services;
  app.get('/v2/tasks', async (req, reply) => {
    const q = query(req);
    const statuses = [...q.getAll('status'), ...q.getAll('status[]')].map((x) => `TASK_${x.toUpperCase()}`);
    if ((req.headers.accept ?? '').includes('text/plain')) {
      return reply.code(200).header('content-type', 'text/plain').send(tasksText([...s.state.apps.values()], s.state));
    }
    const tasks = [...s.state.instances.values()]
      .filter((i) => statuses.length === 0 || statuses.includes(i.state))
      .map((i) => taskJson(i, s.state.apps.get(i.appId)));
    return sendJson(reply, 200, { tasks });
  });

  app.post('/v2/tasks/delete', async (req, reply) => {
    const q = query(req);
    const json = parseJsonBody(bodyText(req));
    if (!json.ok) return sendError(reply, json.error);
    const v = json.value;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      return sendJson(reply, 422, { message: 'Invalid JSON', details: [{ path: '/', errors: ['error.expected.jsobject'] }] });
    }
    const ids = (v as { ids?: unknown }).ids;
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) {
      return sendJson(reply, 422, { message: 'Invalid JSON', details: [{ path: '/ids', errors: ['error.expected.jsarray'] }] });
    }
    const unknown = (ids as string[]).filter((id) => !s.state.instances.has(id));
    if (unknown.length > 0) return sendJson(reply, 400, { message: `Unknown tasks: ${unknown.join(', ')}` });
    if (flag(q, 'scale') && flag(q, 'wipe')) return sendJson(reply, 400, { message: 'You cannot use scale and wipe at the same time.' });
    const r = await s.killInstances(ids as string[], flag(q, 'scale'), flag(q, 'force'));
    if (!r.ok) return sendError(reply, r.error);
    if (r.value.deployment) return sendJson(reply.header('Marathon-Deployment-Id', r.value.deployment.deploymentId), 200, r.value.deployment);
    return sendJson(reply, 200, { tasks: r.value.killed.map((i) => taskJson(i, s.state.apps.get(i.appId))) });
  });
}
