/**
 * The agent's HTTP server: the executor API, the operator API, the legacy JSON endpoints Mesos
 * tools read (`/state`, `/slave(1)/state`, `/flags`, `/health`, `/version`, `/metrics/snapshot`,
 * `/monitor/statistics`), Prometheus `/metrics`, and `/files`.
 */
import { createHttpServer, type Clock, type FastifyInstance, type MetricsRegistry } from '@agora/runtime';
import type { Flag } from '@agora/protocol';
import type { AgentCore } from '../core/agent-core.ts';
import { registerExecutorApi } from '../executor-api/route.ts';
import { versionInfo } from '../version.ts';
import { registerFiles, type FilesContext } from './files.ts';
import { monitorStatistics } from './monitor.ts';
import { registerOperatorApi } from './operator-api.ts';
import { json, jsonOrJsonp } from './respond.ts';
import { stateJson } from './state-json.ts';

export interface AgentHttpContext {
  core: AgentCore;
  clock: Clock;
  flags: Flag[];
  metrics: MetricsRegistry;
  files: FilesContext;
  executorHeartbeatIntervalMs: number;
}

export function buildHttpServer(ctx: AgentHttpContext): FastifyInstance {
  const app = createHttpServer();
  // Failures before or outside an endpoint's checks (a body over the limit, a Content-Type Fastify
  // cannot parse) answer in plain text like every other agent error, naming the header when it is one.
  app.setErrorHandler((e: unknown, _req, reply) => {
    const status = typeof (e as { statusCode?: unknown }).statusCode === 'number' ? (e as { statusCode: number }).statusCode : 500;
    const code = (e as { code?: unknown }).code;
    const message = status >= 500 ? 'Internal error'
      : code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? "Expecting 'Content-Type' of application/json"
      : e instanceof Error ? e.message : 'Bad request';
    return reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(message);
  });
  const flagMap = () => Object.fromEntries(ctx.flags.map((f) => [f.name, f.value ?? '']));
  registerExecutorApi(app, ctx.core, { clock: ctx.clock, heartbeatIntervalMs: ctx.executorHeartbeatIntervalMs });
  registerOperatorApi(app, { core: ctx.core, flags: ctx.flags, metrics: ctx.metrics, files: ctx.files });
  registerFiles(app, ctx.files);

  for (const url of ['/state', '/state.json', '/slave(1)/state', '/slave(1)/state.json']) {
    app.get(url, (req, reply) => jsonOrJsonp(req, reply, stateJson(ctx.core, flagMap())));
  }
  for (const url of ['/flags', '/slave(1)/flags']) app.get(url, (req, reply) => jsonOrJsonp(req, reply, { flags: flagMap() }));
  for (const url of ['/health', '/slave(1)/health']) app.get(url, (_req, reply) => reply.code(200).send());
  app.get('/version', (req, reply) => jsonOrJsonp(req, reply, versionInfo()));
  app.get('/metrics/snapshot', (req, reply) => jsonOrJsonp(req, reply, ctx.metrics.snapshot()));
  app.get('/metrics', (_req, reply) => reply.code(200).header('content-type', 'text/plain; version=0.0.4').send(ctx.metrics.prometheus()));
  // Per-container usage from the isolators (http/monitor.ts).
  for (const url of ['/monitor/statistics', '/monitor/statistics.json']) app.get(url, async (_req, reply) => json(reply, await monitorStatistics(ctx.core)));
  return app;
}
