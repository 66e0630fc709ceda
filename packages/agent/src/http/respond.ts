/** Small helpers for Mesos-style HTTP answers: plain-text errors, JSON bodies, method checks. */
import { encodeJson } from '@agora/protocol';
import type { FastifyReply, FastifyRequest } from '@agora/runtime';

export const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** A plain-text error body, as every Mesos endpoint answers errors. */
export function text(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(message);
}

/** JSON with `Content-Type: application/json` exactly (some clients compare it byte for byte). */
export function json(reply: FastifyReply, value: unknown, status = 200): FastifyReply {
  // A Buffer body keeps fastify from appending "; charset=utf-8".
  return reply.code(status).header('content-type', 'application/json').send(Buffer.from(encodeJson(value)));
}

/** 405 with Allow, worded as libprocess does. */
export function methodNotAllowed(reply: FastifyReply, req: FastifyRequest, allowed: readonly string[]): FastifyReply {
  return text(reply.header('allow', allowed.join(', ')), 405, `Expecting one of { '${allowed.join("', '")}' }, but received '${req.method}'`);
}

/** A query parameter that appears at most once; arrays (repeated parameters) are refused. */
export function queryParam(req: FastifyRequest, name: string): { value: string | undefined } | { error: string } {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const v = q[name];
  if (v === undefined) return { value: undefined };
  if (typeof v !== 'string') return { error: `Expecting at most one '${name}' parameter` };
  return { value: v };
}

/** `?jsonp=callback` support for the legacy JSON endpoints (callback names are restricted). */
export function jsonOrJsonp(req: FastifyRequest, reply: FastifyReply, value: unknown): FastifyReply {
  const cb = queryParam(req, 'jsonp');
  if ('error' in cb) return text(reply, 400, cb.error);
  if (cb.value === undefined) return json(reply, value);
  if (!/^[A-Za-z_$][\w$.]{0,127}$/.test(cb.value)) return text(reply, 400, "Invalid 'jsonp' callback name");
  return reply.code(200).header('content-type', 'text/javascript').send(`${cb.value}(${encodeJson(value)});`);
}
