/**
 * `agora services`: the Marathon-compatible services framework as a daemon (the runtime's daemon
 * contract: `SERVICES_FLAGS`, `startServices(options)`, `main(argv)`).
 *
 * Start-up: open the state store (`--state`: a directory, `zk://…`, or memory), serve HTTP at
 * once (a standby proxies to the leader), contend for leadership (ZooKeeper with a zk:// state
 * or `--zk`; otherwise this process leads alone). On election: claim the store's fencing epoch,
 * load apps, deployments and instances, subscribe with the stored framework id, reconcile with
 * the master, then run the loop. Losing leadership (or DELETE /v2/leader) ends the process, as
 * Marathon does, so a stale leader can never act.
 */
import { randomUUID } from 'node:crypto';
import { err, ok, type MasterInfo, type Result } from '@agora/protocol';
import {
  createLogger, every, MetricsRegistry, runDaemon, systemClock,
  type Clock, type DaemonHandle, type FlagTable, type Options, type Timer,
} from '@agora/runtime';
import { SchedulerDriver, type Scheduler } from '@agora/sdk';
import {
  createMemoryStore, createStandaloneContender, createZooKeeperContender, createZooKeeperDetector, openFileStore, openZooKeeperStore, parseZkUrl,
  type Contender, type Detector, type StateStore,
} from '@agora/state';
import { createServicesHttp } from './http/server.ts';
import { EventBus } from './service/events.ts';
import { driverPort } from './service/mesos-port.ts';
import { Services } from './service/services.ts';
import { Repository } from './store/repository.ts';

const seconds = (text: string): Result<number, string> => {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|secs?|m|mins?)?$/.exec(text.trim());
  if (!m) return err(`expected a duration such as 500ms, 5s or 2m, got '${text}'`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return ok(unit === 'ms' ? n : unit.startsWith('m') ? n * 60_000 : n * 1000);
};

export const SERVICES_FLAGS = {
  master: { type: 'string', default: '127.0.0.1:5050', env: 'AGORA_MASTER', help: 'The Mesos master: host:port, http://host:port or zk://host:port/path' },
  'http-port': { type: 'int', default: 8080, min: 0, max: 65535, help: 'Port of the /v2 API (0 picks a free port)' },
  ip: { type: 'string', default: '127.0.0.1', help: 'Address to listen on and advertise' },
  hostname: { type: 'string', help: 'Hostname to advertise to other instances (default: the IP address)' },
  state: { type: 'string', placeholder: 'DIR|zk://…', help: 'Where apps, deployments and instances live: a directory (file store) or a ZooKeeper URL (default: memory, lost on exit)' },
  zk: { type: 'string', placeholder: 'URL', help: 'ZooKeeper URL for leader election among several instances (default: the --state URL when it is zk://, else this instance leads alone)' },
  'framework-name': { type: 'string', default: 'marathon', help: 'FrameworkInfo.name' },
  'mesos-role': { type: 'string', default: '*', help: 'The role the framework subscribes with' },
  'failover-timeout': { type: 'custom', default: 604_800_000, placeholder: 'DURATION', parse: seconds, help: 'How long the master keeps the framework\'s tasks while it is away (Marathon: 1 week)' },
  'launch-timeout': { type: 'custom', default: 300_000, placeholder: 'DURATION', parse: seconds, help: 'Instances not running after this are killed and replaced' },
  'launch-window': { type: 'int', default: 2000, min: 1, help: 'At most this many instances launched and not yet running at a time' },
  'max-instances-per-offer': { type: 'int', default: 1000, min: 1, help: 'Instances placed on one offer per offer cycle, at most (Marathon: 5; lower spreads bursts over agents, but measured slower here)' },
  'max-versions': { type: 'int', default: 50, min: 1, help: 'Versions kept per app and of the group tree (Marathon --max_versions); older ones are dropped' },
  'tick-interval': { type: 'custom', default: 1000, placeholder: 'DURATION', parse: seconds, help: 'Interval of the reconcile loop without offers' },
  'reconciliation-interval': { type: 'custom', default: 600_000, placeholder: 'DURATION', parse: seconds, help: 'Interval of task reconciliation with the master' },
  'zk-session-timeout': { type: 'custom', default: 10_000, placeholder: 'DURATION', parse: seconds, help: 'ZooKeeper session timeout' },
  'log-level': { type: 'string', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'Log verbosity' },
} as const satisfies FlagTable;

export type ServicesOptions = Options<typeof SERVICES_FLAGS>;

export interface ServicesHandle extends DaemonHandle {
  readonly services: Services;
  readonly events: EventBus;
  /** Resolves when this instance has become the leader (never, for a standby that stays one). */
  readonly elected: Promise<void>;
  isLeader(): boolean;
}

export interface StartExtras {
  readonly clock?: Clock;
  /** Called when leadership is lost or abdicated (default: exit the process with code 1). */
  readonly onLeadershipEnd?: (reason: string) => void;
  /** An already open store (tests, `agora local`). */
  readonly store?: StateStore;
}

async function openStore(opts: ServicesOptions): Promise<Result<StateStore, string>> {
  const s = opts.state;
  if (s === undefined) return ok(createMemoryStore());
  if (s.startsWith('zk://')) {
    const zk = parseZkUrl(s);
    if (!zk.ok) return err(`--state: ${zk.error}`);
    const r = await openZooKeeperStore({ servers: zk.value.servers, root: `${zk.value.path}/state`, ...(zk.value.auth ? { auth: zk.value.auth } : {}), sessionTimeoutMs: opts.zkSessionTimeout });
    return r.ok ? ok(r.value) : err(`--state: cannot open ZooKeeper: ${r.error.code}: ${r.error.message}`);
  }
  const r = await openFileStore({ dir: s });
  return r.ok ? ok(r.value) : err(`--state: cannot open ${s}: ${r.error.code}: ${r.error.message}`);
}

export async function startServices(opts: ServicesOptions, extras: StartExtras = {}): Promise<Result<ServicesHandle, string>> {
  const log = createLogger('services', { level: opts.logLevel as 'info' });
  const clock = extras.clock ?? systemClock;
  const opened = extras.store ? ok(extras.store) : await openStore(opts);
  if (!opened.ok) return opened;
  const store = opened.value;
  const repo = new Repository(store, opts.maxVersions);
  const events = new EventBus(() => clock.now());
  const metrics = new MetricsRegistry();
  const services = new Services({ repo, clock, uuid: randomUUID, events, log, launchTimeoutMs: opts.launchTimeout, launchWindow: opts.launchWindow, maxInstancesPerOffer: opts.maxInstancesPerOffer });
  const host = opts.hostname ?? opts.ip;
  let self = `${host}:${opts.httpPort}`;
  let leader = false;
  let leaderAddr: string | undefined;
  let driver: SchedulerDriver | undefined;
  const timers: Timer[] = [];
  let contender: Contender | undefined;
  let detector: Detector | undefined;
  let closed = false;
  const end = extras.onLeadershipEnd ?? ((reason: string) => {
    log.error({ reason }, 'leadership ended; exiting so that a supervisor restarts this instance as a standby');
    process.exit(1);
  });

  metrics.gauge('services_apps', () => services.state.apps.size, 'Apps');
  metrics.gauge('services_instances', () => services.state.instances.size, 'Instances');
  metrics.gauge('services_deployments', () => services.state.deployments.size, 'Running deployments');
  metrics.gauge('services_event_subscribers', () => events.subscribers, 'SSE subscribers');
  metrics.gauge('services_leader', () => (leader ? 1 : 0), '1 while this instance leads');

  const http = createServicesHttp({
    services, events, metrics,
    leadership: {
      isLeader: () => leader,
      leader: () => {
        if (leader) return self;
        const l = detector?.leader;
        return l ? `${l.hostname ?? l.address?.hostname}:${l.port}` : leaderAddr;
      },
      abdicate: () => {
        void contender?.withdraw();
        end('abdicated');
      },
    },
    info: () => ({
      name: 'agora-services', version: '1.10.0', buildref: 'agora', elected: leader, leader: leader ? self : (leaderAddr ?? null),
      frameworkId: services.state.frameworkId ?? null,
      marathon_config: { master: opts.master, hostname: host, http_port: opts.httpPort, framework_name: opts.frameworkName, mesos_role: opts.mesosRole, failover_timeout: opts.failoverTimeout / 1000, task_launch_timeout: opts.launchTimeout },
      zookeeper_config: { zk: opts.zk ?? (opts.state?.startsWith('zk://') ? opts.state : null) },
      http_config: { http_port: opts.httpPort },
    }),
  }, () => self);
  try {
    await http.listen({ port: opts.httpPort, host: opts.ip });
  } catch (e) {
    await store.close();
    return err(`cannot listen on ${opts.ip}:${opts.httpPort}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const addr = http.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.httpPort;
  self = `${host}:${port}`;

  let resolveElected: () => void = () => undefined;
  const elected = new Promise<void>((r) => (resolveElected = r));

  const onElected = async (fence: Parameters<StateStore['fenced']>[0] | undefined) => {
    if (closed) return;
    if (fence) repo.use(store.fenced(fence));
    const loaded = await services.load();
    if (!loaded.ok) {
      log.error({ error: loaded.error }, 'cannot load state');
      end(loaded.error);
      return;
    }
    leader = true;
    const scheduler: Scheduler = {
      subscribed: (_d, info) => services.resubscribed(info.frameworkId),
      offers: (_d, offers) => services.offers(offers),
      update: (_d, status) => services.update(status),
      error: (message) => log.error({ message }, 'the master ended the framework'),
    };
    const frameworkId = services.state.frameworkId;
    driver = new SchedulerDriver({
      master: opts.master,
      framework: {
        name: opts.frameworkName, roles: [opts.mesosRole], failover_timeout: opts.failoverTimeout / 1000, checkpoint: true,
        capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }],
        ...(frameworkId !== undefined ? { id: { value: frameworkId } } : {}),
        webui_url: `http://${self}`, hostname: host,
      },
      scheduler,
      onRetry: (reason, delayMs) => log.warn({ reason, delayMs }, 'subscription retry'),
    });
    services.attach(driverPort(driver, log));
    driver.start();
    timers.push(every(clock, opts.tickInterval, () => void services.tick().catch((e: unknown) => log.error({ err: e }, 'tick failed'))));
    timers.push(every(clock, opts.reconciliationInterval, () => {
      if (services.state.frameworkId) void services.resubscribed(services.state.frameworkId);
    }));
    log.info({ self, frameworkId }, 'elected; serving as leader');
    resolveElected();
  };

  const zkUrl = opts.zk ?? (opts.state?.startsWith('zk://') ? opts.state : undefined);
  if (zkUrl !== undefined) {
    const zk = parseZkUrl(zkUrl);
    if (!zk.ok) {
      await http.close();
      await store.close();
      return err(`--zk: ${zk.error}`);
    }
    const info: MasterInfo = { id: randomUUID(), ip: 0, port, hostname: host, pid: `services@${host}:${port}`, address: { hostname: host, port } };
    const common = { servers: zk.value.servers, path: `${zk.value.path}/leader`, ...(zk.value.auth ? { auth: zk.value.auth } : {}), sessionTimeoutMs: opts.zkSessionTimeout };
    contender = createZooKeeperContender({ ...common, info, store, log: log.child({ component: 'contender' }) });
    detector = createZooKeeperDetector({ ...common, log: log.child({ component: 'detector' }) });
    detector.onChange((l) => (leaderAddr = l ? `${l.hostname ?? l.address?.hostname}:${l.port}` : undefined));
  } else {
    contender = createStandaloneContender({ store });
  }
  contender.onElected((l) => void onElected(l.fence).catch((e: unknown) => end(String(e))));
  contender.onLost((reason) => {
    if (!closed) end(`leadership lost: ${reason}`);
  });
  const c = await contender.contend();
  if (!c.ok) {
    await http.close();
    await store.close();
    return err(`cannot contend for leadership: ${c.error.code}: ${c.error.message}`);
  }

  return ok({
    url: `http://${self}`,
    services, events, elected,
    isLeader: () => leader,
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) t.cancel();
      services.close();
      await driver?.stop();
      await contender?.withdraw();
      await detector?.close();
      await http.close();
      await store.close();
    },
  });
}

export const main = (argv: string[]): Promise<number> =>
  runDaemon({ name: 'agora services', usage: 'agora services [flags]', flags: SERVICES_FLAGS, start: (o) => startServices(o) }, argv);

