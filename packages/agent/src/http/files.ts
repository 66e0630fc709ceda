/**
 * `/files/browse`, `/files/read`, `/files/download` (and their `.json` aliases) over the agent's
 * sandboxes, with Mesos's JSON (src/files/files.cpp) and the safety rules of files/resolve.ts.
 * The operator API's LIST_FILES and READ_FILE use the same functions.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileInfo } from '@agora/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from '@agora/runtime';
import type { NameCache } from '../containerizer/users.ts';
import { fileInfo, legacyFileInfo } from '../files/file-info.ts';
import { openInside } from '../files/open.ts';
import { isInside, resolveVirtualPath, type ResolveContext } from '../files/resolve.ts';
import { jsonOrJsonp, methodNotAllowed, queryParam, text } from './respond.ts';

/** At most 16 pages per read, as Mesos. */
export const MAX_READ_BYTES = 16 * 4096;

export interface FilesContext {
  resolve: () => ResolveContext;
  names: NameCache;
}

type Failure = { ok: false; status: number; message: string };

interface Listing {
  path: string;
  stat: Stats;
}

/** Lists a sandbox directory (a file lists as nothing, as in Mesos). Symlinks leaving the sandbox show as links. */
export async function listFiles(ctx: FilesContext, virtual: string): Promise<{ ok: true; entries: Listing[] } | Failure> {
  const r = await resolveVirtualPath(virtual, ctx.resolve());
  if (!r.ok) return r;
  let names: string[];
  try {
    const s = await stat(r.target);
    if (!s.isDirectory()) return { ok: true, entries: [] };
    names = (await readdir(r.target)).sort();
  } catch {
    return { ok: false, status: 404, message: 'path: no such directory' };
  }
  const entries: Listing[] = [];
  const base = r.virtual.replace(/\/+$/, '');
  for (const name of names) {
    const full = join(r.target, name);
    try {
      let s = await lstat(full);
      if (s.isSymbolicLink()) {
        const inside = await realpath(full).then((real) => isInside(r.root, real), () => false);
        if (inside) s = await stat(full);
      }
      entries.push({ path: `${base}/${name}`, stat: s });
    } catch {
      // Gone between readdir and lstat.
    }
  }
  return { ok: true, entries };
}

/** Reads up to 16 pages at `offset` (-1: the end). */
export async function readFileRange(ctx: FilesContext, virtual: string, offset: number, length: number): Promise<{ ok: true; offset: number; size: number; data: Buffer } | Failure> {
  const r = await resolveVirtualPath(virtual, ctx.resolve());
  if (!r.ok) return r;
  const opened = await openInside(r.root, r.target);
  if (!opened.ok) return opened;
  const { handle, stat: s } = opened;
  try {
    const size = s.size;
    const start = offset === -1 ? size : offset;
    const want = Math.min(length === -1 ? Math.max(0, size - start) : length, MAX_READ_BYTES);
    if (start >= size || want === 0) return { ok: true, offset: Math.min(start, size), size, data: Buffer.alloc(0) };
    const buf = Buffer.alloc(want);
    const { bytesRead } = await handle.read(buf, 0, want, start);
    return { ok: true, offset: start, size, data: buf.subarray(0, bytesRead) };
  } finally {
    await handle.close();
  }
}

function parseInteger(name: string, raw: string | undefined, fallback: number): number | string {
  if (raw === undefined) return fallback;
  if (!/^-?\d{1,18}$/.test(raw.trim())) return `Failed to parse ${name}: '${raw.slice(0, 32)}' is not an integer`;
  const n = Number(raw.trim());
  if (n < -1) return `Negative ${name} provided: ${n}`;
  return n;
}

export function registerFiles(app: FastifyInstance, ctx: FilesContext): void {
  const route = (names: string[], handler: (req: FastifyRequest, reply: FastifyReply, path: string) => Promise<unknown>) => {
    for (const url of names) {
      app.route({
        method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'],
        url,
        handler: async (req, reply) => {
          if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(reply, req, ['GET']);
          const p = queryParam(req, 'path');
          if ('error' in p) return text(reply, 400, p.error);
          if (p.value === undefined || p.value === '') return text(reply, 400, "Expecting 'path=value' in query");
          return handler(req, reply, p.value);
        },
      });
    }
  };

  route(['/files/browse', '/files/browse.json'], async (req, reply, path) => {
    const r = await listFiles(ctx, path);
    if (!r.ok) return text(reply, r.status, r.message);
    return jsonOrJsonp(req, reply, r.entries.map((e) => legacyFileInfo(e.path, e.stat, ctx.names)));
  });

  route(['/files/read', '/files/read.json'], async (req, reply, path) => {
    const o = queryParam(req, 'offset');
    const l = queryParam(req, 'length');
    if ('error' in o) return text(reply, 400, o.error);
    if ('error' in l) return text(reply, 400, l.error);
    const offset = parseInteger('offset', o.value, -1);
    if (typeof offset === 'string') return text(reply, 400, offset);
    const length = parseInteger('length', l.value, -1);
    if (typeof length === 'string') return text(reply, 400, length);
    const r = await readFileRange(ctx, path, offset, length);
    if (!r.ok) return text(reply, r.status, r.message);
    return jsonOrJsonp(req, reply, { offset: r.offset, data: r.data.toString('utf8') });
  });

  route(['/files/download', '/files/download.json'], async (_req, reply, path) => {
    const r = await resolveVirtualPath(path, ctx.resolve());
    if (!r.ok) return text(reply, r.status, r.message);
    const opened = await openInside(r.root, r.target);
    if (!opened.ok) return text(reply, opened.status, opened.message === 'Cannot read a directory' ? 'Cannot download a directory' : opened.message);
    const name = r.target.split('/').pop() ?? 'file';
    const size = opened.stat.size;
    const body = size === 0 ? (await opened.handle.close(), Buffer.alloc(0)) : opened.handle.createReadStream({ start: 0, end: size - 1, autoClose: true });
    return reply
      .code(200)
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`)
      .header('x-content-type-options', 'nosniff')
      .header('content-length', String(size))
      .send(body);
  });
}

/** LIST_FILES for the operator API. */
export async function listFileInfos(ctx: FilesContext, path: string): Promise<{ ok: true; infos: FileInfo[] } | Failure> {
  const r = await listFiles(ctx, path);
  return r.ok ? { ok: true, infos: r.entries.map((e) => fileInfo(e.path, e.stat, ctx.names)) } : r;
}
