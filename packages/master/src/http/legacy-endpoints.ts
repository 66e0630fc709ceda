/**
 * The pre-v1 JSON endpoints that tools and UIs still use (reference §4): `/master/state` and its
 * aliases, `/master/state-summary`, `/master/frameworks`, `/master/slaves`, `/master/tasks`,
 * `/master/roles`, `/master/flags`, `/master/weights`, `/master/health`, `/master/redirect`,
 * `/master/teardown`, `/master/maintenance/{schedule,status}`, `/master/machine/{down,up}`,
 * `/master/{reserve,unreserve,create-volumes,destroy-volumes}` (form bodies, operator/resource-calls.ts),
 * `/master/quota` (GET; POST a QuotaRequest; DELETE `/master/quota/<role>`),
 * `/version`, `/health`, `/metrics/snapshot` and Prometheus `/metrics`.
 * State endpoints accept `?jsonp=`; unknown query parameters are ignored.
 */
import { decode, encodeJson, formatDecodeError, MachineID, MaintenanceSchedule, QuotaRequest, Resource } from '@agora/protocol';
import { isValidRole, Resources } from '@agora/resources';
import { startMaintenance, stopMaintenance, updateSchedule } from '../maintenance/operations.ts';
import { maintenanceStatus } from '../maintenance/status.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest, MetricsRegistry } from '@agora/runtime';
import type { Master } from '../master.ts';
import { agentJson, frameworkJson, recoveredAgentJson, stateJson, stateSummaryJson, tasksJson } from '../operator/state-json.ts';
import { applyOperatorResourceCall, type ResourceCall } from '../operator/resource-calls.ts';
import { frameworkAllocated } from '../operator/views.ts';
import { usagePoller } from '../usage/poller.ts';
import { VERSION } from '../version.ts';
import type { Leadership } from './leadership.ts';
import { removeQuota, setQuota, type QuotaCallError } from '../operator/quota.ts';
import type { Result } from '@agora/protocol';
import { answerMaintenance, persistWeights, quotaStatus } from './operator-endpoint.ts';
import { text } from './scheduler-endpoint.ts';

const JSONP = /^[A-Za-z_$][\w$.]*$/;

/** Sends JSON, wrapped for `?jsonp=callback` (the callback name is validated). */
function json(req: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
  const cb = (req.query as Record<string, unknown> | undefined)?.jsonp;
  const payload = JSON.stringify(body);
  if (typeof cb === 'string' && cb !== '') {
    if (!JSONP.test(cb) || cb.length > 128) return text(reply, 400, "Invalid 'jsonp' callback name");
    return reply.code(200).header('content-type', 'text/javascript').send(`${cb}(${payload});`);
  }
  return reply.code(200).header('content-type', 'application/json').send(payload);
}

function parseBody(req: FastifyRequest): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '') };
  } catch (e) {
    return { ok: false, error: `invalid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
}

/** A form field holding a JSON array of Resource (`resources=[...]`, `volumes=[...]`). */
function resourceList(form: URLSearchParams, name: string): Resource[] | string {
  const raw = form.get(name);
  if (raw === null) return `Missing '${name}' query parameter in the request body`;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    return `Error in parsing '${name}' query parameter in the request body: invalid JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  if (!Array.isArray(json)) return `Error in parsing '${name}' query parameter in the request body: expected a JSON array of resources`;
  const out: Resource[] = [];
  for (const [i, x] of json.entries()) {
    const r = decode(Resource, x);
    if (!r.ok) return `Error in parsing '${name}' query parameter in the request body: ${name}[${i}]: ${formatDecodeError(r.error)}`;
    out.push(r.value);
  }
  return out;
}

function intParam(q: Record<string, unknown>, name: string, dflt: number): number | string {
  const v = q[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : `Invalid '${name}': expected a non-negative integer, got '${String(v).slice(0, 40)}'`;
}

export function legacyEndpoints(app: FastifyInstance, m: Master, leadership: Leadership, metrics: MetricsRegistry, flags: Record<string, string>): void {
  const leaderOnly = (handler: (req: FastifyRequest, reply: FastifyReply) => FastifyReply) => (req: FastifyRequest, reply: FastifyReply) =>
    leadership.redirect(req, reply) ? reply : leadership.ready() ? handler(req, reply) : text(reply, 503, 'Master has not finished recovery');

  for (const url of ['/master/state', '/master/state.json', '/state', '/state.json']) {
    app.get(url, leaderOnly((req, reply) => json(req, reply, stateJson(m, flags))));
  }
  app.get('/master/state-summary', leaderOnly((req, reply) => json(req, reply, stateSummaryJson(m))));
  app.get('/master/frameworks', leaderOnly((req, reply) => {
    const q = req.query as Record<string, unknown>;
    const only = typeof q.framework_id === 'string' ? q.framework_id : undefined;
    const fws = [...m.frameworks.values()].filter((f) => !only || f.id === only).map((f) => frameworkJson(m, f));
    const done = m.completedFrameworks.values().filter((f) => !only || f.id === only).map((f) => frameworkJson(m, f, true));
    return json(req, reply, { frameworks: fws, completed_frameworks: done, unregistered_frameworks: [] });
  }));
  for (const url of ['/master/slaves', '/slaves']) {
    app.get(url, leaderOnly((req, reply) => {
      const q = req.query as Record<string, unknown>;
      const only = typeof q.slave_id === 'string' ? q.slave_id : undefined;
      const slaves = [...m.agents.values()].filter((a) => !only || a.id === only).map((a) => agentJson(m, a, true));
      const recovered_slaves = [...m.recoveredAgents.values()].filter((a) => !only || a.info.id?.value === only).map((a) => recoveredAgentJson(a.info));
      return json(req, reply, { slaves, recovered_slaves });
    }));
  }
  app.get('/master/tasks', leaderOnly((req, reply) => {
    const q = req.query as Record<string, unknown>;
    const limit = intParam(q, 'limit', 100);
    const offset = intParam(q, 'offset', 0);
    if (typeof limit === 'string') return text(reply, 400, limit);
    if (typeof offset === 'string') return text(reply, 400, offset);
    return json(req, reply, tasksJson(m, {
      limit, offset, order: q.order === 'asc' ? 'asc' : 'desc',
      ...(typeof q.framework_id === 'string' ? { frameworkId: q.framework_id } : {}),
      ...(typeof q.task_id === 'string' ? { taskId: q.task_id } : {}),
    }));
  }));
  app.get('/master/roles', leaderOnly((req, reply) => {
    const weights = m.allocator.weights();
    const names = new Set<string>(['*', ...weights.keys()]);
    for (const fw of m.frameworks.values()) for (const r of fw.roles) names.add(r);
    const roles = [...names].sort().map((name) => {
      const frameworks = [...m.frameworks.values()].filter((f) => f.roles.has(name));
      const allocated = frameworks.map((f) => frameworkAllocated(m, f).allocations().get(name)).filter((r) => r !== undefined);
      const res = Resources.sum(allocated).toLegacyJSON();
      return { name, weight: weights.get(name) ?? 1, frameworks: frameworks.map((f) => f.id), resources: res, allocated: res };
    });
    return json(req, reply, { roles });
  }));
  app.get('/master/flags', leaderOnly((req, reply) => json(req, reply, { flags })));
  // Agora's own: allocation vs container usage per agent, from the agents' /monitor/statistics (usage/).
  app.get('/master/usage', leaderOnly((req, reply) => json(req, reply, { agents: usagePoller(m).snapshot() })));
  app.get('/master/weights', leaderOnly((req, reply) => json(req, reply, [...m.allocator.weights()].map(([role, weight]) => ({ role, weight })))));
  app.put('/master/weights', leaderOnly((req, reply) => {
    let body: unknown;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      return text(reply, 400, 'Expecting a JSON array of {"role", "weight"}');
    }
    if (!Array.isArray(body)) return text(reply, 400, 'Expecting a JSON array of {"role", "weight"}');
    const infos: { role: string; weight: number }[] = [];
    for (const [i, w] of body.entries()) {
      const role = (w as { role?: unknown })?.role;
      const weight = Number((w as { weight?: unknown })?.weight);
      if (typeof role !== 'string' || !isValidRole(role) || role === '*') return text(reply, 400, `[${i}].role: invalid role`);
      if (!(weight > 0) || !Number.isFinite(weight)) return text(reply, 400, `[${i}].weight: must be a positive number`);
      infos.push({ role, weight });
    }
    m.allocator.updateWeights(infos);
    m.requestAllocation();
    persistWeights(m, () => reply.code(200).send(), (why) => text(reply, 503, why));
    return reply;
  }));
  app.post('/master/teardown', leaderOnly((req, reply) => {
    const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
    const id = form.get('frameworkId');
    if (!id) return text(reply, 400, "Missing 'frameworkId' query parameter in the request body");
    const fw = m.frameworks.get(id);
    if (!fw) return text(reply, 400, `No framework found with specified ID ${id}`);
    m.removeFramework(fw, 'operator teardown');
    return reply.code(200).send();
  }));
  // Resource operations (Mesos's docs/reservation.md, docs/persistent-volume.md): 202 when applied.
  for (const [url, type, field] of [
    ['/master/reserve', 'RESERVE', 'resources'], ['/master/unreserve', 'UNRESERVE', 'resources'],
    ['/master/create-volumes', 'CREATE', 'volumes'], ['/master/destroy-volumes', 'DESTROY', 'volumes'],
  ] as const) {
    app.post(url, leaderOnly((req, reply) => {
      const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
      const agentId = form.get('slaveId');
      if (!agentId) return text(reply, 400, "Missing 'slaveId' query parameter in the request body");
      const list = resourceList(form, field);
      if (typeof list === 'string') return text(reply, 400, list);
      const call: ResourceCall = field === 'resources' ? { type: type as 'RESERVE' | 'UNRESERVE', agentId, resources: list } : { type: type as 'CREATE' | 'DESTROY', agentId, volumes: list };
      const r = applyOperatorResourceCall(m, call, { resources: 'resources', volumes: 'volumes', source: 'source' });
      return r.ok ? reply.code(202).send() : text(reply, r.error.code, r.error.message);
    }));
  }
  // Quota (Mesos's pre-1.9 `/quota`): 200 once written to the registry.
  const answerQuota = (reply: FastifyReply, r: Result<void, QuotaCallError>) => {
    if (!r.ok) return text(reply, r.error.code, r.error.message);
    m.persist({ type: 'QUOTA', configs: [...m.quotas.values()] }, () => reply.code(200).send(), (why) => text(reply, 503, why));
    return reply;
  };
  app.get('/master/quota', leaderOnly((req, reply) => {
    const status = quotaStatus(m) ?? {};
    return json(req, reply, JSON.parse(encodeJson(status)));
  }));
  app.post('/master/quota', leaderOnly((req, reply) => {
    const body = parseBody(req);
    if (!body.ok) return text(reply, 400, `Failed to parse set quota request JSON: ${body.error}`);
    const request = decode(QuotaRequest, body.value);
    if (!request.ok) return text(reply, 400, `Failed to parse set quota request JSON: ${formatDecodeError(request.error)}`);
    return answerQuota(reply, setQuota(m, request.value, 'quota_request'));
  }));
  app.delete('/master/quota/*', leaderOnly((req, reply) => {
    const role = (req.params as { '*'?: string })['*'] ?? '';
    if (role === '') return text(reply, 400, "Failed to parse remove quota request: expecting a role in the path ('/master/quota/<role>')");
    return answerQuota(reply, removeQuota(m, role, 'role'));
  }));
  // Maintenance (Mesos's pre-v1 endpoints; they answer 200 where the v1 calls answer 202).
  app.get('/master/maintenance/schedule', leaderOnly((req, reply) => json(req, reply, m.maintenance.schedule)));
  app.post('/master/maintenance/schedule', leaderOnly((req, reply) => {
    const body = parseBody(req);
    if (!body.ok) return text(reply, 400, `Failed to parse the maintenance schedule: ${body.error}`);
    const schedule = decode(MaintenanceSchedule, body.value);
    if (!schedule.ok) return text(reply, 400, `Failed to parse the maintenance schedule: ${formatDecodeError(schedule.error)}`);
    return answerMaintenance(reply, updateSchedule(m, schedule.value), 200);
  }));
  app.get('/master/maintenance/status', leaderOnly((req, reply) => json(req, reply, maintenanceStatus(m))));
  for (const [url, op] of [['/master/machine/down', startMaintenance], ['/master/machine/up', stopMaintenance]] as const) {
    app.post(url, leaderOnly((req, reply) => {
      const body = parseBody(req);
      if (!body.ok) return text(reply, 400, `Failed to parse the list of machines: ${body.error}`);
      if (!Array.isArray(body.value)) return text(reply, 400, 'Failed to parse the list of machines: expected a JSON array of {"hostname", "ip"}');
      const ids: MachineID[] = [];
      for (const [i, x] of body.value.entries()) {
        const id = decode(MachineID, x);
        if (!id.ok) return text(reply, 400, `Failed to parse the list of machines: [${i}]: ${formatDecodeError(id.error)}`);
        ids.push(id.value);
      }
      return answerMaintenance(reply, op(m, ids, 'machines'), 200);
    }));
  }
  // Any master answers: 307 to the leader (a leader names itself), no path kept; 503 without one.
  app.get('/master/redirect', (_req, reply) => {
    const leader = leadership.leaderAddress();
    if (!leader) return text(reply, 503, 'No leader elected');
    return reply.code(307).header('location', leader).send();
  });
  for (const url of ['/master/health', '/health']) app.get(url, (_req, reply) => reply.code(200).send());
  app.get('/version', (req, reply) =>
    json(req, reply, { version: VERSION.mesos, agora_version: VERSION.agora, build_date: VERSION.buildDate, build_time: VERSION.buildTime, build_user: VERSION.buildUser }),
  );
  app.get('/metrics/snapshot', (req, reply) => json(req, reply, metrics.snapshot()));
  app.get('/metrics', (_req, reply) => reply.code(200).header('content-type', 'text/plain; version=0.0.4').send(metrics.prometheus()));
}
