/**
 * Starting a master: flags → validated config → the Master core, its allocator, its HTTP server
 * (scheduler, operator and legacy endpoints, the agent channel) → listening.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { parseMinAllocatableResources } from '@agora/allocator';
import { err, internal, ok, packMasterIp, type MasterInfo, type Result } from '@agora/protocol';
import {
  acceptChannels, createHttpServer, createLogger, MetricsRegistry, systemClock, type DaemonHandle, type LogLevel,
} from '@agora/runtime';
import { acceptAgentChannel } from './agents/channel.ts';
import { AllocatorAdapter } from './allocation/adapter.ts';
import { compileConfig } from './config.ts';
import { flagsForDisplay, type MasterOptions } from './flags.ts';
import { legacyEndpoints } from './http/legacy-endpoints.ts';
import { standalone } from './http/leadership.ts';
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

export async function startMaster(options: MasterOptions): Promise<Result<MasterHandle, string>> {
  const min = parseMinAllocatableResources(options.minAllocatableResources);
  if (!min.ok) return err(min.error);
  const config = compileConfig(options, min.value);
  if (!config.ok) return config;
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

  const flags = flagsForDisplay(options);
  const leadership = standalone(`//${hostname}:${port}`);
  const app = createHttpServer();
  schedulerEndpoint(app, master, leadership, { recovering: () => false });
  operatorEndpoint(app, master, leadership, metrics, flags);
  legacyEndpoints(app, master, leadership, metrics, flags);
  acceptChannels<internal.AgentMessage, internal.MasterMessage>(app, internal.AGENT_CHANNEL_PATH, internal.AgentMessage, (ch) => acceptAgentChannel(master, ch), {
    admit: () => (master.isStopped ? 503 : undefined),
  });
  app.setErrorHandler((e: unknown, _req, reply) => {
    const status = typeof (e as { statusCode?: unknown }).statusCode === 'number' ? (e as { statusCode: number }).statusCode : 500;
    if (status >= 500) log.error({ err: e }, 'request failed');
    const message = e instanceof Error ? e.message : 'Bad request';
    reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(status >= 500 ? 'Internal error' : message);
  });

  try {
    await app.listen({ host: ip, port });
  } catch (e) {
    return err(`cannot listen on ${ip}:${port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  master.startAllocationLoop();
  const url = `http://${ip}:${port}`;
  log.info({ url, id, version: VERSION.agora }, 'master started');
  let closed = false;
  return ok({
    url,
    port,
    master,
    async close() {
      if (closed) return;
      closed = true;
      master.stop();
      await app.close();
      log.info('master stopped');
      log.flush?.();
    },
  });
}
