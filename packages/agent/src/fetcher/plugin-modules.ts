/**
 * `--fetcher-plugins`: modules that add plug-ins. Each is imported once at start (a path, a
 * `file://` URL or a package name); it must export `plugins` (an array), or a default export
 * that is a plug-in or an array of them. Anything else fails the agent's start, naming the flag.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { err, ok, type Result } from '@agora/protocol';
import { isFetcherPlugin, type FetcherPlugin } from './plugin.ts';

export async function loadPluginModules(specs: readonly string[]): Promise<Result<FetcherPlugin[], string>> {
  const out: FetcherPlugin[] = [];
  for (const spec of specs) {
    const target = spec.startsWith('.') || isAbsolute(spec) ? pathToFileURL(resolve(spec)).href : spec;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(target)) as Record<string, unknown>;
    } catch (e) {
      return err(`--fetcher-plugins: cannot load '${spec}': ${e instanceof Error ? e.message : String(e)}`);
    }
    const exported = mod['plugins'] ?? mod['default'];
    const list = Array.isArray(exported) ? exported : [exported];
    if (list.length === 0 || !list.every(isFetcherPlugin)) {
      return err(`--fetcher-plugins: '${spec}' exports no fetcher plug-in (expected \`plugins\` or a default export with name, schemes and fetch)`);
    }
    out.push(...list);
  }
  return ok(out);
}
