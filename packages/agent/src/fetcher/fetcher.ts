/**
 * The fetcher: `CommandInfo.uris` → files in a sandbox, before anything runs there (Mesos's
 * fetcher and its `mesos-fetcher` program, in-process and asynchronous).
 *
 * Per URI, in order (a failure stops there and names the URI):
 *   1. parse it and its output name (uri.ts); pick the plug-in for its scheme (plugin.ts);
 *   2. get the bytes into a private directory inside the sandbox (mode 0700), directly or
 *      through the agent-wide cache (cache.ts);
 *   3. `executable` → mode 0755 at the output name, no extraction; an archive with `extract`
 *      (the default) → extracted into the sandbox, every entry validated first (archive/); a
 *      plain `.gz` → decompressed to the name without `.gz`; anything else → the file itself;
 *   4. hand it to the task's user (when the agent is root and the task runs as another user) and
 *      move it into place without following any link (place.ts).
 * Progress and errors go to the sandbox's `stderr`, as Mesos's fetcher writes them.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { err, formatDurationMs, ok, type CommandInfoURI, type Result } from '@agora/protocol';
import { silentLogger, systemClock, type Clock, type Logger } from '@agora/runtime';
import { lookupUser } from '../containerizer/users.ts';
import { extractArchive } from './archive/extract.ts';
import { archiveKind, describeKind } from './archive/kind.ts';
import { formatBytes } from './bytes.ts';
import { FetcherCache, type CacheLease, type CacheStats } from './cache.ts';
import { Dir, fsMessage } from './dir.ts';
import { chownTree, mergeInto, placeFile, type Owner } from './place.ts';
import { PluginRegistry, type FetcherPlugin, type FetchUser, type PluginContext } from './plugin.ts';
import { httpPlugin } from './plugins/http.ts';
import { localPlugin } from './plugins/local.ts';
import { SandboxLog } from './sandbox-log.ts';
import { outputComponents, parseFetchUri, type FetchUri } from './uri.ts';
import { CANCELLED, describeError, tooLarge } from './write-stream.ts';

export const BUILTIN_PLUGINS: readonly FetcherPlugin[] = [httpPlugin, localPlugin];

export interface FetcherOptions {
  /** Where cached downloads live (`--fetcher-cache-dir`). */
  cacheDir: string;
  /** Bytes of completed downloads the cache keeps (`--fetcher-cache-size`); 0 disables caching. */
  cacheSize: number;
  /** A transfer with no data for this long fails (`--fetcher-stall-timeout`). */
  stallTimeoutMs: number;
  /** Per URI: the largest download, and the most an archive may extract to (`--fetcher-max-size`). */
  maxSize: number;
  /** Per archive: the most entries it may have. Default 200,000. */
  maxEntries?: number;
  /** Added to (and overriding, per scheme) the built-in http, https and file plug-ins. */
  plugins?: readonly FetcherPlugin[];
  clock?: Clock;
  logger?: Logger;
}

/**
 * One URI to fetch: a `CommandInfo.URI`, whose `extract` defaults to true (as in Mesos) and whose
 * `executable` and `cache` default to false.
 */
export type UriSpec = Pick<CommandInfoURI, 'value'> & Partial<Omit<CommandInfoURI, 'value'>>;

export interface FetchOptions {
  /** The user the task runs as: files are read as, and handed to, this user when the agent is root. */
  user?: string;
  /** Aborting cancels the fetch (the container was destroyed). */
  signal?: AbortSignal;
  /** For the agent's log lines. */
  containerId?: string;
  /**
   * Fetch into this directory inside the sandbox instead (a task's sandbox in its group's executor
   * sandbox: `['tasks', '<task_id>']`). Missing components are created (mode 0755, handed to the
   * user); none may be a symbolic link. Its `stderr` gets the fetcher's log.
   */
  into?: readonly string[];
}

export interface FetchedUri {
  uri: string;
  /** Where it went, relative to the sandbox (`.` for an extracted archive). */
  path: string;
  bytes: number;
  cache: 'hit' | 'miss' | 'bypass';
  extracted?: { entries: number; bytes: number };
  ms: number;
}

export interface FetchSummary {
  fetched: FetchedUri[];
  ms: number;
}

export const DEFAULT_MAX_ENTRIES = 200_000;

interface FetchContext {
  root: Dir;
  sandbox: string;
  log: SandboxLog;
  user: FetchUser | undefined;
  signal: AbortSignal;
}

export class Fetcher {
  readonly plugins: PluginRegistry;
  private readonly cache: FetcherCache;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly running = new Set<{ controller: AbortController; done: Promise<unknown> }>();
  private closed = false;

  constructor(readonly options: FetcherOptions) {
    this.plugins = new PluginRegistry([...BUILTIN_PLUGINS, ...(options.plugins ?? [])]);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.cache = new FetcherCache(options.cacheDir, options.cacheSize, this.logger);
  }

  /** Calls of `fetchAll` that fetched everything, and that failed (Mesos's task_fetches_*). */
  readonly counters = { succeeded: 0, failed: 0 };

  cacheStats(): CacheStats {
    return this.cache.stats();
  }

  /**
   * Fetches `uris` into the existing directory `sandbox`, one after the other. Resolves with what
   * was fetched, or with the first failure: "Failed to fetch '<uri>': <why>".
   */
  async fetchAll(uris: readonly UriSpec[], sandbox: string, opts: FetchOptions = {}): Promise<Result<FetchSummary, string>> {
    if (uris.length === 0) return ok({ fetched: [], ms: 0 });
    if (this.closed) return err('Failed to fetch URIs: the agent is stopping');
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    if (opts.signal?.aborted) controller.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = this.run(uris, sandbox, opts, controller.signal);
    const record = { controller, done };
    this.running.add(record);
    try {
      const r = await done;
      this.counters[r.ok ? 'succeeded' : 'failed']++;
      return r;
    } finally {
      this.running.delete(record);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Cancels every fetch in flight and waits for them to clean up. */
  async close(): Promise<void> {
    this.closed = true;
    this.cache.close();
    const all = [...this.running];
    for (const r of all) r.controller.abort();
    await Promise.all(all.map((r) => r.done.catch(() => undefined)));
  }

  private async run(uris: readonly UriSpec[], executorSandbox: string, opts: FetchOptions, signal: AbortSignal): Promise<Result<FetchSummary, string>> {
    const started = this.clock.now();
    const user = this.fetchUser(opts.user);
    const root = await this.openRoot(executorSandbox, opts.into ?? [], user.ok ? user.value : undefined);
    if (!root.ok) return err(`Failed to fetch URIs: ${root.error}`);
    const sandbox = opts.into === undefined ? executorSandbox : join(executorSandbox, ...opts.into);
    const context = { containerId: opts.containerId, sandbox };
    const log = await SandboxLog.open(root.value, this.clock, this.logger, context);
    try {
      if (!user.ok) {
        log.error(user.error);
        return err(`Failed to fetch URIs: ${user.error}`);
      }
      log.info(`Fetching ${uris.length} URI${uris.length === 1 ? '' : 's'} into '${sandbox}'${user.value ? ` as user '${user.value.name}'` : ''}`);
      const ctx: FetchContext = { root: root.value, sandbox, log, user: user.value, signal };
      const fetched: FetchedUri[] = [];
      for (const uri of uris) {
        const t0 = this.clock.now();
        const r = await this.fetchOne(uri, ctx).catch((e: unknown) => {
          // A bug (ours or a plug-in's) fails this fetch; it never takes the agent down.
          this.logger.error({ ...context, err: e, uri: uri.value }, 'bug: fetching a URI threw');
          return err(`internal error: ${describeError(e)}`);
        });
        if (!r.ok) {
          const message = `Failed to fetch '${uri.value}': ${signal.aborted ? CANCELLED : r.error}`;
          log.error(message);
          return err(message);
        }
        const item = { ...r.value, ms: this.clock.now() - t0 };
        fetched.push(item);
        log.info(`Fetched '${uri.value}' to '${item.path === '.' ? sandbox : `${sandbox}/${item.path}`}' (${formatBytes(item.bytes)} in ${formatDurationMs(item.ms)}${item.cache === 'bypass' ? '' : `, cache ${item.cache}`})`);
      }
      log.info(`Successfully fetched all URIs into '${sandbox}'`);
      return ok({ fetched, ms: this.clock.now() - started });
    } finally {
      await log.close();
      await root.value.close();
    }
  }

  /** The directory to fetch into: the sandbox, or `into` within it (created, never through a link). */
  private async openRoot(sandbox: string, into: readonly string[], user: FetchUser | undefined): Promise<Result<Dir, string>> {
    const bad = into.find((c) => c === '' || c === '.' || c === '..' || c.includes('/') || c.includes('\0'));
    if (bad !== undefined) return err(`'${bad.slice(0, 64)}' cannot name a directory in the sandbox`);
    const base = await Dir.open(sandbox);
    if (!base.ok || into.length === 0) return base;
    try {
      return await base.value.walk(into, { mode: 0o755, ...(user ? { owner: { uid: user.uid, gid: user.gid } } : {}) });
    } finally {
      await base.value.close();
    }
  }

  /** The task's user, when files must be read as and handed to them (the agent is root). */
  private fetchUser(name: string | undefined): Result<FetchUser | undefined, string> {
    const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (name === undefined || !asRoot) return ok(undefined);
    const u = lookupUser(name);
    if (!u) return err(`the user '${name}' does not exist on this agent`);
    return ok(u.uid === 0 ? undefined : { name, uid: u.uid, gid: u.gid });
  }

  private async fetchOne(uri: UriSpec, ctx: FetchContext): Promise<Result<Omit<FetchedUri, 'ms'>, string>> {
    const parsed = parseFetchUri(uri.value);
    if (!parsed.ok) return parsed;
    ctx.log.info(`Fetching URI '${parsed.value.value}'`);
    const outName = uri.output_file ?? parsed.value.basename;
    if (uri.output_file === undefined && outName === '') return err('the URI names no file: give an output_file');
    const out = outputComponents(outName);
    if (!out.ok) return out;
    const plugin = this.plugins.get(parsed.value.scheme);
    if (!plugin) return err(this.plugins.unknown(parsed.value.scheme));
    const staging = await ctx.root.mkdtemp('.agora-fetch-');
    if (!staging.ok) return staging;
    let lease: CacheLease | undefined;
    try {
      const pctx: PluginContext = {
        signal: ctx.signal,
        maxBytes: this.options.maxSize,
        stallTimeoutMs: this.options.stallTimeoutMs,
        clock: this.clock,
        log: (line) => ctx.log.info(line),
        ...(ctx.user ? { user: ctx.user } : {}),
      };
      const download = (dest: string, signal: AbortSignal) =>
        plugin.fetch(parsed.value, dest, { ...pctx, signal }).catch((e: unknown) => err(`the ${plugin.name} plug-in failed: ${describeError(e)}`));

      let source: { path: string; owned: boolean; bytes: number; mode: number | undefined; cache: FetchedUri['cache'] } | undefined;
      if (uri.cache) {
        const cached = await this.throughCache(parsed.value, ctx, download);
        if (cached && !cached.ok) return cached;
        if (cached?.ok) {
          lease = cached.value;
          source = { path: lease.path, owned: false, bytes: lease.bytes, mode: lease.mode, cache: lease.hit ? 'hit' : 'miss' };
        }
      }
      if (!source) {
        ctx.log.info('Fetching directly into the sandbox directory');
        const dest = staging.value.dir.at('download');
        const r = await download(dest, ctx.signal);
        if (!r.ok) return r;
        source = { path: dest, owned: true, bytes: r.value.bytes, mode: r.value.mode, cache: 'bypass' };
      }
      // Plug-ins keep their contract, but what they leave is checked all the same.
      const s = await lstat(source.path).catch(() => undefined);
      if (!s?.isFile()) return err(`the ${plugin.name} plug-in produced no file`);
      if (s.size > this.options.maxSize) return err(tooLarge(this.options.maxSize));

      return await this.install(uri, out.value, source, staging.value.dir, ctx);
    } finally {
      lease?.release();
      await staging.value.dir.close();
      await ctx.root.removeTree(staging.value.name).catch((e: unknown) => this.logger.warn({ err: e, sandbox: ctx.sandbox }, "cannot remove the fetcher's private directory"));
    }
  }

  /** undefined: the cache cannot be used (fetch directly instead). */
  private async throughCache(
    uri: FetchUri,
    ctx: FetchContext,
    download: (dest: string, signal: AbortSignal) => ReturnType<FetcherPlugin['fetch']>,
  ): Promise<Result<CacheLease, string> | undefined> {
    if (this.options.cacheSize <= 0) {
      ctx.log.warn('The fetcher cache is disabled (--fetcher-cache-size=0): fetching directly');
      return undefined;
    }
    const ready = await this.cache.init();
    if (!ready.ok) {
      ctx.log.warn(`Reverting to fetching directly into the sandbox: ${ready.error}`);
      return undefined;
    }
    const key = ctx.user ? `${ctx.user.name}@${uri.value}` : uri.value;
    ctx.log.info('Fetching through the cache');
    const lease = await this.cache.acquire(key, uri.basename, download, ctx.signal);
    if (lease.ok) ctx.log.info(lease.value.hit ? 'Found in the cache' : 'Downloaded into the cache');
    return lease;
  }

  /** Step 3 and 4: from the fetched file to its place in the sandbox. */
  private async install(
    uri: UriSpec,
    out: readonly string[],
    source: { path: string; owned: boolean; bytes: number; mode: number | undefined; cache: FetchedUri['cache'] },
    staging: Dir,
    ctx: FetchContext,
  ): Promise<Result<Omit<FetchedUri, 'ms'>, string>> {
    const owner: Owner | undefined = ctx.user ? { uid: ctx.user.uid, gid: ctx.user.gid } : undefined;
    const outPath = out.join('/');
    const base = { uri: uri.value, bytes: source.bytes, cache: source.cache };
    // The fetched file, as a file of our private directory we may change and move.
    const own = async (mode: number): Promise<string> => {
      if (!source.owned) await copyFile(source.path, staging.at('file'), constants.COPYFILE_FICLONE);
      const name = source.owned ? 'download' : 'file';
      // Only permission bits: setuid, setgid and sticky never survive a fetch.
      await chmod(staging.at(name), mode & 0o777);
      if (owner) await staging.lchown(name, owner.uid, owner.gid);
      return name;
    };
    const place = async (mode: number): Promise<Result<Omit<FetchedUri, 'ms'>, string>> => {
      const name = await own(mode).catch((e: unknown) => ({ failed: fsMessage(e) }));
      if (typeof name !== 'string') return err(`cannot copy the file into the sandbox: ${name.failed}`);
      const placed = await placeFile(staging, name, ctx.root, out, owner);
      return placed.ok ? ok({ ...base, path: outPath }) : placed;
    };

    if (uri.executable) return place(0o755);
    const kind = uri.extract !== false ? archiveKind(out.at(-1)!) : undefined;
    if (!kind) {
      if (uri.extract !== false) ctx.log.warn(`Copying instead of extracting '${uri.value}': it does not look like an archive`);
      return place(source.mode ?? 0o644);
    }

    const gzName = kind.format === 'gzip-file' ? out.at(-1)!.slice(0, -3) : undefined;
    if (gzName === '') return err(`cannot decompress '${outPath}': the name without '.gz' is empty`);
    ctx.log.info(`Extracting ${describeKind(kind)} '${outPath}' into '${ctx.sandbox}'`);
    const into = await staging.child('extracted', { mode: 0o700 });
    if (!into.ok) return into;
    try {
      const x = await extractArchive(source.path, kind, into.value, { maxBytes: this.options.maxSize, maxEntries: this.options.maxEntries ?? DEFAULT_MAX_ENTRIES }, ctx.signal, gzName);
      if (!x.ok) return err(`cannot extract '${outPath}': ${x.error}`);
      if (x.value.stripped > 0) ctx.log.warn(`Stripped setuid/setgid/sticky bits from ${x.value.stripped} entr${x.value.stripped === 1 ? 'y' : 'ies'} of '${outPath}'`);
      // As Mesos: a download into the sandbox stays there next to what it held; a cached one does not.
      if (source.owned) {
        const kept = await place(0o644);
        if (!kept.ok) return kept;
      }
      if (owner) await chownTree(into.value, owner);
      const merged = await mergeInto(into.value, ctx.root);
      if (!merged.ok) return merged;
      ctx.log.info(`Extracted ${x.value.entries} entr${x.value.entries === 1 ? 'y' : 'ies'} (${formatBytes(x.value.bytes)}) from '${outPath}' into '${ctx.sandbox}'`);
      return ok({ ...base, path: gzName ?? '.', extracted: { entries: x.value.entries, bytes: x.value.bytes } });
    } finally {
      await into.value.close();
    }
  }
}
