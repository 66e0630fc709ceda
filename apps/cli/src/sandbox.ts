/**
 * Task sandboxes on agents: finding a task's executor directory (agent `/state` → framework →
 * executor → `directory`; a command task's executor ID is its task ID) and reading files in it
 * through `/files/read?path=&offset=&length=` (at most 64 KiB a read, `offset=-1` gives the size).
 */
import { err, ok, type Result } from '@agora/protocol';
import { getJson, getText, type HttpError } from './http.ts';
import type { CliIO } from './io.ts';

/** The largest read an agent serves (16 pages). */
export const READ_CHUNK = 64 * 1024;

interface AgentExecutor {
  id?: string;
  directory?: string;
  tasks?: { id?: string }[];
  queued_tasks?: { id?: string }[];
  completed_tasks?: { id?: string }[];
}
interface AgentFramework {
  id?: string;
  executors?: AgentExecutor[];
  completed_executors?: AgentExecutor[];
}

export interface SandboxRef {
  agentUrl: string;
  frameworkId: string;
  executorId: string;
  taskId: string;
}

const list = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);

/** The executor's sandbox directory on the agent, from the agent's `/state`. */
export async function sandboxDirectory(io: CliIO, ref: SandboxRef, signal?: AbortSignal): Promise<Result<string, HttpError>> {
  let state = await getJson(io.fetch, `${ref.agentUrl}/state`, signal ? { signal } : {});
  if (!state.ok && state.error.status === 404) state = await getJson(io.fetch, `${ref.agentUrl}/slave(1)/state`, signal ? { signal } : {});
  if (!state.ok) return state;
  const s = state.value as { frameworks?: unknown; completed_frameworks?: unknown };
  const frameworks = [...list<AgentFramework>(s.frameworks), ...list<AgentFramework>(s.completed_frameworks)].filter((f) => f.id === ref.frameworkId);
  const executors = frameworks.flatMap((f) => [...list<AgentExecutor>(f.executors), ...list<AgentExecutor>(f.completed_executors)]);
  const holds = (e: AgentExecutor) => [...list<{ id?: string }>(e.tasks), ...list<{ id?: string }>(e.queued_tasks), ...list<{ id?: string }>(e.completed_tasks)].some((t) => t.id === ref.taskId);
  const found = executors.find((e) => e.id === ref.executorId && e.directory) ?? executors.find((e) => holds(e) && e.directory);
  if (!found?.directory) return err({ message: `the agent at ${ref.agentUrl} has no sandbox for task ${ref.taskId} (executor ${ref.executorId}); it may have been garbage-collected` });
  return ok(found.directory);
}

export interface ReadResult {
  offset: number;
  data: string;
}

export async function readFileChunk(io: CliIO, agentUrl: string, path: string, offset: number, length = READ_CHUNK, signal?: AbortSignal): Promise<Result<ReadResult, HttpError>> {
  const q = new URLSearchParams({ path, offset: String(offset), length: String(length) });
  const r = await getText(io.fetch, `${agentUrl}/files/read?${q}`, signal ? { signal } : {});
  if (!r.ok) return r;
  if (r.value.status !== 200) return err({ status: r.value.status, message: `/files/read ${path} answered ${r.value.status}${r.value.text.trim() ? `: ${r.value.text.trim()}` : ''}` });
  try {
    const body = JSON.parse(r.value.text) as { offset?: unknown; data?: unknown };
    if (typeof body.offset !== 'number' || typeof body.data !== 'string') return err({ message: '/files/read answered something other than {offset, data}' });
    return ok({ offset: body.offset, data: body.data });
  } catch {
    return err({ message: '/files/read did not answer JSON' });
  }
}

export const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The byte offset where the last `lines` lines of the file begin. */
export async function tailOffset(io: CliIO, agentUrl: string, path: string, lines: number): Promise<Result<number, HttpError>> {
  const size = await readFileChunk(io, agentUrl, path, -1);
  if (!size.ok) return size;
  let end = size.value.offset;
  if (lines <= 0) return ok(end);
  let newlines = 0;
  while (end > 0) {
    const start = Math.max(0, end - READ_CHUNK);
    const chunk = await readFileChunk(io, agentUrl, path, start, end - start);
    if (!chunk.ok) return chunk;
    const bytes = Buffer.from(chunk.value.data, 'utf8');
    // A trailing newline ends the last line; it does not start another one.
    for (let i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] !== 0x0a || start + i === size.value.offset - 1) continue;
      if (++newlines === lines) return ok(start + i + 1);
    }
    end = start;
  }
  return ok(0);
}

export interface FollowOptions {
  from: number;
  /** Keep polling at the end of the file until `signal` aborts or `until()` says stop. */
  follow: boolean;
  signal?: AbortSignal;
  pollMs?: number;
  /** Checked at the end of the file: true ends following after one last read. */
  until?: () => boolean;
  /** A missing file is waited for (the task has not started yet) rather than an error. */
  waitForFile?: boolean;
}

/**
 * Streams a sandbox file from `from`, calling `write` with each piece in order. Resolves with
 * the offset reached, or an error value (a missing file when not waiting, an unreachable agent).
 */
export async function streamFile(
  io: CliIO,
  agentUrl: string,
  path: string,
  write: (data: string) => void,
  opts: FollowOptions,
): Promise<Result<number, HttpError>> {
  let offset = opts.from;
  let finishing = false;
  for (;;) {
    if (opts.signal?.aborted) return ok(offset);
    const r = await readFileChunk(io, agentUrl, path, offset, READ_CHUNK, opts.signal);
    if (!r.ok) {
      if (opts.signal?.aborted) return ok(offset);
      if (r.error.status === 404 && opts.waitForFile && !finishing) {
        finishing = opts.until?.() ?? false;
        await io.sleep(opts.pollMs ?? 250, opts.signal);
        continue;
      }
      return r;
    }
    if (r.value.data.length > 0) {
      write(r.value.data);
      offset = r.value.offset + byteLength(r.value.data);
      continue;
    }
    // At the end of the file.
    if (!opts.follow || finishing) return ok(offset);
    finishing = opts.until?.() ?? false;
    if (!finishing) await io.sleep(opts.pollMs ?? 250, opts.signal);
  }
}
