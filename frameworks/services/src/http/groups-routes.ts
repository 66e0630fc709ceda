/**
 * /v2/groups: the tree of groups and apps derived from app ids, and group changes as one
 * deployment: POST creates (409 when the group has apps), PUT applies the body (apps not listed
 * are removed; `{"scaleBy": f}` scales every app; `dryRun=true` returns the plan only), DELETE
 * removes everything under the group. Relative app ids resolve against the group.
 * Versions: GET `/{id}/versions` (timestamps, newest first) and `/{id}/versions/{ts}` (the tree
 * then, apps as stored), and PUT `{"version": ts}` rolls the group back (a deployment).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from '@agora/runtime';
import { deploymentJson } from '../core/deployment.ts';
import { appToJson, readAppPatch } from '../model/app-json.ts';
import { groupNotFound, invalidJson, objectNotValid, parseJsonBody, type ApiError, type Issue } from '../model/errors.ts';
import { at, idx } from '../model/json-read.ts';
import { normalizeApp } from '../model/normalize-app.ts';
import { isRoot, isUnder, parentOf, pathIdProblems, resolvePath, segmentsOf } from '../model/path-id.ts';
import type { AppDefinition, AppSpec } from '../model/types.ts';
import type { LiveState } from '../service/state.ts';
import { appInfo } from '../service/views.ts';
import { bodyText, embeds, flag, query, rawRest, sendError, sendJson, type HttpContext } from './context.ts';

/** The group `id` over `all` apps (live, or a stored version), each app shown by `show`. */
function tree(all: readonly AppDefinition[], id: string, show: (a: AppDefinition) => Record<string, unknown>): Record<string, unknown> {
  const apps = all.filter((a) => parentOf(a.id) === id).sort((a, b) => (a.id < b.id ? -1 : 1));
  const childGroups = new Set<string>();
  const depth = segmentsOf(id).length;
  for (const a of all) {
    const segs = segmentsOf(a.id);
    if (isUnder(a.id, id) && segs.length > depth + 1) childGroups.add('/' + segs.slice(0, depth + 1).join('/'));
  }
  return {
    id,
    apps: apps.map(show),
    groups: [...childGroups].sort().map((g) => tree(all, g, show)),
    pods: [],
    dependencies: [],
    version: apps.map((a) => a.version).sort().at(-1) ?? new Date(0).toISOString(),
  };
}

/** The live tree, with `embed` (`group.apps.tasks`, …) applied to its apps. */
function liveTree(state: LiveState, id: string, emb: ReadonlySet<string>): Record<string, unknown> {
  const appEmb = new Set([...emb].map((e) => e.replace(/^group\.apps\./, 'apps.')));
  return tree([...state.apps.values()], id, (a) => appInfo(state, a, appEmb));
}

/** `/x/versions` and `/x/versions/<ts>` (the root: `/versions…`), else the group id itself. */
function parseGroupPath(rest: string): { id: string; versions: boolean; version?: string } {
  const m = /^(.*?)\/versions(?:\/([^/]+))?\/?$/.exec(rest);
  if (!m) return { id: resolvePath(rest || '/'), versions: false };
  return { id: resolvePath(m[1] || '/'), versions: true, ...(m[2] !== undefined ? { version: m[2] } : {}) };
}

/**
 * A rollback body (`{"version": ts}` and nothing else, Marathon's rule): the version, a 422 when
 * `version` comes with other fields or is not a string, or undefined for any other body.
 */
function rollbackVersion(body: Record<string, unknown>): string | ApiError | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('version' in body)) return undefined;
  if (typeof body.version !== 'string') return invalidJson([{ path: '/version', message: 'error.expected.jsstring' }]);
  if (Object.keys(body).length > 1) return objectNotValid([{ path: '/version', message: 'not allowed in conjunction with other properties.' }]);
  return body.version;
}

/** Reads a group body's apps (nested groups included) with ids resolved against `groupId`. */
function readGroup(v: unknown, groupId: string, path: string, issues: Issue[], out: AppSpec[]): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    issues.push({ path, message: 'error.expected.jsobject' });
    return;
  }
  const g = v as { id?: unknown; apps?: unknown; groups?: unknown };
  const apps = Array.isArray(g.apps) ? g.apps : [];
  apps.forEach((a, i) => {
    const p = idx(at(path, 'apps'), i);
    const patch = readAppPatch(a, p);
    if (!patch.ok) {
      for (const d of patch.error.body.details as { path: string; errors: string[] }[]) for (const m of d.errors) issues.push({ path: d.path, message: m });
      return;
    }
    const spec = normalizeApp(patch.value, p, groupId);
    if (!spec.ok) {
      for (const d of spec.error.body.details as { path: string; errors: string[] }[]) for (const m of d.errors) issues.push({ path: d.path, message: m });
      return;
    }
    out.push(spec.value);
  });
  const groups = Array.isArray(g.groups) ? g.groups : [];
  groups.forEach((sub, i) => {
    const p = idx(at(path, 'groups'), i);
    const sid = (sub as { id?: unknown } | null)?.id;
    if (typeof sid !== 'string') {
      issues.push({ path: at(p, 'id'), message: 'error.path.missing' });
      return;
    }
    for (const m of pathIdProblems(sid, { base: groupId })) issues.push({ path: at(p, 'id'), message: m });
    readGroup(sub, resolvePath(sid, groupId), p, issues, out);
  });
}

export function registerGroups(app: FastifyInstance, ctx: HttpContext): void {
  const s = ctx.services;
  const groupId = (req: FastifyRequest) => resolvePath(rawRest(req, '/v2/groups') || '/');

  const get = async (req: FastifyRequest, reply: FastifyReply) => {
    const { id, versions, version } = parseGroupPath(rawRest(req, '/v2/groups'));
    if (versions && version === undefined) {
      const r = await s.groupVersions(id);
      return r.ok ? sendJson(reply, 200, r.value) : sendError(reply, r.error);
    }
    if (version !== undefined) {
      const r = await s.groupVersion(id, version);
      return r.ok ? sendJson(reply, 200, tree(r.value, id, appToJson)) : sendError(reply, r.error);
    }
    const exists = isRoot(id) || [...s.state.apps.keys()].some((a) => isUnder(a, id) && a !== id);
    if (!exists) return sendError(reply, groupNotFound(id));
    return sendJson(reply, 200, liveTree(s.state, id, embeds(query(req))));
  };
  app.get('/v2/groups', get);
  app.get('/v2/groups/*', get);

  const change = (method: 'POST' | 'PUT') => async (req: FastifyRequest, reply: FastifyReply) => {
    const q = query(req);
    const json = parseJsonBody(bodyText(req));
    if (!json.ok) return sendError(reply, json.error);
    const body = json.value as Record<string, unknown>;
    let id = groupId(req);
    const rollback = method === 'PUT' ? rollbackVersion(body) : undefined;
    if (typeof rollback === 'object') return sendError(reply, rollback);
    if (typeof rollback === 'string') {
      const r = await s.rollbackGroup(id, rollback, { force: flag(q, 'force'), dryRun: flag(q, 'dryRun') });
      if (!r.ok) return sendError(reply, r.error);
      if (r.value.dryRun) return sendJson(reply, 200, { steps: deploymentJson(r.value.deployment).steps });
      const d = r.value.deployment;
      return sendJson(reply.header('Marathon-Deployment-Id', d.id), 200, { deploymentId: d.id, version: d.version });
    }
    if (typeof body === 'object' && body !== null && typeof body.id === 'string') id = resolvePath(body.id, id);
    const specs: AppSpec[] = [];
    const issues: Issue[] = [];
    const scaleBy = typeof body?.scaleBy === 'number' ? body.scaleBy : undefined;
    if (scaleBy === undefined) readGroup(body, id, '/', issues, specs);
    if (issues.length > 0) return sendError(reply, objectNotValid(issues));
    const r = await s.applyGroup(id, specs, {
      prune: method === 'PUT', force: flag(q, 'force'), dryRun: flag(q, 'dryRun'), mustNotExist: method === 'POST', ...(scaleBy !== undefined ? { scaleBy } : {}),
    });
    if (!r.ok) return sendError(reply, r.error);
    if (r.value.dryRun) return sendJson(reply, 200, { steps: deploymentJson(r.value.deployment).steps });
    const d = r.value.deployment;
    return sendJson(reply.header('Marathon-Deployment-Id', d.id), method === 'POST' ? 201 : 200, { deploymentId: d.id, version: d.version });
  };
  app.post('/v2/groups', change('POST'));
  app.post('/v2/groups/*', change('POST'));
  app.put('/v2/groups', change('PUT'));
  app.put('/v2/groups/*', change('PUT'));

  const remove = async (req: FastifyRequest, reply: FastifyReply) => {
    const id = groupId(req);
    if (!isRoot(id) && ![...s.state.apps.keys()].some((a) => isUnder(a, id))) return sendError(reply, groupNotFound(id));
    const r = await s.applyGroup(id, [], { prune: true, force: flag(query(req), 'force'), dryRun: false });
    if (!r.ok) return sendError(reply, r.error);
    return sendJson(reply.header('Marathon-Deployment-Id', r.value.deployment.id), 200, { deploymentId: r.value.deployment.id, version: r.value.deployment.version });
  };
  app.delete('/v2/groups', remove);
  app.delete('/v2/groups/*', remove);
}
