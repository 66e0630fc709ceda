/**
 * `agora cron`: the daemon. Flags, `startCron` (used by the CLI through `main`, by tests and by
 * the benchmark) and the composition: state store → election → engine → framework (SDK driver),
 * with the HTTP API served from the start.
 *
 * State (`--state`): a directory (@agora/state file store, one daemon per directory), `zk://…`
 * (ZooKeeper store; several daemons then elect a leader through ZooKeeper at `<path>/leader`),
 * or `memory` (nothing survives a restart). Only the leader loads state, registers with the
 * master and runs jobs; its writes are fenced with the epoch it claimed on election, so a deposed
 * leader cannot write. Standbys forward API requests to the leader. Losing leadership, or the
 * master failing the framework over to another instance, ends the process (as Chronos does):
 * a supervisor restarts it as a standby.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err, ok, type MasterInfo, type Result } from '@agora/protocol';
import { createHttpServer, createLogger, runDaemon, systemClock, type Clock, type DaemonHandle, type FlagTable, type LogLevel, type Options } from '@agora/runtime';
import {
  createMemoryStore, createStandaloneContender, createZooKeeperContender, createZooKeeperDetector, openFileStore, openZooKeeperStore, parseZkUrl,
  type Contender, type Detector, type FenceToken, type StateStore,
} from '@agora/state';
import { renderRun } from './job/render.ts';
import { durationMs } from './job/validate.ts';
import { CronEngine } from './plan/engine.ts';
import type { Run } from './plan/run.ts';
import { registerChronos } from './http/chronos.ts';
import type { ApiContext } from './http/context.ts';
import { registerMetronome } from './http/metronome.ts';
import { forwardToLeader } from './http/forward.ts';
import { registerMetrics } from './http/metrics.ts';
import { CronMetrics } from './shell/metrics.ts';
import { CronFramework } from './shell/framework.ts';
import { CronStore } from './store/cron-store.ts';
import type { Kv } from './store/kv.ts';

export const CRON_FLAGS = {
  master: { type: 'string', default: '127.0.0.1:5050', env: 'AGORA_MASTER', placeholder: 'URL', help: 'The master: host:port, http://host:port or zk://host:port/path' },
  'http-port': { type: 'int', default: 4400, min: 0, max: 65535, help: 'Port of the Chronos and Metronome HTTP API (0: any free port)' },
  hostname: { type: 'string', default: '127.0.0.1', help: 'Address to listen on and to advertise as the leader' },
  state: { type: 'string', placeholder: 'DIR|zk://…|memory', help: 'Where jobs, run intents and history live; zk:// also elects a leader among several daemons (default: <tmp>/agora/cron-<port>)' },
  'zk-session-timeout': { type: 'string', default: 'PT10S', help: 'ZooKeeper session timeout (ISO 8601 duration)' },
  'failure-retry': { type: 'string', default: 'PT60S', help: 'Delay before a failed run is retried (ISO 8601 duration, Chronos --failure_retry)' },
  'failure-webhook': { type: 'string', placeholder: 'URL', help: 'POSTed a JSON {job, owner, run} for every final failure (Chronos --http_notification_url)' },
  'reconciliation-interval': { type: 'string', default: 'PT10M', help: 'How often the launched runs are reconciled explicitly with the master (ISO 8601 duration, Chronos --reconciliation_interval)' },
  'offer-hold': { type: 'string', default: 'PT5S', help: 'How long unused offers are kept for upcoming runs (ISO 8601 duration)' },
  'framework-name': { type: 'string', default: 'agora-cron', help: 'FrameworkInfo.name' },
  role: { type: 'string', default: '*', help: 'Role to register in' },
  user: { type: 'string', help: 'Default user tasks run as (a job\'s runAsUser wins)' },
  'history-limit': { type: 'int', default: 100, min: 1, help: 'Finished runs kept per job' },
  'disable-after-failures': { type: 'int', default: 0, min: 0, help: 'Disable a job after this many failed runs (after retries) since its last success; 0: never (Chronos --disable_after_failures)' },
  'log-level': { type: 'string', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'Log level' },
} satisfies FlagTable;

/** The flags' options; `reconciliationInterval` may be left out by in-process callers (default PT10M). */
/** Flags added later are optional here, so embedders (tests, benchmarks, the CLI) keep compiling. */
export type CronOptions = Omit<Options<typeof CRON_FLAGS>, 'reconciliationInterval' | 'disableAfterFailures'> & { reconciliationInterval?: string; disableAfterFailures?: number };

export interface CronHandle extends DaemonHandle {
  readonly engine: CronEngine;
  /** The framework once this daemon leads (undefined on a standby). */
  readonly framework: CronFramework | undefined;
  readonly api: ApiContext;
  readonly metrics: CronMetrics;
  /** Resolves when this daemon has become the leader. */
  readonly elected: Promise<void>;
}

export interface StartExtras {
  readonly clock?: Clock;
  /** A key-value store to use instead of `--state` (tests, benchmarks); this daemon leads alone. */
  readonly kv?: Kv;
  readonly log?: (line: string) => void;
  /** Leadership lost or the framework failed over (default: close and exit the process with 1). */
  readonly onFatal?: (reason: string) => void;
}

async function openStore(o: CronOptions, sessionTimeoutMs: number): Promise<Result<StateStore, string>> {
  const s = o.state ?? join(tmpdir(), 'agora', `cron-${o.httpPort}`);
  if (s === 'memory') return ok(createMemoryStore());
  if (s.startsWith('zk://')) {
    const zk = parseZkUrl(s);
    if (!zk.ok) return err(`--state: ${zk.error}`);
    const r = await openZooKeeperStore({ servers: zk.value.servers, root: `${zk.value.path}/state`, ...(zk.value.auth ? { auth: zk.value.auth } : {}), sessionTimeoutMs });
    return r.ok ? ok(r.value) : err(`--state: cannot open ZooKeeper: ${r.error.code}: ${r.error.message}`);
  }
  const r = await openFileStore({ dir: s });
  return r.ok ? ok(r.value) : err(`--state: cannot open ${s}: ${r.error.code}: ${r.error.message}`);
}

export async function startCron(o: CronOptions, extras: StartExtras = {}): Promise<Result<CronHandle, string>> {
  const clock = extras.clock ?? systemClock;
  const logger = createLogger('agora-cron', { level: o.logLevel as LogLevel });
  const log = extras.log ?? ((line: string) => logger.info(line));
  const retry = durationMs(o.failureRetry);
  if (!retry.ok) return err(`--failure-retry: ${retry.error}`);
  const hold = durationMs(o.offerHold);
  if (!hold.ok) return err(`--offer-hold: ${hold.error}`);
  const reconcileEvery = durationMs(o.reconciliationInterval ?? 'PT10M');
  if (!reconcileEvery.ok) return err(`--reconciliation-interval: ${reconcileEvery.error}`);
  if (reconcileEvery.value < 1000) return err('--reconciliation-interval: must be at least PT1S');
  const session = durationMs(o.zkSessionTimeout);
  if (!session.ok) return err(`--zk-session-timeout: ${session.error}`);
  let store: StateStore | undefined;
  if (!extras.kv) {
    const opened = await openStore(o, session.value);
    if (!opened.ok) return opened;
    store = opened.value;
  }
  const engine = new CronEngine({ retryDelayMs: retry.value, historyLimit: o.historyLimit, disableAfterFailures: o.disableAfterFailures ?? 0 });

  let framework: CronFramework | undefined;
  let leaderAddr: string | undefined;
  let self = '';
  let closed = false;
  let contender: Contender | undefined;
  let detector: Detector | undefined;
  const webhook = o.failureWebhook;
  const onFailure = webhook
    ? (run: Run) => {
        void fetch(webhook, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ job: run.job, owner: engine.jobs.get(run.job)?.spec.owner ?? '', run: renderRun(run) }),
          signal: AbortSignal.timeout(10_000),
        }).catch((e: unknown) => log(`failure webhook: ${String(e)}`));
      }
    : undefined;

  const api: ApiContext = {
    engine,
    now: () => clock.now(),
    exec: async (fn) => {
      if (!framework) throw new Error('not the leader');
      const v = await framework.serial(fn);
      framework.poke();
      return v;
    },
    leader: () => (framework ? self : leaderAddr),
    isLeader: () => framework !== undefined,
  };
  const metrics = new CronMetrics({ engine, isLeader: () => framework !== undefined, reconciling: () => framework?.reconciliationInProgress ?? false });
  const app = createHttpServer();
  forwardToLeader(app, api);
  registerMetrics(app, metrics.registry);
  registerChronos(app, api);
  registerMetronome(app, api);
  let url: string;
  try {
    url = await app.listen({ port: o.httpPort, host: o.hostname });
  } catch (e) {
    await store?.close();
    return err(`cannot listen on ${o.hostname}:${o.httpPort}: ${e instanceof Error ? e.message : String(e)}`);
  }
  self = url.replace(/^https?:\/\//, '');
  const port = Number(self.split(':').pop());

  const close = async () => {
    if (closed) return;
    closed = true;
    await framework?.stop();
    await contender?.withdraw();
    await detector?.close();
    await app.close();
    await store?.close();
    logger.flush();
  };
  const fatal = extras.onFatal ?? ((reason: string) => {
    log(`stopping: ${reason}`);
    void close().finally(() => process.exit(1));
  });

  let resolveElected: () => void = () => undefined;
  const elected = new Promise<void>((r) => (resolveElected = r));
  const onElected = async (kv: Kv) => {
    if (closed) return;
    const cronStore = new CronStore(kv);
    const snapshot = await cronStore.load();
    if (!snapshot.ok) return fatal(`cannot load state: ${snapshot.error.message}`);
    engine.load(snapshot.value.jobs, snapshot.value.runs, snapshot.value.history);
    framework = new CronFramework({
      engine, store: cronStore, clock, master: o.master,
      ...(snapshot.value.frameworkId ? { frameworkId: snapshot.value.frameworkId } : {}),
      frameworkName: o.frameworkName, role: o.role, ...(o.user ? { user: o.user } : {}),
      offerHoldMs: hold.value, reconciliationIntervalMs: reconcileEvery.value, metrics, ...(onFailure ? { onFailure } : {}),
      onFatal: (m) => fatal(m), log,
    });
    framework.start();
    log(`leading: cron API on ${url}; ${engine.jobs.size} job(s), ${engine.runs.size} active run(s) loaded`);
    resolveElected();
  };

  if (extras.kv) {
    void onElected(extras.kv);
  } else {
    const s = store!;
    const zkUrl = o.state?.startsWith('zk://') ? o.state : undefined;
    if (zkUrl) {
      const zk = parseZkUrl(zkUrl);
      if (!zk.ok) return err(`--state: ${zk.error}`);
      const info: MasterInfo = { id: randomUUID(), ip: 0, port, hostname: o.hostname, pid: `cron@${self}`, address: { hostname: o.hostname, port } };
      const common = { servers: zk.value.servers, path: `${zk.value.path}/leader`, ...(zk.value.auth ? { auth: zk.value.auth } : {}), sessionTimeoutMs: session.value };
      contender = createZooKeeperContender({ ...common, info, store: s });
      detector = createZooKeeperDetector(common);
      detector.onChange((l) => (leaderAddr = l ? `${l.address?.hostname ?? l.hostname}:${l.address?.port ?? l.port}` : undefined));
    } else contender = createStandaloneContender({ store: s });
    contender.onElected((l) => void onElected(l.fence ? s.fenced(l.fence as FenceToken) : s).catch((e: unknown) => fatal(String(e))));
    contender.onLost((reason) => {
      if (!closed) fatal(`leadership lost: ${reason}`);
    });
    const c = await contender.contend();
    if (!c.ok) {
      await app.close();
      await s.close();
      return err(`cannot contend for leadership: ${c.error.code}: ${c.error.message}`);
    }
  }
  return ok({ url, engine, get framework() { return framework; }, api, metrics, elected, close });
}

export const main = (argv: string[]): Promise<number> =>
  runDaemon({ name: 'agora cron', usage: 'usage: agora cron [flags]\n\nRuns the cron framework (Chronos and Metronome APIs) on an Agora master.', flags: CRON_FLAGS, start: (o) => startCron(o) }, argv);
