/**
 * `POST /api/v1/executor` (also at `/slave(1)/api/v1/executor`, where Mesos's executor library
 * posts): the v1 executor API with Mesos's order of checks and status codes (slave/http.cpp):
 *
 *   405 not POST · 400 no Content-Type · 415 not JSON · 400 unparsable or missing fields
 *   · 400 "Failed to validate Executor::Call" · 406 SUBSCRIBE that does not accept JSON
 *   · 400 "Framework cannot be found" / "Executor cannot be found"
 *   · 403 "Executor is not subscribed" (a non-SUBSCRIBE call before SUBSCRIBE)
 *   · SUBSCRIBE → 200 RecordIO stream · UPDATE, MESSAGE, HEARTBEAT → 202 · UNKNOWN → 501
 *   · 503 "Agent is exiting" once the agent process has let go of its executors (they retry)
 */
import { decode, executor, formatDecodeError, parseJson, validateExecutorCall } from '@agora/protocol';
import { acceptsJson, mediaType, type Clock, type FastifyInstance, type FastifyReply, type FastifyRequest } from '@agora/runtime';
import type { AgentCore } from '../core/agent-core.ts';
import { executorMessage, executorUpdate, subscribe, subscriptionClosed } from '../core/executor-lifecycle.ts';
import { ALL_METHODS, methodNotAllowed, text } from '../http/respond.ts';
import { HttpExecutorSink } from './sink.ts';

export const EXECUTOR_API_PATHS = ['/api/v1/executor', '/slave(1)/api/v1/executor'];

export function registerExecutorApi(app: FastifyInstance, core: AgentCore, opts: { clock: Clock; heartbeatIntervalMs: number }): void {
  for (const url of EXECUTOR_API_PATHS) {
    app.route({ method: [...ALL_METHODS], url, handler: (req, reply) => handle(core, opts, req, reply) });
  }
}

function handle(core: AgentCore, opts: { clock: Clock; heartbeatIntervalMs: number }, req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  if (req.method !== 'POST') return methodNotAllowed(reply, req, ['POST']);
  if (req.headers['content-type'] === undefined) return text(reply, 400, "Expecting 'Content-Type' to be present");
  const type = mediaType(req);
  if (type !== 'application/json') {
    return text(reply, 415, "Expecting 'Content-Type' of application/json (application/x-protobuf is not supported)");
  }
  const body = typeof req.body === 'string' && req.body.trim() !== '' ? req.body : '{}';
  const parsed = parseJson(body);
  if (!parsed.ok) return text(reply, 400, `Failed to parse body into JSON: ${parsed.error.message}`);
  const decoded = decode(executor.Call, parsed.value);
  if (!decoded.ok) return text(reply, 400, `Failed to convert JSON into Call protobuf: ${formatDecodeError(decoded.error)}`);
  const call = decoded.value;
  const problem = validateExecutorCall(call);
  if (problem !== undefined) return text(reply, 400, `Failed to validate Executor::Call: ${problem}`);
  if (call.type === 'SUBSCRIBE' && !acceptsJson(req.headers.accept)) return text(reply, 406, "Expecting 'Accept' to allow 'application/json'");
  if (call.type === 'HEARTBEAT') return reply.code(202).send();
  // The agent process is exiting: executors keep their updates and re-subscribe to the next one.
  if (core.detached) return text(reply, 503, 'Agent is exiting');

  const fw = core.frameworks.get(call.framework_id.value);
  if (!fw) return text(reply, 400, 'Framework cannot be found');
  const ex = fw.executors.get(call.executor_id.value);
  if (!ex) return text(reply, 400, 'Executor cannot be found');
  if (ex.state === 'REGISTERING' && call.type !== 'SUBSCRIBE') return text(reply, 403, 'Executor is not subscribed');

  switch (call.type) {
    case 'SUBSCRIBE': {
      const sink = new HttpExecutorSink(reply, opts.clock, opts.heartbeatIntervalMs, (s) => subscriptionClosed(ex, s));
      core.guard('SUBSCRIBE', () => subscribe(core, fw, ex, call.subscribe!, sink));
      return undefined;
    }
    case 'UPDATE':
      core.guard('UPDATE', () => executorUpdate(core, fw, ex, call.update!.status));
      return reply.code(202).send();
    case 'MESSAGE':
      core.guard('MESSAGE', () => executorMessage(core, fw, ex, call.message!.data));
      return reply.code(202).send();
    default:
      return text(reply, 501, `Executor call type '${call.type ?? 'UNKNOWN'}' is not implemented`);
  }
}
