/**
 * The master's v1 operator API: `POST /api/v1` (and `/mesos/api/v1`, the path DC/OS clients use).
 * Synchronous calls answer `200 {"type": T, "<t>": {...}}`; state-changing ones 200 with an empty
 * body or 202, as Mesos does; calls Agora does not implement yet answer 501 naming the call.
 */
import {
  acceptsJson, RecordIOWriter, type FastifyInstance, type FastifyReply, type FastifyRequest, type MetricsRegistry,
} from '@agora/runtime';
import { encodeJson, master, validateMasterCall, type Role } from '@agora/protocol';
import { isValidRole, Resources } from '@agora/resources';
import type { Master } from '../master.ts';
import { markGone } from '../agents/gone.ts';
import { removeQuota, setQuota, updateQuota } from '../operator/quota.ts';
import { LoggingLevel } from '../operator/logging-level.ts';
import { applyOperatorResourceCall, V1_FIELDS, type ResourceCall } from '../operator/resource-calls.ts';
import { startMaintenance, stopMaintenance, updateSchedule, type MaintenanceError } from '../maintenance/operations.ts';
import { maintenanceStatus } from '../maintenance/status.ts';
import type { Result } from '@agora/protocol';
import { frameworkAllocated, getAgents, getExecutors, getFrameworks, getState, getTasks } from '../operator/views.ts';
import { VERSION } from '../version.ts';
import type { Leadership } from './leadership.ts';
import { readV1Body, text } from './scheduler-endpoint.ts';

const PROCESS_CALLS = new Set(['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL']);

/** Writes the current weights to the registry, then answers. */
export function persistWeights(m: Master, then: () => void, failed: (why: string) => void): void {
  m.persist({ type: 'WEIGHTS', weights: [...m.allocator.weights()].map(([role, weight]) => ({ role, weight })) }, then, failed);
}

/** Answers a maintenance call once it is applied (written to the registry first): `code`, or 400/503 with the reason. */
export function answerMaintenance(reply: FastifyReply, outcome: Promise<Result<void, MaintenanceError>>, code: 200 | 202): FastifyReply {
  void outcome.then((r) => (r.ok ? reply.code(code).send() : text(reply, r.error.code, r.error.message)));
  return reply;
}

/** QuotaStatus: the configs, and `infos` (guarantees only) for pre-1.9 clients. */
export function quotaStatus(m: Master): master.GetQuota['status'] {
  const configs = [...m.quotas.values()];
  const infos = configs.filter((c) => c.guarantees).map((c) => ({
    role: c.role,
    guarantee: Object.entries(c.guarantees!).map(([name, v]) => ({ name, type: 'SCALAR' as const, scalar: v })),
  }));
  return { ...(configs.length ? { configs } : {}), ...(infos.length ? { infos } : {}) };
}

function respond(reply: FastifyReply, body: master.Response): FastifyReply {
  return reply.code(200).header('content-type', 'application/json').send(encodeJson(body));
}

export function getRoles(m: Master): master.GetRoles {
  const weights = m.allocator.weights();
  const names = new Set<string>(['*']);
  for (const fw of m.frameworks.values()) for (const r of fw.roles) names.add(r);
  for (const r of weights.keys()) names.add(r);
  for (const a of m.agents.values()) for (const r of a.total.reservations().keys()) names.add(r);
  const roles = [...names].sort().map((name) => {
    const frameworks = [...m.frameworks.values()].filter((f) => f.roles.has(name)).map((f) => ({ value: f.id }));
    let allocated = Resources.EMPTY;
    for (const f of m.frameworks.values()) {
      const mine = frameworkAllocated(m, f).allocations().get(name);
      if (mine) allocated = allocated.plus(mine);
    }
    const role: Role = { name, weight: weights.get(name) ?? 1 };
    if (frameworks.length) role.frameworks = frameworks;
    const res = allocated.toProto('ENDPOINT');
    if (res.length) role.resources = res;
    return role;
  });
  return { roles };
}

function resourceCallOf(call: master.Call): ResourceCall {
  switch (call.type) {
    case 'RESERVE_RESOURCES': {
      const c = call.reserve_resources!;
      return { type: 'RESERVE', agentId: c.agent_id.value, resources: c.resources ?? [], ...(c.source?.length ? { source: c.source } : {}) };
    }
    case 'UNRESERVE_RESOURCES':
      return { type: 'UNRESERVE', agentId: call.unreserve_resources!.agent_id.value, resources: call.unreserve_resources!.resources ?? [] };
    case 'CREATE_VOLUMES':
      return { type: 'CREATE', agentId: call.create_volumes!.agent_id.value, volumes: call.create_volumes!.volumes ?? [] };
    default:
      return { type: 'DESTROY', agentId: call.destroy_volumes!.agent_id.value, volumes: call.destroy_volumes!.volumes ?? [] };
  }
}

export function operatorEndpoint(app: FastifyInstance, m: Master, leadership: Leadership, metrics: MetricsRegistry, flags: Record<string, string>): void {
  const logging = new LoggingLevel(m.log, m.clock);
  const handler = (req: FastifyRequest, reply: FastifyReply) => {
    if (leadership.redirect(req, reply)) return reply;
    const call = readV1Body(req, reply, master.Call, 'Call');
    if (call === undefined) return reply;
    const problem = validateMasterCall(call);
    if (problem) return text(reply, 400, `Failed to validate master::Call: ${problem}`);
    if (!acceptsJson(req.headers.accept)) return text(reply, 406, "Expecting 'Accept' to allow 'application/json'");
    const type = call.type!;
    // While a new leader reads the registry only calls about the master process itself answer.
    if (!leadership.ready() && !PROCESS_CALLS.has(type)) return text(reply, 503, 'Master has not finished recovery');
    switch (type) {
      case 'GET_HEALTH':
        return respond(reply, { type, get_health: { healthy: true } });
      case 'GET_FLAGS':
        return respond(reply, { type, get_flags: { flags: Object.entries(flags).map(([name, value]) => ({ name, value })) } });
      case 'GET_VERSION':
        return respond(reply, {
          type,
          get_version: { version_info: { version: VERSION.mesos, build_date: VERSION.buildDate, build_time: VERSION.buildTime, build_user: VERSION.buildUser } },
        });
      case 'GET_METRICS':
        return respond(reply, { type, get_metrics: { metrics: Object.entries(metrics.snapshot()).map(([name, value]) => ({ name, value })) } });
      case 'GET_LOGGING_LEVEL':
        return respond(reply, { type, get_logging_level: { level: logging.verbosity() } });
      case 'SET_LOGGING_LEVEL': {
        const { level, duration } = call.set_logging_level!;
        const r = logging.set(level, duration.nanoseconds, 'set_logging_level');
        return r.ok ? reply.code(202).send() : text(reply, 400, r.error);
      }
      case 'GET_STATE':
        return respond(reply, { type, get_state: getState(m) });
      case 'GET_AGENTS':
        return respond(reply, { type, get_agents: getAgents(m) });
      case 'GET_FRAMEWORKS':
        return respond(reply, { type, get_frameworks: getFrameworks(m) });
      case 'GET_EXECUTORS':
        return respond(reply, { type, get_executors: getExecutors(m) });
      case 'GET_TASKS':
        return respond(reply, { type, get_tasks: getTasks(m) });
      case 'GET_OPERATIONS':
        return respond(reply, { type, get_operations: {} });
      case 'GET_ROLES':
        return respond(reply, { type, get_roles: getRoles(m) });
      case 'GET_WEIGHTS': {
        const weight_infos = [...m.allocator.weights()].map(([role, weight]) => ({ role, weight }));
        return respond(reply, { type, get_weights: weight_infos.length ? { weight_infos } : {} });
      }
      case 'UPDATE_WEIGHTS': {
        const infos = call.update_weights!.weight_infos ?? [];
        for (const w of infos) {
          if (w.role === undefined || !isValidRole(w.role) || w.role === '*') return text(reply, 400, `Invalid role in weight_infos: '${w.role ?? ''}'`);
          if (!(w.weight > 0) || !Number.isFinite(w.weight)) return text(reply, 400, `Weight for role '${w.role}' must be a positive number, got ${w.weight}`);
        }
        m.allocator.updateWeights(infos.map((w) => ({ role: w.role!, weight: w.weight })));
        m.requestAllocation();
        persistWeights(m, () => reply.code(202).send(), (why) => text(reply, 503, why));
        return reply;
      }
      case 'GET_MASTER':
        return respond(reply, { type, get_master: { master_info: m.info, start_time: m.startTime / 1000, elected_time: m.electedTime / 1000 } });
      case 'SUBSCRIBE': {
        const stream = new RecordIOWriter(reply, {}, {
          maxBufferedBytes: m.config.maxStreamBufferBytes,
          onTooSlow: (bytes) => m.log.warn({ bufferedBytes: bytes }, 'disconnecting an operator event subscriber that is not reading'),
        });
        m.events.subscribe(stream, { type: 'SUBSCRIBED', subscribed: { get_state: getState(m), heartbeat_interval_seconds: m.config.heartbeatIntervalMs / 1000 } });
        return reply;
      }
      case 'TEARDOWN': {
        const fw = m.frameworks.get(call.teardown!.framework_id.value);
        if (!fw) return text(reply, 400, `No framework found with ID ${call.teardown!.framework_id.value}`);
        m.removeFramework(fw, 'operator TEARDOWN');
        return reply.code(200).send();
      }
      case 'MARK_AGENT_GONE': {
        void markGone(m, call.mark_agent_gone!.agent_id.value).then((r) => (r.ok ? reply.code(200).send() : text(reply, 400, r.error)));
        return reply;
      }
      case 'DEACTIVATE_AGENT':
      case 'REACTIVATE_AGENT': {
        const id = (type === 'DEACTIVATE_AGENT' ? call.deactivate_agent! : call.reactivate_agent!).agent_id.value;
        const agent = m.agents.get(id);
        if (!agent) return text(reply, 400, `Unknown agent ${id}`);
        if (type === 'DEACTIVATE_AGENT' && !agent.deactivated) {
          agent.deactivated = true;
          m.allocator.deactivateAgent(id);
          m.rescindOffersOf(agent.offers, 'agent deactivated by the operator');
        } else if (type === 'REACTIVATE_AGENT' && agent.deactivated) {
          agent.deactivated = false;
          if (agent.connected) m.allocator.activateAgent(id);
          m.requestAllocation([id]);
        }
        m.persist({ type: 'ADMIT', info: agent.info, deactivated: agent.deactivated }, () => reply.code(200).send(), (why) => text(reply, 503, why));
        return reply;
      }
      case 'GET_QUOTA':
        return respond(reply, { type, get_quota: { status: quotaStatus(m) } });
      case 'UPDATE_QUOTA': {
        const r = updateQuota(m, call.update_quota!.quota_configs ?? [], call.update_quota!.force ?? false);
        if (!r.ok) return text(reply, 400, r.error);
        m.persist({ type: 'QUOTA', configs: [...m.quotas.values()] }, () => reply.code(200).send(), (why) => text(reply, 503, why));
        return reply;
      }
      case 'SET_QUOTA':
      case 'REMOVE_QUOTA': {
        const r = type === 'SET_QUOTA'
          ? setQuota(m, call.set_quota!.quota_request, 'set_quota.quota_request')
          : removeQuota(m, call.remove_quota!.role, 'remove_quota.role');
        if (!r.ok) return text(reply, r.error.code, r.error.message);
        m.persist({ type: 'QUOTA', configs: [...m.quotas.values()] }, () => reply.code(200).send(), (why) => text(reply, 503, why));
        return reply;
      }
      case 'GET_MAINTENANCE_STATUS':
        return respond(reply, { type, get_maintenance_status: { status: maintenanceStatus(m) } });
      case 'GET_MAINTENANCE_SCHEDULE':
        return respond(reply, { type, get_maintenance_schedule: { schedule: m.maintenance.schedule } });
      case 'UPDATE_MAINTENANCE_SCHEDULE':
        return answerMaintenance(reply, updateSchedule(m, call.update_maintenance_schedule!.schedule), 202);
      case 'START_MAINTENANCE':
        return answerMaintenance(reply, startMaintenance(m, call.start_maintenance!.machines ?? [], 'start_maintenance.machines'), 202);
      case 'STOP_MAINTENANCE':
        return answerMaintenance(reply, stopMaintenance(m, call.stop_maintenance!.machines ?? [], 'stop_maintenance.machines'), 202);
      case 'RESERVE_RESOURCES':
      case 'UNRESERVE_RESOURCES':
      case 'CREATE_VOLUMES':
      case 'DESTROY_VOLUMES': {
        const op = resourceCallOf(call);
        const r = applyOperatorResourceCall(m, op, V1_FIELDS[op.type]);
        return r.ok ? reply.code(202).send() : text(reply, r.error.code, r.error.message);
      }
      case 'UNKNOWN':
        return text(reply, 501, 'Received an UNKNOWN call');
      default:
        return text(reply, 501, `${type} is not supported by Agora yet`);
    }
  };
  for (const url of ['/api/v1', '/mesos/api/v1']) {
    app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], url, handler });
  }
}
