/**
 * Fetcher plug-ins: one per family of URI schemes. The built-ins handle `http`, `https` and
 * `file` (plain absolute paths too); others (`hdfs://`, `s3://`…) are added where a client
 * exists, with `--fetcher-plugins` or `startAgent(…, { fetcherPlugins })` — see README.md.
 *
 * The contract a plug-in keeps:
 *  - `fetch` writes the resource to `dest`, a path that does not exist yet in a directory private
 *    to this fetch, and resolves with how many bytes it wrote (and the source's mode, if it has
 *    one), or why it could not;
 *  - it writes at most `ctx.maxBytes` (more is a failure, not a truncation);
 *  - it gives up when `ctx.signal` aborts, and when no data has arrived for `ctx.stallTimeoutMs`;
 *  - it reads as `ctx.user` when one is given (the agent runs as root and the task as that user);
 *  - expected failures are values; a throw is treated as a bug in the plug-in and reported as a
 *    failed fetch, never a crash.
 * What happens next (extraction, `executable`, placement in the sandbox, ownership, the cache)
 * is the fetcher's, the same for every plug-in.
 */
import type { Result } from '@agora/protocol';
import type { Clock } from '@agora/runtime';
import type { FetchUri } from './uri.ts';

export interface FetchUser {
  name: string;
  uid: number;
  gid: number;
}

export interface PluginContext {
  readonly signal: AbortSignal;
  readonly maxBytes: number;
  readonly stallTimeoutMs: number;
  readonly user?: FetchUser;
  readonly clock: Clock;
  /** A progress line in the sandbox's `stderr`. */
  log(line: string): void;
}

/** What a plug-in wrote: its size and, where the source has one, its permission bits (kept, minus setuid/setgid/sticky). */
export interface PluginResult {
  bytes: number;
  mode?: number;
}

export interface FetcherPlugin {
  /** For logs and messages. */
  readonly name: string;
  /** URI schemes it handles, lower case, without `://`. */
  readonly schemes: readonly string[];
  fetch(uri: FetchUri, dest: string, ctx: PluginContext): Promise<Result<PluginResult, string>>;
}

/** scheme → plug-in; later registrations replace earlier ones for the same scheme. */
export class PluginRegistry {
  private readonly bySchemes = new Map<string, FetcherPlugin>();

  constructor(plugins: readonly FetcherPlugin[] = []) {
    for (const p of plugins) this.add(p);
  }

  add(plugin: FetcherPlugin): void {
    for (const s of plugin.schemes) this.bySchemes.set(s.toLowerCase(), plugin);
  }

  get(scheme: string): FetcherPlugin | undefined {
    return this.bySchemes.get(scheme.toLowerCase());
  }

  schemes(): string[] {
    return [...this.bySchemes.keys()].sort();
  }

  /** Why a scheme cannot be fetched, naming what can. */
  unknown(scheme: string): string {
    return `no fetcher plug-in handles '${scheme}://' URIs (this agent fetches: ${this.schemes().join(', ')}); see --fetcher-plugins`;
  }
}

/** Whether a value loaded from a module is a plug-in (for `--fetcher-plugins`). */
export function isFetcherPlugin(v: unknown): v is FetcherPlugin {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<FetcherPlugin>;
  return typeof p.name === 'string' && Array.isArray(p.schemes) && p.schemes.length > 0 && p.schemes.every((s) => typeof s === 'string' && /^[a-z][a-z0-9+.-]+$/i.test(s)) && typeof p.fetch === 'function';
}
