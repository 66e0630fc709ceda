/**
 * The two ways an agent stops, as Mesos's agent (docs/agent-recovery.md; Slave::finalize and
 * Slave::shutdown):
 *
 *  exit      SIGTERM, SIGINT, `close()` — the agent process goes, its work does not (an upgrade,
 *            a restart). The master link closes first (the master sees the agent disconnect, as
 *            after a crash: checkpointing frameworks' tasks wait for it to come back, the others'
 *            are lost with REASON_AGENT_DISCONNECTED). The executors of frameworks that do not
 *            checkpoint are shut down (no later agent could recover them); the rest keep running —
 *            executor processes, the executor host and its instances, their cgroups — with their
 *            checkpoints and `meta/slaves/latest` as they are, and re-subscribe to the next agent
 *            process within MESOS_RECOVERY_TIMEOUT. Checkpoint writes are synchronous, so there is
 *            nothing to flush: what is on disk when the exit starts is complete.
 *  shutdown  SIGUSR1, `shutdown()`, SHUTDOWN_AGENT from the master — everything goes. The agent
 *            first tells the master it is leaving (UNREGISTER_AGENT, Mesos's UnregisterSlaveMessage;
 *            not when the master itself asked), so the master removes it at once and its tasks are
 *            lost with REASON_AGENT_REMOVED; then every executor gets SHUTDOWN and its grace period,
 *            whatever is left is destroyed (cgroups included), the executor host is shut down and
 *            `meta/slaves/latest` removed, so the next start registers anew.
 *
 * Either way the HTTP server closes last and the returned promise resolves once all is done.
 */
import type { FastifyInstance, Logger } from '@agora/runtime';
import { removeTree } from './checkpoint/files.ts';
import type { MetaLayout } from './checkpoint/paths.ts';
import type { Containerizer } from './containerizer/containerizer.ts';
import type { AgentCore } from './core/agent-core.ts';
import type { DiskWatcher, GarbageCollector } from './core/gc.ts';
import type { MasterLink } from './master/link.ts';

export interface StopParts {
  logger: Logger;
  core: AgentCore;
  containerizer: Containerizer;
  link: MasterLink;
  closeDialer(): Promise<void>;
  gc: GarbageCollector;
  diskWatcher: DiskWatcher;
  app: FastifyInstance;
  meta: MetaLayout;
  executorShutdownGracePeriodMs: number;
}

/** How long a destroy that hangs may hold up an exit. */
const DESTROY_WAIT_MS = 10_000;

export async function exitAgent(p: StopParts): Promise<void> {
  const started = Date.now();
  p.logger.info('agent exiting: executors of checkpointing frameworks keep running for the next agent process');
  p.diskWatcher.stop();
  p.link.close();
  await p.closeDialer();
  const exited = p.core.exit();
  if (!(await within(exited, shutdownWaitMs(p)))) {
    const left = p.core.nonCheckpointingContainers();
    p.logger.warn({ containers: left.length }, 'destroying the executors of non-checkpointing frameworks that did not shut down in time');
    await within(Promise.all(left.map((id) => p.containerizer.destroy(id))), DESTROY_WAIT_MS);
  }
  p.core.detach();
  const kept = p.containerizer.containers().length;
  await p.containerizer.detach?.().catch((e: unknown) => p.logger.error({ err: e }, 'error while detaching from the containers'));
  p.gc.close();
  await closeServer(p.app);
  p.logger.info({ kept, ms: Date.now() - started }, 'agent exited; its executors keep running');
}

export async function shutdownAgent(p: StopParts, why: { reason: string; unregister: boolean }): Promise<void> {
  p.logger.info({ reason: why.reason }, 'agent shutting down: every executor is shut down');
  p.diskWatcher.stop();
  // Unregistered first, as Mesos: the master removes the agent now and offers nothing more on it.
  if (why.unregister && p.core.agentId !== undefined) p.link.send({ type: 'UNREGISTER_AGENT' });
  p.link.close();
  await p.closeDialer();
  const drained = p.core.stop();
  await within(drained, shutdownWaitMs(p));
  await p.containerizer.close().catch((e: unknown) => p.logger.error({ err: e }, 'error while destroying containers'));
  await drained;
  // Nothing of ours runs any more: the next start registers anew (as Mesos removes meta/slaves/latest).
  removeTree(p.meta.latestAgentLink());
  p.gc.close();
  await closeServer(p.app);
  p.logger.info('agent stopped');
}

/** The longest shutdown grace period of any executor (or the agent's default), plus a second. */
function shutdownWaitMs(p: StopParts): number {
  let max = p.executorShutdownGracePeriodMs;
  for (const fw of p.core.frameworks.values()) {
    for (const ex of fw.executors.values()) {
      const ns = ex.info.shutdown_grace_period?.nanoseconds;
      if (ns !== undefined && ns >= 0) max = Math.max(max, ns / 1e6);
    }
  }
  return max + 1000;
}

async function closeServer(app: FastifyInstance): Promise<void> {
  // Long-lived streams and keep-alive sockets must not hold the stop for their timeouts.
  const closed = app.close();
  app.server.closeAllConnections();
  await closed;
}

/** Whether `p` settled within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const settled = await Promise.race([p.then(() => true as const, () => true as const), timeout]);
  clearTimeout(timer);
  return settled;
}
