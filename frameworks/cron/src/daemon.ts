/**
 * `agora cron`: the daemon. Flags, `startCron` (used by the CLI through `main`, by tests and by
 * the benchmark) and the composition: store → engine → framework (SDK driver) → HTTP API.
 *
 * State: `--state=DIR` keeps jobs, intents and history in a directory (one daemon at a time);
 * `--state=memory` keeps nothing across restarts (tests, benchmarks). ZooKeeper state and
 * leader + standby election (`zk://`) plug in through the same `Kv` interface once @agora/state
 * is available.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import { createHttpServer, createLogger, runDaemon, systemClock, type Clock, type DaemonHandle, type FlagTable, type LogLevel, type Options } from '@agora/runtime';
import { renderRun } from './job/render.ts';
import { durationMs } from './job/validate.ts';
import { CronEngine } from './plan/engine.ts';
import type { Run } from './plan/run.ts';
import { registerChronos } from './http/chronos.ts';
import type { ApiContext } from './http/context.ts';
import { registerMetronome } from './http/metronome.ts';
import { CronFramework } from './shell/framework.ts';
import { CronStore } from './store/cron-store.ts';
import { FileKv } from './store/file-kv.ts';
import { MemoryKv, type Kv } from './store/kv.ts';

export const CRON_FLAGS = {
  master: { type: 'string', default: '127.0.0.1:5050', env: 'AGORA_MASTER', placeholder: 'URL', help: 'The master: host:port, http://host:port or zk://host:port/path' },
  'http-port': { type: 'int', default: 4400, min: 0, max: 65535, help: 'Port of the Chronos and Metronome HTTP API (0: any free port)' },
  hostname: { type: 'string', default: '127.0.0.1', help: 'Address to listen on and to advertise as the leader' },
  state: { type: 'string', placeholder: 'DIR|memory|zk://…', help: 'Where jobs, run intents and history live (default: <tmp>/agora/cron-<port>)' },
  'failure-retry': { type: 'string', default: 'PT60S', help: 'Delay before a failed run is retried (ISO 8601 duration, Chronos --failure_retry)' },
  'failure-webhook': { type: 'string', placeholder: 'URL', help: 'POSTed a JSON {job, run} for every final failure (Chronos --http_notification_url)' },
  'offer-hold': { type: 'string', default: 'PT5S', help: 'How long unused offers are kept for upcoming runs (ISO 8601 duration)' },
  'framework-name': { type: 'string', default: 'agora-cron', help: 'FrameworkInfo.name' },
  role: { type: 'string', default: '*', help: 'Role to register in' },
  user: { type: 'string', help: 'Default user tasks run as (a job\'s runAsUser wins)' },
  'history-limit': { type: 'int', default: 100, min: 1, help: 'Finished runs kept per job' },
  'log-level': { type: 'string', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'Log level' },
} satisfies FlagTable;

export type CronOptions = Options<typeof CRON_FLAGS>;

export interface CronHandle extends DaemonHandle {
  readonly engine: CronEngine;
  readonly framework: CronFramework;
  readonly api: ApiContext;
}

export interface StartExtras {
  readonly clock?: Clock;
  readonly kv?: Kv;
  readonly log?: (line: string) => void;
}

function openKv(state: string | undefined, port: number): Result<Kv, string> {
  if (state === 'memory') return ok(new MemoryKv());
  if (state?.startsWith('zk://')) return err('--state=zk://… needs the @agora/state ZooKeeper store, which this build does not wire yet; use a directory');
  return ok(new FileKv(state ?? join(tmpdir(), 'agora', `cron-${port}`)));
}

export async function startCron(o: CronOptions, extras: StartExtras = {}): Promise<Result<CronHandle, string>> {
  const clock = extras.clock ?? systemClock;
  const logger = createLogger('agora-cron', { level: o.logLevel as LogLevel });
  const log = extras.log ?? ((line: string) => logger.info(line));
  const retry = durationMs(o.failureRetry);
  if (!retry.ok) return err(`--failure-retry: ${retry.error}`);
  const hold = durationMs(o.offerHold);
  if (!hold.ok) return err(`--offer-hold: ${hold.error}`);
  const kv = extras.kv ? ok(extras.kv) : openKv(o.state, o.httpPort);
  if (!kv.ok) return kv;
  const store = new CronStore(kv.value);
  const snapshot = await store.load();
  if (!snapshot.ok) return err(`state: ${snapshot.error.message}`);
  const engine = new CronEngine({ retryDelayMs: retry.value, historyLimit: o.historyLimit });
  engine.load(snapshot.value.jobs, snapshot.value.runs, snapshot.value.history);

  const webhook = o.failureWebhook;
  const onFailure = webhook
    ? (run: Run) => {
        const job = engine.jobs.get(run.job);
        void fetch(webhook, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ job: run.job, owner: job?.spec.owner ?? '', run: renderRun(run) }),
          signal: AbortSignal.timeout(10_000),
        }).catch((e: unknown) => log(`failure webhook: ${String(e)}`));
      }
    : undefined;

  let closing = false;
  const fatal: { fn?: (m: string) => void } = {};
  const framework = new CronFramework({
    engine,
    store,
    clock,
    master: o.master,
    ...(snapshot.value.frameworkId ? { frameworkId: snapshot.value.frameworkId } : {}),
    frameworkName: o.frameworkName,
    role: o.role,
    ...(o.user ? { user: o.user } : {}),
    offerHoldMs: hold.value,
    ...(onFailure ? { onFailure } : {}),
    onFatal: (m) => fatal.fn?.(m),
    log,
  });

  let address = '';
  const api: ApiContext = {
    engine,
    now: () => clock.now(),
    exec: async (fn) => {
      const v = await framework.serial(fn);
      framework.poke();
      return v;
    },
    leader: () => address,
    isLeader: () => true,
  };
  const app = createHttpServer();
  registerChronos(app, api);
  registerMetronome(app, api);
  try {
    address = await app.listen({ port: o.httpPort, host: o.hostname });
  } catch (e) {
    return err(`cannot listen on ${o.hostname}:${o.httpPort}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const url = address;
  address = address.replace(/^https?:\/\//, '');
  framework.start();
  log(`cron API on ${url}; ${engine.jobs.size} job(s), ${engine.runs.size} active run(s) loaded`);

  const close = async () => {
    if (closing) return;
    closing = true;
    await framework.stop();
    await app.close();
    logger.flush();
  };
  // Failed over by another instance, or removed by the master: stop acting (Chronos exits too).
  fatal.fn = (m) => {
    log(`stopping: ${m}`);
    void close().then(() => process.kill(process.pid, 'SIGTERM'));
  };
  return ok({ url, engine, framework, api, close });
}

export const main = (argv: string[]): Promise<number> =>
  runDaemon({ name: 'agora cron', usage: 'usage: agora cron [flags]\n\nRuns the cron framework (Chronos and Metronome APIs) on an Agora master.', flags: CRON_FLAGS, start: (o) => startCron(o) }, argv);
