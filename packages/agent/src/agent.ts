/**
 * `startAgent`: flags → config → directories and resources → containerizer, core, HTTP server →
 * listen → master link. The handle stops it in one of two ways (stop.ts): `close()` exits and
 * leaves checkpointing frameworks' executors running, `shutdown()` ends everything.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { readdir, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import { createLogger, systemClock, type Clock, type DaemonHandle, type FastifyInstance, type Logger } from '@agora/runtime';
import { Checkpointer, currentBootId } from './checkpoint/checkpointer.ts';
import { MetaLayout } from './checkpoint/paths.ts';
import { recoverAgent } from './checkpoint/recover.ts';
import { compileConfig, type AgentConfig, type AgentOptions } from './config.ts';
import type { Containerizer } from './containerizer/containerizer.ts';
import { ExecutorHostLauncher } from './containerizer/executor-host.ts';
import { findEntryPoint } from './containerizer/launcher-entries.ts';
import { ProcessLauncher } from './containerizer/process-launcher.ts';
import { createIsolatingContainerizer } from './containerizer/isolating.ts';
import { RoutingContainerizer } from './containerizer/routing.ts';
import { NameCache } from './containerizer/users.ts';
import { AgentCore } from './core/agent-core.ts';
import { startReregistrationTimers } from './core/recovery.ts';
import { Fetcher, FetchingContainerizer, loadPluginModules, type FetcherPlugin } from './fetcher/index.ts';
import { DiskWatcher, GarbageCollector } from './core/gc.ts';
import { diskSandboxes, SandboxLayout } from './core/sandbox.ts';
import { buildHttpServer } from './http/server.ts';
import { agentMetrics } from './http/metrics.ts';
import { randomIds, type IdSource } from './ids.ts';
import { masterDialer } from './master/leader-connector.ts';
import { MasterLink, type Connector } from './master/link.ts';
import { machineFacts, totalResources } from './resource-detection.ts';
import { exitAgent, shutdownAgent, type StopParts } from './stop.ts';

export interface AgentHandle extends DaemonHandle {
  /** The ID the master assigned, once registered. */
  agentId(): string | undefined;
  /** Resolves with the agent ID at the first registration. */
  registered(): Promise<string>;
  /** Resolves (with the master's message) when the master shut this agent down; the agent is closed by then. */
  readonly shutdownByMaster: Promise<string>;
  /** Resolves once the agent has stopped, for whatever reason. */
  readonly closed: Promise<void>;
  /**
   * `close()` (SIGTERM, SIGINT) is the agent's exit: executors of checkpointing frameworks keep
   * running for the next agent process to recover; `shutdown()` (SIGUSR1) unregisters and shuts
   * every executor down. Whichever comes first decides; both resolve when the agent has stopped.
   */
  shutdown(reason?: string): Promise<void>;
  readonly config: AgentConfig;
  /** The core, for in-process tests and tools (read-only use). */
  readonly core: AgentCore;
}

/** Replaceable parts, for tests: a scripted master, a fake clock or containerizer. */
export interface AgentDeps {
  clock?: Clock;
  logger?: Logger;
  connect?: Connector;
  containerizer?: Containerizer;
  ids?: IdSource;
  random?: () => number;
  /** Fetcher plug-ins added to the built-ins and to `--fetcher-plugins` (for embedding and tests). */
  fetcherPlugins?: readonly FetcherPlugin[];
}

export async function startAgent(options: AgentOptions, deps: AgentDeps = {}): Promise<Result<AgentHandle, string>> {
  const compiled = compileConfig(options);
  if (!compiled.ok) return compiled;
  const config = compiled.value;
  let workDirReal: string;
  try {
    mkdirSync(config.workDir, { recursive: true });
    mkdirSync(config.runtimeDir, { recursive: true });
    workDirReal = realpathSync(config.workDir);
  } catch (e) {
    return err(`--work-dir: cannot create '${config.workDir}': ${e instanceof Error ? e.message : String(e)}`);
  }
  const resources = totalResources(machineFacts(config.workDir), config.resourcesFlag, config.defaultRole);
  if (!resources.ok) return err(`--resources: ${resources.error}`);

  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger('agent', { level: config.logLevel });
  const entries = {
    command: findEntryPoint(config.launcherDir, 'command-executor'),
    host: findEntryPoint(config.launcherDir, 'executor-host'),
    default: findEntryPoint(config.launcherDir, 'default-executor'),
  };
  if (!entries.command && !entries.host) logger.warn({ launcherDir: config.launcherDir }, 'no command executor found in --launcher-dir: command tasks will fail');
  const loaded = await loadPluginModules(config.fetcher.pluginModules);
  if (!loaded.ok) return loaded;
  // Executors' URIs are fetched into their sandboxes before they launch (an injected containerizer is used as given).
  const fetcher = new Fetcher({ ...config.fetcher, plugins: [...loaded.value, ...(deps.fetcherPlugins ?? [])], clock, logger });
  // The launchers, inside the isolators of --isolation (ADR 0004).
  const isolating = deps.containerizer ? undefined : createIsolatingContainerizer(new RoutingContainerizer({
    commandExecutor: config.commandExecutor,
    defaultExecutor: config.defaultExecutor,
    process: new ProcessLauncher({ logger, entryPoint: (kind) => (kind === 'command' ? entries.command : entries.default) }),
    host: new ExecutorHostLauncher({ runtimeDir: config.runtimeDir, entryPoint: entries.host, logger }),
  }), config.isolation, { logger, agentResources: resources.value.toProto() });
  if (isolating && !isolating.ok) return isolating;
  const routing = deps.containerizer ?? isolating!.value;
  const containerizer = deps.containerizer ?? new FetchingContainerizer(routing, fetcher);
  const layout = new SandboxLayout(config.workDir);
  const gc = new GarbageCollector({ clock, logger, remove: (path) => rm(path, { recursive: true, force: true }) });
  const meta = new MetaLayout(config.workDir);
  const checkpointer = new Checkpointer(meta, logger, currentBootId());
  const diskWatcher = new DiskWatcher({
    clock, gc, logger, gcDelayMs: config.gcDelayMs, headroom: config.gcDiskHeadroom, intervalMs: config.diskWatchIntervalMs,
    usage: async () => {
      const s = await statfs(config.workDir).catch(() => undefined);
      return s && s.blocks > 0 ? 1 - s.bavail / s.blocks : undefined;
    },
  });
  const core = new AgentCore(
    {
      hostname: config.hostname,
      endpoint: `${config.advertiseIp}:${config.port}`,
      port: config.port,
      resources: resources.value,
      attributes: config.attributes,
      executorRegistrationTimeoutMs: config.executorRegistrationTimeoutMs,
      executorShutdownGracePeriodMs: config.executorShutdownGracePeriodMs,
      executorReregistrationTimeout: config.executorReregistrationTimeout,
      executorReregistrationTimeoutMs: config.executorReregistrationTimeoutMs,
      recoveryTimeout: config.recoveryTimeout,
      statusUpdateRetryMinMs: config.statusUpdateRetryMinMs,
      statusUpdateRetryMaxMs: config.statusUpdateRetryMaxMs,
      maxCompletedExecutorsPerFramework: config.maxCompletedExecutorsPerFramework,
      gcDelayMs: config.gcDelayMs,
      switchUser: config.switchUser,
      hasDefaultExecutor: (config.defaultExecutor === 'host' ? entries.host : entries.default) !== undefined,
      commandExecutorPath: entries.command?.file ?? `${config.launcherDir}/agora-command-executor`,
    },
    {
      clock, ids: deps.ids ?? randomIds, logger, containerizer, layout, sandboxes: diskSandboxes, gc, store: checkpointer, checkpoints: checkpointer,
      // A task group's own URIs go into each task's sandbox, <sandbox>/tasks/<task_id> (core/group-fetch.ts).
      fetchTaskUris: (r) => fetcher.fetchAll(r.uris, r.sandbox, {
        into: ['tasks', r.taskId], signal: r.signal, containerId: r.containerId, ...(r.user !== undefined ? { user: r.user } : {}),
      }),
    },
  );
  const recovery = await recoverAgent({
    core, checkpointer, layout: meta, containerizer: routing, mode: config.recover, strict: config.strict, bootId: currentBootId(), logger,
  });
  if (!recovery.ok) return err(`--strict: ${recovery.error}`);
  // Orphan containers' cgroups and mounts go (a no-op if recovery already told the isolators what it kept).
  if (isolating?.ok) await isolating.value.ensureRecovered();
  await scheduleStaleSandboxes(layout, gc, config.gcDelayMs, clock.now(), logger, recovery.value.agentId);
  const recovered = recovery.value.agentId !== undefined;
  // Executors know the agent by the endpoint they were given: come back on the same port.
  const listenPort = config.port === 0 && recovery.value.port !== undefined ? recovery.value.port : config.port;
  const dialer = masterDialer(config.master, { logger });
  if (!dialer.ok) return err(`--master: ${dialer.error}`);
  const connect: Connector = deps.connect ?? dialer.value.connect;
  const link = new MasterLink({ connect, clock, logger, backoffFactorMs: config.registrationBackoffFactorMs, handlers: core.masterHandlers, ...(deps.random ? { random: deps.random } : {}) });
  dialer.value.follow(link);
  core.attachMaster(link);
  const metrics = agentMetrics({ core, registered: () => link.registered, gc, diskWatcher, fetcher });
  const names = new NameCache();
  const app: FastifyInstance = buildHttpServer({
    core, clock, flags: config.flags, metrics, executorHeartbeatIntervalMs: config.executorHeartbeatIntervalMs,
    files: { names, resolve: () => ({ layout, workDirReal, agentId: core.agentId, index: { latestRun: (fid, eid) => latestRun(core, fid, eid) } }) },
  });
  try {
    await app.listen({ host: config.bindIp, port: listenPort });
  } catch (e) {
    // Recovered executors keep running for the next attempt; otherwise nothing may be left behind.
    if (!recovered) await containerizer.close().catch(() => undefined);
    await dialer.value.close();
    return err(`--port: cannot listen on ${config.bindIp}:${listenPort}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  core.config.port = port;
  core.config.endpoint = `${config.advertiseIp}:${port}`;
  // Recovered executors may re-subscribe from now on; those that do not in time are destroyed.
  startReregistrationTimers(core);

  diskWatcher.start();

  const parts: StopParts = {
    logger, core, containerizer, link, closeDialer: () => dialer.value.close(), gc, diskWatcher, app, meta,
    executorShutdownGracePeriodMs: config.executorShutdownGracePeriodMs,
  };
  // One stop per agent: the first request decides how (stop.ts); later ones wait for it.
  let stopping: { how: 'exit' | 'shutdown'; done: Promise<void> } | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const stop = (how: 'exit' | 'shutdown', run: () => Promise<void>): Promise<void> => {
    if (stopping) {
      if (stopping.how !== how) logger.info({ requested: how, under_way: stopping.how }, 'the agent is already stopping');
      return stopping.done;
    }
    stopping = { how, done: run().then(resolveClosed) };
    return stopping.done;
  };
  const close = () => stop('exit', () => exitAgent(parts));
  const shutdown = (reason = 'asked to shut down') => stop('shutdown', () => shutdownAgent(parts, { reason, unregister: true }));
  // SHUTDOWN_AGENT: the master has removed us already (Mesos does not unregister then either).
  const shutdownByMaster = new Promise<string>((resolve) => core.onShutdown((why) => {
    void stop('shutdown', () => shutdownAgent(parts, { reason: `the master: ${why}`, unregister: false })).then(() => resolve(why));
  }));
  const registered = new Promise<string>((resolve) => core.onRegistered(resolve));
  link.start();
  logger.info({ url: `http://${config.advertiseIp}:${port}`, master: dialer.value.description, workDir: config.workDir, resources: resources.value.toString() }, 'agent started');
  return ok({
    url: `http://${config.advertiseIp}:${port}`,
    agentId: () => core.agentId,
    registered: () => registered,
    shutdownByMaster,
    closed,
    config,
    core,
    close,
    shutdown,
  });
}

/**
 * Sandboxes of earlier runs of this agent (other agent IDs under `<work_dir>/slaves`) are stale:
 * the recovered agent's own directory excepted. Each is collected `--gc-delay` after it was last modified, as Mesos
 * ages directories by their mtime.
 */
async function scheduleStaleSandboxes(layout: SandboxLayout, gc: GarbageCollector, gcDelayMs: number, nowMs: number, logger: Logger, recoveredAgentId: string | undefined): Promise<void> {
  const slaves = join(layout.workDir, 'slaves');
  const names = await readdir(slaves).catch(() => [] as string[]);
  for (const name of names) {
    if (name === recoveredAgentId) continue;
    const path = join(slaves, name);
    const s = await stat(path).catch(() => undefined);
    if (!s?.isDirectory()) continue;
    gc.schedule(Math.max(0, gcDelayMs - (nowMs - s.mtimeMs)), path);
    logger.debug({ path }, 'scheduled a previous run\'s sandboxes for garbage collection');
  }
}

/** The run directory `latest` names: the live executor's, else its last completed run's. */
function latestRun(core: AgentCore, frameworkId: string, executorId: string): string | undefined {
  const find = (fws: Iterable<{ id: string; executors: Map<string, { directory: string }>; completedExecutors: Array<{ id: string; directory: string }> }>) => {
    for (const fw of fws) {
      if (fw.id !== frameworkId) continue;
      const live = fw.executors.get(executorId);
      if (live) return live.directory;
      for (let i = fw.completedExecutors.length - 1; i >= 0; i--) if (fw.completedExecutors[i]!.id === executorId) return fw.completedExecutors[i]!.directory;
    }
    return undefined;
  };
  return find(core.frameworks.values()) ?? find([...core.completedFrameworks].reverse());
}
