/**
 * `POST /api/v1` on the agent: the v1 agent operator API (reference §3.4). Synchronous calls
 * answer 200 with `{"type": T, "<t>": {...}}`; calls not implemented yet answer 501 naming the
 * call. Checks, in Mesos's order: 405, 400 (no Content-Type), 415, 400 (body), 400 (validation),
 * 406 (Accept).
 */
import { agent, decode, encodeBase64, formatDecodeError, parseJson, validateAgentCall, type Flag } from '@agora/protocol';
import { acceptsJson, mediaType, type FastifyInstance, type FastifyReply, type FastifyRequest, type MetricsRegistry } from '@agora/runtime';
import type { AgentCore } from '../core/agent-core.ts';
import { taskLists } from '../core/views.ts';
import { versionInfo } from '../version.ts';
import { listFileInfos, readFileRange, type FilesContext } from './files.ts';
import { containerUsages } from './monitor.ts';
import { ALL_METHODS, json, methodNotAllowed, text } from './respond.ts';

export interface OperatorApiContext {
  core: AgentCore;
  flags: Flag[];
  metrics: MetricsRegistry;
  files: FilesContext;
}

export function registerOperatorApi(app: FastifyInstance, ctx: OperatorApiContext): void {
  for (const url of ['/api/v1', '/slave(1)/api/v1']) {
    app.route({ method: [...ALL_METHODS], url, handler: (req, reply) => handle(ctx, req, reply) });
  }
}

const respond = (reply: FastifyReply, type: agent.ResponseType, key: string, value: unknown) => json(reply, { type, [key]: value });

function frameworksResponse(core: AgentCore) {
  return {
    frameworks: [...core.frameworks.values()].map((f) => ({ framework_info: f.info })),
    completed_frameworks: core.completedFrameworks.map((f) => ({ framework_info: f.info })),
  };
}

function executorsResponse(core: AgentCore) {
  const executors = [];
  const completed = [];
  for (const fw of core.frameworks.values()) {
    for (const ex of fw.executors.values()) executors.push({ executor_info: ex.info });
    for (const ex of fw.completedExecutors) completed.push({ executor_info: ex.info });
  }
  for (const fw of core.completedFrameworks) for (const ex of fw.completedExecutors) completed.push({ executor_info: ex.info });
  return { executors, completed_executors: completed };
}

function tasksResponse(core: AgentCore) {
  const t = taskLists(core);
  return { queued_tasks: t.queued, launched_tasks: t.launched, terminated_tasks: t.terminated, completed_tasks: t.completed };
}

async function handle(ctx: OperatorApiContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (req.method !== 'POST') return methodNotAllowed(reply, req, ['POST']);
  if (req.headers['content-type'] === undefined) return text(reply, 400, "Expecting 'Content-Type' to be present");
  if (mediaType(req) !== 'application/json') return text(reply, 415, "Expecting 'Content-Type' of application/json (application/x-protobuf is not supported)");
  const body = typeof req.body === 'string' && req.body.trim() !== '' ? req.body : '{}';
  const parsed = parseJson(body);
  if (!parsed.ok) return text(reply, 400, `Failed to parse body into JSON: ${parsed.error.message}`);
  const decoded = decode(agent.Call, parsed.value);
  if (!decoded.ok) return text(reply, 400, `Failed to convert JSON into Call protobuf: ${formatDecodeError(decoded.error)}`);
  const call = decoded.value;
  const problem = validateAgentCall(call);
  if (problem !== undefined) return text(reply, 400, `Failed to validate agent::Call: ${problem}`);
  if (!acceptsJson(req.headers.accept)) return text(reply, 406, "Expecting 'Accept' to allow 'application/json'");

  const { core } = ctx;
  switch (call.type) {
    case 'GET_HEALTH':
      return respond(reply, 'GET_HEALTH', 'get_health', { healthy: true });
    case 'GET_FLAGS':
      return respond(reply, 'GET_FLAGS', 'get_flags', { flags: ctx.flags });
    case 'GET_VERSION':
      return respond(reply, 'GET_VERSION', 'get_version', { version_info: versionInfo() });
    case 'GET_METRICS':
      return respond(reply, 'GET_METRICS', 'get_metrics', { metrics: Object.entries(ctx.metrics.snapshot()).map(([name, value]) => ({ name, value })) });
    case 'GET_STATE':
      return respond(reply, 'GET_STATE', 'get_state', { get_tasks: tasksResponse(core), get_executors: executorsResponse(core), get_frameworks: frameworksResponse(core) });
    case 'GET_FRAMEWORKS':
      return respond(reply, 'GET_FRAMEWORKS', 'get_frameworks', frameworksResponse(core));
    case 'GET_EXECUTORS':
      return respond(reply, 'GET_EXECUTORS', 'get_executors', executorsResponse(core));
    case 'GET_TASKS':
      return respond(reply, 'GET_TASKS', 'get_tasks', tasksResponse(core));
    case 'GET_AGENT':
      return respond(reply, 'GET_AGENT', 'get_agent', { agent_info: core.agentInfo() });
    case 'GET_CONTAINERS': {
      const containers = (await containerUsages(core)).map((u) => ({
        framework_id: { value: u.frameworkId },
        executor_id: { value: u.executorId },
        executor_name: u.executorName,
        container_id: { value: u.containerId },
        container_status: { container_id: { value: u.containerId }, ...(u.pid !== undefined ? { executor_pid: u.pid } : {}) },
        ...(u.statistics ? { resource_statistics: u.statistics } : {}),
      }));
      return respond(reply, 'GET_CONTAINERS', 'get_containers', { containers });
    }
    case 'LIST_FILES': {
      const r = await listFileInfos(ctx.files, call.list_files!.path);
      if (!r.ok) return text(reply, r.status, r.message);
      return respond(reply, 'LIST_FILES', 'list_files', { file_infos: r.infos });
    }
    case 'READ_FILE': {
      const rf = call.read_file!;
      const r = await readFileRange(ctx.files, rf.path, rf.offset, rf.length ?? -1);
      if (!r.ok) return text(reply, r.status, r.message);
      return respond(reply, 'READ_FILE', 'read_file', { size: r.size, data: encodeBase64(r.data) });
    }
    default:
      return text(reply, 501, `Agent API call ${call.type ?? 'UNKNOWN'} is not supported by this agent yet`);
  }
}
