/**
 * What the master answers when a request fails before or outside an endpoint's own checks
 * (Fastify's body limit, a Content-Type it cannot parse, a bug): the status the error carries
 * (500 for a thrown bug), as plain text like every other master error. A 5xx says only
 * "Internal error" and is logged; a 4xx says what was wrong.
 */
import type { FastifyInstance, Logger } from '@agora/runtime';

export function plainTextErrors(app: FastifyInstance, log: Pick<Logger, 'error'>): void {
  app.setErrorHandler((e: unknown, _req, reply) => {
    const status = typeof (e as { statusCode?: unknown }).statusCode === 'number' ? (e as { statusCode: number }).statusCode : 500;
    if (status >= 500) log.error({ err: e }, 'request failed');
    // A Content-Type Fastify cannot even parse ("-[") fails before any endpoint: say which header, as the endpoints do.
    const code = (e as { code?: unknown }).code;
    const message = code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
      ? "Expecting 'Content-Type' of application/json or application/x-protobuf"
      : e instanceof Error ? e.message : 'Bad request';
    reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(status >= 500 ? 'Internal error' : message);
  });
}
