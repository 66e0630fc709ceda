/**
 * What the HTTP layer needs from the daemon, and small helpers shared by the route files:
 * Marathon's JSON replies (exact `application/json` content type), query booleans, ids taken from
 * the raw URL (so `%2F`-encoded and multi-segment ids both work).
 */
import type { FastifyReply, FastifyRequest } from '@agora/runtime';
import type { MetricsRegistry } from '@agora/runtime';
import type { ApiError } from '../model/errors.ts';
import type { EventBus } from '../service/events.ts';
import type { Services } from '../service/services.ts';

export interface Leadership {
  /** This process leads (serves the API itself). */
  isLeader(): boolean;
  /** `host:port` of the leader, when known. */
  leader(): string | undefined;
  /** DELETE /v2/leader: give up leadership (the process then exits, as Marathon's does). */
  abdicate(): void;
}

export interface HttpContext {
  readonly services: Services;
  readonly events: EventBus;
  readonly leadership: Leadership;
  readonly metrics: MetricsRegistry;
  /** Values for GET /v2/info. */
  readonly info: () => Record<string, unknown>;
  /** Interval of SSE keep-alive comments (ms). */
  readonly keepAliveMs?: number;
}

/** JSON with the exact media type `application/json` (some clients compare the whole header). */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body)));
}

export function sendError(reply: FastifyReply, e: ApiError): FastifyReply {
  return sendJson(reply, e.status, e.body);
}

export function query(req: FastifyRequest): URLSearchParams {
  const u = req.url;
  const q = u.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : u.slice(q + 1));
}

export function flag(q: URLSearchParams, name: string, dflt = false): boolean {
  const v = q.get(name);
  if (v === null) return dflt;
  return v === '' || v.toLowerCase() === 'true';
}

/** The decoded path after `prefix` (`/v2/apps/%2Fa%2Fb/tasks` → `/a/b/tasks`). */
export function rawRest(req: FastifyRequest, prefix: string): string {
  const path = req.url.split('?')[0]!;
  const rest = path.slice(prefix.length);
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

export function bodyText(req: FastifyRequest): string {
  return typeof req.body === 'string' ? req.body : req.body === undefined || req.body === null ? '' : JSON.stringify(req.body);
}

/** `embed` values (repeatable, comma-separated too). */
export function embeds(q: URLSearchParams): Set<string> {
  return new Set(q.getAll('embed').flatMap((e) => e.split(',')).map((e) => e.trim()).filter(Boolean));
}
