/**
 * Starting a master: flags → validated config → the Master core, its allocator, its HTTP server
 * (scheduler, operator and legacy endpoints, the agent channel) → listening.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseMinAllocatableResources } from '@agora/allocator';
import { err, internal, ok, packMasterIp, type MasterInfo, type Result } from '@agora/protocol';
import {
  acceptChannels, createHttpServer, createLogger, MetricsRegistry, systemClock, type DaemonHandle, type LogLevel,
} from '@agora/runtime';
import { acceptAgentChannel } from './agents/channel.ts';
import { AllocatorAdapter } from './allocation/adapter.ts';
import { compileConfig, compileHa } from './config.ts';
import { flagsForDisplay, type MasterOptions } from './flags.ts';
import { plainTextErrors } from './http/error-handler.ts';
import { legacyEndpoints } from './http/legacy-endpoints.ts';
import { ElectedLeadership, standalone, type Leadership } from './http/leadership.ts';
import { openBackends } from './ha/backends.ts';
import { contend, leadAlone } from './ha/election.ts';
import { operatorEndpoint } from './http/operator-endpoint.ts';
import { schedulerEndpoint } from './http/scheduler-endpoint.ts';
import { Master } from './master.ts';
import { registerMasterMetrics } from './metrics.ts';
import { OperatorEvents } from './operator/event-stream.ts';
import { VERSION } from './version.ts';

export interface MasterHandle extends DaemonHandle {
  readonly master: Master;
  readonly port: number;
}

/** A port the OS says is free right now (for --port=0). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface MasterHooks {
  /**
   * Called when the master must stop acting as leader (lost leadership, a failed registry write):
   * it has already stopped serving. Default: exit(1), for a supervisor to restart it.
   */
  exit?: (code: number, reason: string) => void;
}

export async function startMaster(options: MasterOptions, hooks: MasterHooks = {}): Promise<Result<MasterHandle, string>> {
  const min = parseMinAllocatableResources(options.minAllocatableResources);
  if (!min.ok) return err(min.error);
  const config = compileConfig(options, min.value);
  if (!config.ok) return config;
  const ha = compileHa(options);
  if (!ha.ok) return ha;
  const ip = options.ip;
  if (packMasterIp(ip) === undefined) return err(`--ip: '${ip}' is not an IPv4 address`);
  const port = options.port === 0 ? await freePort(ip) : options.port;
  const hostname = options.hostname ?? ip;
  const log = createLogger('agora-master', { level: options.logLevel as LogLevel });
  const id = randomUUID();
  const info: MasterInfo = {
    id,
    ip: packMasterIp(ip)!,
    port,
    pid: `master@${ip}:${port}`,
    hostname,
    version: VERSION.mesos,
    address: { hostname, ip, port },
    capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
  };
  const metrics = new MetricsRegistry();
  const allocator = new AllocatorAdapter(
    {
      minAllocatableResources: min.value,
      filterGpuResources: options.filterGpuResources,
      fairnessExcludeResourceNames: options.fairSharingExcludedResourceNames,
      roleSorter: options.roleSorter as 'drf' | 'random',
      frameworkSorter: options.frameworkSorter as 'drf' | 'random',
      allocationIntervalMs: config.value.allocationIntervalMs,
    },
    randomInt(2 ** 31),
    log.child({ component: 'allocator' }),
  );
  const master = new Master({
    config: config.value,
    clock: systemClock,
    allocator,
    uuid: randomUUID,
    log,
    metrics,
    masterInfo: info,
    events: new OperatorEvents(systemClock, config.value.heartbeatIntervalMs, config.value.maxOperatorSubscribers),
  });
  registerMasterMetrics(metrics, master);

  const backends = await openBackends(ha.value, info, log);
  if (!backends.ok) return backends;
  const { store, election } = backends.value;
  const elected = election ? new ElectedLeadership(info) : undefined;
  if (elected) {
    master.leading = false; // a standby until elected
    master.recovered = false;
  }
  const leadership: Leadership = elected ?? standalone(`//${hostname}:${port}`);
  let aborted = false;
  master.abort = (reason) => {
    if (aborted) return;
    aborted = true;
    log.fatal({ reason }, reason);
    if (elected) elected.state = 'deposed';
    master.leading = false;
    master.stop();
    if (hooks.exit) {
      hooks.exit(1, reason);
      return;
    }
    process.stderr.write(`agora master: ${reason}\n`);
    // Exit once the log is written; a log that cannot flush must not keep a deposed master alive.
    const exit = () => process.exit(1);
    setTimeout(exit, 500).unref();
    log.flush(exit);
  };
  const releaseBackends = async () => {
    if (election) {
      await election.contender.withdraw();
      await election.detector.close();
    }
    await store?.close();
  };
  if (!election && store) {
    // A single master with a durable registry recovers it before serving anything.
    const r = await leadAlone(master, store);
    if (!r.ok) {
      await releaseBackends();
      return r;
    }
  }

  const flags = flagsForDisplay(options);
  const app = createHttpServer();
  schedulerEndpoint(app, master, leadership, { recovering: (id) => master.isRecovering(id) });
  operatorEndpoint(app, master, leadership, metrics, flags);
  legacyEndpoints(app, master, leadership, metrics, flags);
  acceptChannels<internal.AgentMessage, internal.MasterMessage>(app, internal.AGENT_CHANNEL_PATH, internal.AgentMessage, (ch) => acceptAgentChannel(master, ch), {
    // Agents find the leader through ZooKeeper at about the moment this master does, sometimes a
    // little before: with ZooKeeper a master that has not been deposed takes agents' channels, and
    // their messages wait until it leads and has recovered (a standby's wait; the agent's own
    // detector moves it to the leader if it dialed the wrong master).
    admit: () => (master.isStopped || elected?.state === 'deposed' ? 503 : master.leading || elected ? undefined : 503),
  });
  plainTextErrors(app, log);

  try {
    await app.listen({ host: ip, port });
  } catch (e) {
    await releaseBackends();
    return err(`cannot listen on ${ip}:${port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // A blocked event loop starves the ZooKeeper session (a leader that cannot answer for 2/3 of
  // the session timeout steps down): say so in the log when it happens.
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  const lagTimer = setInterval(() => {
    const maxMs = lag.max / 1e6;
    if (maxMs > 1000) log.warn({ maxMs: Math.round(maxMs) }, 'the event loop was blocked');
    lag.reset();
  }, 2000);
  lagTimer.unref();
  if (election && elected) {
    void contend(master, elected, { contender: election.contender, detector: election.detector, store });
  } else if (!store) {
    master.startAllocationLoop();
  }
  const url = `http://${ip}:${port}`;
  log.info({ url, id, version: VERSION.agora, zk: flags.zk, registry: ha.value.registry.kind }, election ? 'master started; contending for leadership' : 'master started');
  let closed = false;
  return ok({
    url,
    port,
    master,
    async close() {
      if (closed) return;
      closed = true;
      master.stop();
      clearInterval(lagTimer);
      lag.disable();
      await releaseBackends();
      await app.close();
      log.info('master stopped');
      log.flush?.();
    },
  });
}
