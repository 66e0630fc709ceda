/**
 * The fetcher (Mesos's): `CommandInfo.uris` → files in a sandbox. See README.md here.
 *
 *   Fetcher                      one per agent: plug-ins, limits, the cache; `fetchAll`, `close`
 *   FetchingContainerizer        fetches a container's executor URIs before launching it
 *   FetcherPlugin, commandPlugin plug-ins for more schemes; writeStreamToFile for their authors
 *   uriProblem                   checks a URI without fetching it
 *   parseBytes, formatBytes      stout byte sizes (`2GB`) for the size flags
 */
export { Fetcher, BUILTIN_PLUGINS, DEFAULT_MAX_ENTRIES, type FetcherOptions, type FetchOptions, type FetchSummary, type FetchedUri, type UriSpec } from './fetcher.ts';
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
