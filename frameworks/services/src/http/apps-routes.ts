/**
 * /v2/apps: list, create, show, replace/partial update (PUT, PATCH), delete, restart, tasks,
 * versions and rollback. Sub-resources are parsed from the right of the raw path, so ids may be
 * multi-segment or %2F-encoded (`/v2/apps/prod/web/tasks`, `/v2/apps/%2Fprod%2Fweb`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from '@agora/runtime';
import { parseAppBody, readAppPatch } from '../model/app-json.ts';
import { appNotFound, parseJsonBody, type ApiError, type ErrorDetail } from '../model/errors.ts';
import { resolvePath } from '../model/path-id.ts';
import { appInfo, taskJson } from '../service/views.ts';
import { bodyText, embeds, flag, query, rawRest, sendError, sendJson, type HttpContext } from './context.ts';
import { tasksText } from './tasks-routes.ts';

type Sub = { kind: 'app' } | { kind: 'restart' } | { kind: 'tasks'; taskId?: string } | { kind: 'versions'; version?: string };

export function parseAppPath(rest: string): { id: string; sub: Sub } {
  const segs = rest.split('/').filter(Boolean);
  const n = segs.length;
  const id = (k: number) => resolvePath('/' + segs.slice(0, k).join('/'));
  if (n >= 2 && segs[n - 1] === 'restart') return { id: id(n - 1), sub: { kind: 'restart' } };
  if (n >= 2 && segs[n - 1] === 'tasks') return { id: id(n - 1), sub: { kind: 'tasks' } };
  if (n >= 3 && segs[n - 2] === 'tasks') return { id: id(n - 2), sub: { kind: 'tasks', taskId: segs[n - 1]! } };
  if (n >= 2 && segs[n - 1] === 'versions') return { id: id(n - 1), sub: { kind: 'versions' } };
  if (n >= 3 && segs[n - 2] === 'versions') return { id: id(n - 2), sub: { kind: 'versions', version: segs[n - 1]! } };
  return { id: id(n), sub: { kind: 'app' } };
}

function labelMatch(selector: string, labels: Readonly<Record<string, string>>): boolean {
  return selector.split(',').map((s) => s.trim()).filter(Boolean).every((term) => {
    let m = /^(\S+)\s*(==|!=)\s*(.*)$/.exec(term);
    if (m) return m[2] === '==' ? labels[m[1]!] === m[3] : labels[m[1]!] !== m[3];
    m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (m) {
      const vals = m[3]!.split(/[ ,]+/).filter(Boolean);
      const has = labels[m[1]!] !== undefined && vals.includes(labels[m[1]!]!);
      return m[2] === 'in' ? has : !has;
    }
    return labels[term] !== undefined;
  });
}

/** An error about one app of a bulk body, with its paths under that app's index (`/(1)/cpus`), as Marathon names them. */
function underItem(e: ApiError, n: number): ApiError {
  if (!Array.isArray(e.body.details)) return e;
  const details = (e.body.details as readonly ErrorDetail[]).map((d) => ({ ...d, path: `/(${n})${d.path === '/' ? '' : d.path}` }));
  return { ...e, body: { ...e.body, details } };
}

export function registerApps(app: FastifyInstance, ctx: HttpContext): void {
  const s = ctx.services;

  // Serialized answers per query, valid while the state generation does not change.
  let cacheGen = -1;
  const cache = new Map<string, Buffer>();
  app.get('/v2/apps', async (req, reply) => {
    if (cacheGen !== s.generation) {
      cache.clear();
      cacheGen = s.generation;
    }
    const key = req.url;
    const hit = cache.get(key);
    if (hit) return reply.code(200).header('content-type', 'application/json').send(hit);
    const q = query(req);
    const emb = embeds(q);
    const byApp = s.state.byApp();
    const idf = q.get('id');
    const cmd = q.get('cmd');
    const label = q.get('label');
    const apps = [...s.state.apps.values()]
      .filter((a) => (idf === null || a.id.includes(idf)) && (cmd === null || (a.cmd ?? '').includes(cmd)) && (label === null || labelMatch(label, a.labels)))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((a) => appInfo(s.state, a, emb, byApp.get(a.id) ?? []));
    const body = Buffer.from(JSON.stringify({ apps }));
    if (cache.size < 64) cache.set(key, body);
    return reply.code(200).header('content-type', 'application/json').send(body);
  });

  app.post('/v2/apps', async (req, reply) => {
    const spec = parseAppBody(bodyText(req));
    if (!spec.ok) return sendError(reply, spec.error);
    const r = await s.createApp(spec.value, flag(query(req), 'force'));
    if (!r.ok) return sendError(reply, r.error);
    const body = { ...appInfo(s.state, r.value.app, new Set()), deployments: [{ id: r.value.deployment.id }] };
    return sendJson(reply.header('Location', `/v2/apps${r.value.app.id}`).header('Marathon-Deployment-Id', r.value.deployment.id), 201, body);
  });

  // Bulk: a list of (partial) apps; PATCH requires every id to exist.
  const bulk = (patchOnly: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const q = query(req);
    const json = parseJsonBody(bodyText(req));
    if (!json.ok) return sendError(reply, json.error);
    if (!Array.isArray(json.value)) return sendJson(reply, 422, { message: 'Invalid JSON', details: [{ path: '/', errors: ['error.expected.jsarray'] }] });
    const partial = patchOnly || flag(q, 'partialUpdate', true);
    const specs = [];
    for (const [n, item] of json.value.entries()) {
      const shape = readAppPatch(item, `/(${n})`);
      if (!shape.ok) return sendError(reply, shape.error);
      const id = shape.value.id === undefined ? undefined : resolvePath(shape.value.id);
      if (id === undefined) return sendJson(reply, 422, { message: 'Object is not valid', details: [{ path: `/(${n})/id`, errors: ['is empty'] }] });
      const existing = s.state.apps.get(id);
      if (patchOnly && !existing) return sendError(reply, appNotFound(id));
      const spec = parseAppBody(JSON.stringify(item), partial && existing ? { base: existing } : {});
      if (!spec.ok) return sendError(reply, underItem(spec.error, n));
      specs.push(spec.value);
    }
    const r = await s.putApps(specs, flag(q, 'force'));
    if (!r.ok) return sendError(reply, r.error);
    return sendJson(reply.header('Marathon-Deployment-Id', r.value.deploymentId), 200, r.value);
  };
  app.put('/v2/apps', bulk(false));
  app.patch('/v2/apps', bulk(true));

  const put = (patchOnly: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const q = query(req);
    const { id } = parseAppPath(rawRest(req, '/v2/apps'));
    const text = bodyText(req);
    const json = parseJsonBody(text);
    if (!json.ok) return sendError(reply, json.error);
    const force = flag(q, 'force');
    const v = json.value as Record<string, unknown> | null;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof v.version === 'string') {
      const r = await s.rollbackApp(id, v.version, force);
      if (!r.ok) return sendError(reply, r.error);
      return sendJson(reply.header('Marathon-Deployment-Id', r.value.deploymentId), 200, r.value);
    }
    const existing = s.state.apps.get(id);
    if (patchOnly && !existing) return sendError(reply, appNotFound(id));
    const partial = patchOnly || flag(q, 'partialUpdate', true);
    const shape = readAppPatch(json.value);
    if (!shape.ok) return sendError(reply, shape.error);
    if (shape.value.id !== undefined && resolvePath(shape.value.id) !== id) {
      return sendJson(reply, 422, { message: 'Object is not valid', details: [{ path: '/id', errors: ['App id in the body must match the id in the URL'] }] });
    }
    const spec = parseAppBody(text, { id, ...(partial && existing ? { base: existing } : {}) });
    if (!spec.ok) return sendError(reply, spec.error);
    const r = await s.putApp(spec.value, force);
    if (!r.ok) return sendError(reply, r.error);
    const out = { deploymentId: r.value.deploymentId, version: r.value.version };
    return sendJson(reply.header('Marathon-Deployment-Id', r.value.deploymentId), r.value.created ? 201 : 200, out);
  };
  app.put('/v2/apps/*', put(false));
  app.patch('/v2/apps/*', put(true));

  app.get('/v2/apps/*', async (req, reply) => {
    const { id, sub } = parseAppPath(rawRest(req, '/v2/apps'));
    const def = s.state.apps.get(id);
    if (!def) return sendError(reply, appNotFound(id));
    const q = query(req);
    if (sub.kind === 'app') return sendJson(reply, 200, { app: appInfo(s.state, def, embeds(q)) });
    if (sub.kind === 'tasks') {
      const list = s.state.instancesOf(id);
      if ((req.headers.accept ?? '').includes('text/plain')) return reply.code(200).header('content-type', 'text/plain').send(tasksText([def], s.state));
      return sendJson(reply, 200, { tasks: list.map((i) => taskJson(i, def)) });
    }
    if (sub.kind === 'versions') {
      if (sub.version === undefined) return sendJson(reply, 200, { versions: await s.versions(id) });
      const v = await s.version(id, sub.version);
      if (!v) return sendJson(reply, 404, { message: `Version '${sub.version}' of app '${id}' does not exist` });
      return sendJson(reply, 200, v);
    }
    return sendJson(reply, 404, { message: 'Not found' });
  });

  app.post('/v2/apps/*', async (req, reply) => {
    const { id, sub } = parseAppPath(rawRest(req, '/v2/apps'));
    if (sub.kind !== 'restart') return sendJson(reply, 404, { message: 'Not found' });
    const r = await s.restartApp(id, flag(query(req), 'force'));
    if (!r.ok) return sendError(reply, r.error);
    return sendJson(reply.header('Marathon-Deployment-Id', r.value.deploymentId), 200, r.value);
  });

  app.delete('/v2/apps/*', async (req, reply) => {
    const q = query(req);
    const { id, sub } = parseAppPath(rawRest(req, '/v2/apps'));
    if (sub.kind === 'app') {
      const r = await s.deleteApp(id, flag(q, 'force', true));
      if (!r.ok) return sendError(reply, r.error);
      return sendJson(reply.header('Marathon-Deployment-Id', r.value.deploymentId), 200, r.value);
    }
    if (sub.kind === 'tasks') {
      if (!s.state.apps.has(id)) return sendError(reply, appNotFound(id));
      const scale = flag(q, 'scale');
      if (scale && flag(q, 'wipe')) return sendJson(reply, 400, { message: 'You cannot use scale and wipe at the same time.' });
      const host = q.get('host');
      const all = s.state.instancesOf(id);
      const targets = sub.taskId !== undefined ? all.filter((i) => i.id === sub.taskId) : all.filter((i) => host === null || host === '*' || i.host === host);
      if (sub.taskId !== undefined && targets.length === 0) return sendJson(reply, 404, { message: `Task '${sub.taskId}' does not exist` });
      const r = await s.killInstances(targets.map((i) => i.id), scale, flag(q, 'force'));
      if (!r.ok) return sendError(reply, r.error);
      if (r.value.deployment) return sendJson(reply.header('Marathon-Deployment-Id', r.value.deployment.deploymentId), 200, r.value.deployment);
      const def = s.state.apps.get(id);
      const tasks = r.value.killed.map((i) => taskJson(i, def));
      return sendJson(reply, 200, sub.taskId !== undefined ? { task: tasks[0] } : { tasks });
    }
    return sendJson(reply, 404, { message: 'Not found' });
  });
}
