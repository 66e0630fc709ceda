/**
 * The fetcher (Mesos's): `CommandInfo.uris` → files in a sandbox. See README.md here.
 *
 *   Fetcher                      one per agent: plug-ins, limits, the cache; `fetchAll`, `close`
 *   fetchAll(uris, sandbox, o)   the same as a function (o.fetcher, else a cache-less default)
 *   FetchingContainerizer        fetches a container's executor URIs before launching it
 *   FetcherPlugin, commandPlugin plug-ins for more schemes; writeStreamToFile for their authors
 *   uriProblem                   checks a URI without fetching it
 *   parseBytes, formatBytes      stout byte sizes (`2GB`) for the size flags
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDurationMs, unwrap, type CommandInfoURI, type Result } from '@agora/protocol';
import { Fetcher, type FetchOptions, type FetchSummary } from './fetcher.ts';

export { Fetcher, BUILTIN_PLUGINS, DEFAULT_MAX_ENTRIES, type FetcherOptions, type FetchOptions, type FetchSummary, type FetchedUri } from './fetcher.ts';
export { FetchingContainerizer } from './containerizer.ts';
export { PluginRegistry, isFetcherPlugin, type FetcherPlugin, type PluginContext, type PluginResult, type FetchUser } from './plugin.ts';
export { commandPlugin, type CommandPluginSpec } from './plugins/command.ts';
export { httpPlugin } from './plugins/http.ts';
export { localPlugin } from './plugins/local.ts';
export { loadPluginModules } from './plugin-modules.ts';
export { writeStreamToFile, TransferWatch } from './write-stream.ts';
export { parseFetchUri, uriProblem, outputComponents, type FetchUri } from './uri.ts';
export { parseBytes, formatBytes } from './bytes.ts';
export type { CacheStats } from './cache.ts';

/** Mesos's defaults, and ours for the per-URI size limit. */
export const FETCHER_DEFAULTS = {
  cacheSize: '2GB',
  stallTimeout: '1mins',
  maxSize: '4GB',
} as const;

let fallback: Fetcher | undefined;

/**
 * Fetches `uris` into `sandbox` (an existing directory), in order; resolves with what was
 * fetched or "Failed to fetch '<uri>': <why>". Give the agent's fetcher (`opts.fetcher`) to use
 * its cache and limits; without one, a process-wide fetcher with the defaults and no cache is used.
 */
export function fetchAll(uris: readonly CommandInfoURI[], sandbox: string, opts: FetchOptions & { fetcher?: Fetcher } = {}): Promise<Result<FetchSummary, string>> {
  const { fetcher, ...rest } = opts;
  fallback ??= new Fetcher({
    cacheDir: join(tmpdir(), 'agora-fetcher-cache'),
    cacheSize: 0,
    stallTimeoutMs: unwrap(parseDurationMs(FETCHER_DEFAULTS.stallTimeout)),
    maxSize: 4 * 1024 ** 3,
  });
  return (fetcher ?? fallback).fetchAll(uris, sandbox, rest);
}
