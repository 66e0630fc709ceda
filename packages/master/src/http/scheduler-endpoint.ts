/**
 * `POST /api/v1/scheduler` with Mesos's order of checks and status codes (reference §1.1):
 * leadership (307/503) → method (405) → Content-Type present (400) and supported (415) → body
 * decodes (400) → call validates (400) → SUBSCRIBE: Accept (406), no stream ID (400) → other calls:
 * framework known (400), subscribed (403), stream ID matches (400) → 202 (200 for UPDATE_FRAMEWORK),
 * 501 for UNKNOWN. Error bodies are plain text, as Mesos sends them.
 */
import { decodeJson, formatDecodeError, httpStatusOf, scheduler, validateSchedulerCall, type AgoraError } from '@agora/protocol';
import { acceptsJson, mediaType, RecordIOWriter, type FastifyInstance, type FastifyReply, type FastifyRequest } from '@agora/runtime';
import type { Master } from '../master.ts';
import { handleCall, type CallOptions } from '../scheduler/calls.ts';
import { subscribe } from '../scheduler/subscribe.ts';
import type { Leadership } from './leadership.ts';

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

/** Longest error text sent: a message quoting a client's 10 MB ID must not send it back. */
export const MAX_ERROR_TEXT = 1024;

export function text(reply: FastifyReply, status: number, body: string): FastifyReply {
  const clipped = status >= 400 && body.length > MAX_ERROR_TEXT ? `${body.slice(0, MAX_ERROR_TEXT - 3)}...` : body;
  return reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(clipped);
}

export function sendError(reply: FastifyReply, e: AgoraError): FastifyReply {
  return text(reply, httpStatusOf(e.code), e.message);
}

/** Checks shared by the v1 endpoints: method, Content-Type, body. Returns the decoded body or answers. */
export function readV1Body<T>(req: FastifyRequest, reply: FastifyReply, decoder: Parameters<typeof decodeJson<T>>[0], api: string): T | undefined {
  if (req.method !== 'POST') {
    reply.header('allow', 'POST');
    text(reply, 405, `Expecting a 'POST' request, received '${req.method}'`);
    return undefined;
  }
  if (req.headers['content-type'] === undefined) {
    text(reply, 400, "Expecting 'Content-Type' to be present");
    return undefined;
  }
  const media = mediaType(req);
  if (media === 'application/x-protobuf') {
    text(reply, 415, "Unsupported 'Content-Type': application/x-protobuf is not supported by Agora yet; send application/json");
    return undefined;
  }
  if (media !== 'application/json') {
    text(reply, 415, `Expecting 'Content-Type' of application/json or application/x-protobuf`);
    return undefined;
  }
  const decoded = decodeJson(decoder, typeof req.body === 'string' ? req.body : '');
  if (!decoded.ok) {
    text(reply, 400, `Failed to convert JSON into ${api} protobuf: ${formatDecodeError(decoded.error)}`);
    return undefined;
  }
  return decoded.value;
}

export function schedulerEndpoint(app: FastifyInstance, m: Master, leadership: Leadership, opts: CallOptions): void {
  app.route({
    method: [...ALL_METHODS],
    url: '/api/v1/scheduler',
    handler: (req, reply) => {
      if (leadership.redirect(req, reply)) return reply;
      if (!leadership.ready()) return text(reply, 503, 'Master has not finished recovery');
      const call = readV1Body(req, reply, scheduler.Call, 'Call');
      if (call === undefined) return reply;
      const problem = validateSchedulerCall(call);
      if (problem) return text(reply, 400, `Failed to validate scheduler::Call: ${problem}`);

      if (call.type === 'SUBSCRIBE') {
        if (!acceptsJson(req.headers.accept)) return text(reply, 406, "Expecting 'Accept' to allow 'application/json'");
        if (req.headers['mesos-stream-id'] !== undefined) return text(reply, 400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
        const framework = call.subscribe!.framework_info;
        subscribe(m, call, (headers, onClose) => new RecordIOWriter(reply, headers, {
          onClose,
          maxBufferedBytes: m.config.maxStreamBufferBytes,
          onTooSlow: (bytes) => m.log.warn({ framework: framework.id?.value, name: framework.name, bufferedBytes: bytes }, 'disconnecting a framework that is not reading its event stream'),
        }));
        return reply;
      }

      const fid = call.framework_id!.value;
      const fw = m.frameworks.get(fid);
      if (!fw) return text(reply, 400, 'Framework cannot be found');
      if (!fw.connected) return text(reply, 403, 'Framework is not subscribed');
      const streamId = req.headers['mesos-stream-id'];
      if (streamId === undefined) return text(reply, 400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
      if (streamId !== fw.streamId) {
        return text(reply, 400, `The stream ID '${String(streamId).slice(0, 128)}' included in this request didn't match the stream ID currently associated with framework ID ${fid}`);
      }
      const r = handleCall(m, fw, call, opts);
      if (!r.ok) return sendError(reply, r.error);
      return reply.code(r.value).send();
    },
  });
}
