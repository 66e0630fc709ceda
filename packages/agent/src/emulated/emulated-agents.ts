/**
 * Emulated agents for benchmarks (DESIGN.md §5): the real agent core — registration and
 * re-registration, the task state machine, the status update manager, the channel protocol, one
 * WebSocket each — with a fake containerizer and emulated executors instead of processes, and no
 * HTTP server. Thousands run in one process; each keeps only its core's maps and its channel.
 */
import { err, internal, ok, type Result } from '@agora/protocol';
import { createMasterDetector } from '@agora/state';
import { connectChannel, Limiter, silentLogger, systemClock, type Clock, type Logger } from '@agora/runtime';
import { parseAttributes } from '../attributes.ts';
import { FakeContainerizer } from '../containerizer/fake.ts';
import { AgentCore } from '../core/agent-core.ts';
import { NO_SANDBOXES, SandboxLayout } from '../core/sandbox.ts';
import { randomIds } from '../ids.ts';
import { parseMasterAddress } from '../master/master-address.ts';
import { zkDialer, type MasterDialer } from '../master/leader-connector.ts';
import { MasterLink, type Connector } from '../master/link.ts';
import { parseResourcesFlag } from '../resource-detection.ts';
import { startEmulatedExecutor } from './emulated-executor.ts';

export interface EmulatedAgentsOptions {
  /** The master, `host:port`, or `zk://…/path` to follow the leader. */
  master: string;
  count: number;
  /** Each agent's resources, Mesos text or JSON (default `cpus:8;mem:16384;disk:102400;ports:[31000-32000]`). */
  resources?: string;
  /** Each agent's attributes, e.g. `rack:r1`; `{i}` in a value is replaced by the agent's index. */
  attributes?: string;
  /** Hostnames are `<prefix><index>` (default `emulated-agent-`). */
  hostnamePrefix?: string;
  /** Connection attempts in flight at once (default 64). */
  connectConcurrency?: number;
  registrationBackoffFactorMs?: number;
  statusUpdateRetryMinMs?: number;
  statusUpdateRetryMaxMs?: number;
  /** Completed executors kept per framework (default 10: keeps memory flat under load). */
  maxCompletedExecutorsPerFramework?: number;
  logger?: Logger;
  clock?: Clock;
  /** Replaces the WebSocket connection (tests: a MemoryChannelPair per agent). */
  connect?: (index: number) => Connector;
}

export interface EmulatedAgent {
  readonly index: number;
  readonly hostname: string;
  readonly core: AgentCore;
  agentId(): string | undefined;
  readonly registered: boolean;
}

export interface EmulatedAgents {
  readonly agents: readonly EmulatedAgent[];
  /** Resolves when every agent has registered once. */
  allRegistered(): Promise<void>;
  /** Counts for progress reports. */
  stats(): { registered: number; tasksRunning: number; executors: number };
  close(): Promise<void>;
}

export async function startEmulatedAgents(opts: EmulatedAgentsOptions): Promise<Result<EmulatedAgents, string>> {
  const master = parseMasterAddress(opts.master);
  if (!master.ok) return err(`master: ${master.error}`);
  if (!Number.isInteger(opts.count) || opts.count < 0) return err(`count: expected a non-negative integer, got ${opts.count}`);
  const resources = parseResourcesFlag(opts.resources ?? 'cpus:8;mem:16384;disk:102400;ports:[31000-32000]', '*');
  if (!resources.ok) return err(`resources: ${resources.error}`);
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentLogger;
  const limiter = new Limiter(opts.connectConcurrency ?? 64);
  const prefix = opts.hostnamePrefix ?? 'emulated-agent-';
  const layout = new SandboxLayout('/emulated');
  const agents: Array<EmulatedAgent & { link: MasterLink; containers: FakeContainerizer }> = [];
  // With zk://, one detector (one ZooKeeper session) serves every agent; only the dial itself is limited.
  let dialer: MasterDialer | undefined;
  if (master.value.zk !== undefined) {
    const detector = createMasterDetector(master.value.zk, { log: logger });
    if (!detector.ok) return err(`master: ${detector.error}`);
    dialer = zkDialer(detector.value, master.value.zk, logger, {
      dial: (url, current) => limiter.run(() => (current() ? connectChannel<internal.MasterMessage, internal.AgentMessage>(url, internal.MasterMessage) : Promise.resolve(err('the leader changed while this dial waited')))),
    });
  }
  const registrations: Promise<string>[] = [];
  for (let i = 0; i < opts.count; i++) {
    const attrs = parseAttributes((opts.attributes ?? '').replace(/\{i\}/g, String(i)));
    if (!attrs.ok) {
      await dialer?.close();
      return err(`attributes: ${attrs.error}`);
    }
    const hostname = `${prefix}${String(i).padStart(5, '0')}`;
    const holder: { core?: AgentCore } = {};
    const containers = new FakeContainerizer({ record: false, onLaunch: (launch) => startEmulatedExecutor(holder.core!, launch, containers) });
    const core = new AgentCore(
      {
        hostname, endpoint: `${hostname}:5051`, port: 5051, resources: resources.value, attributes: attrs.value,
        executorRegistrationTimeoutMs: 60_000, executorShutdownGracePeriodMs: 5_000, executorReregistrationTimeout: '2secs', recoveryTimeout: '15mins',
        statusUpdateRetryMinMs: opts.statusUpdateRetryMinMs ?? 10_000, statusUpdateRetryMaxMs: opts.statusUpdateRetryMaxMs ?? 600_000,
        maxCompletedExecutorsPerFramework: opts.maxCompletedExecutorsPerFramework ?? 10, gcDelayMs: 0, switchUser: false,
        hasDefaultExecutor: true, commandExecutorPath: 'emulated-command-executor',
      },
      { clock, ids: randomIds, logger, containerizer: containers, layout, sandboxes: NO_SANDBOXES },
    );
    holder.core = core;
    const dial: Connector = opts.connect?.(i) ?? (() => connectChannel<internal.MasterMessage, internal.AgentMessage>(master.value.channelUrl, internal.MasterMessage));
    const connect: Connector = opts.connect ? () => limiter.run(dial) : (dialer?.connect ?? (() => limiter.run(dial)));
    const link = new MasterLink({ connect, clock, logger, backoffFactorMs: opts.registrationBackoffFactorMs ?? 1000, handlers: core.masterHandlers });
    dialer?.follow(link);
    core.attachMaster(link);
    registrations.push(new Promise<string>((resolve) => core.onRegistered(resolve)));
    agents.push({
      index: i, hostname, core, link, containers,
      agentId: () => core.agentId,
      get registered() {
        return link.registered;
      },
    });
  }
  for (const a of agents) a.link.start();
  let closing: Promise<void> | undefined;
  return ok({
    agents,
    allRegistered: () => Promise.all(registrations).then(() => undefined),
    stats() {
      let registered = 0;
      let tasksRunning = 0;
      let executors = 0;
      for (const a of agents) {
        if (a.link.registered) registered++;
        for (const fw of a.core.frameworks.values()) {
          executors += fw.executors.size;
          for (const ex of fw.executors.values()) for (const t of ex.launched.values()) if (t.state === 'TASK_RUNNING') tasksRunning++;
        }
      }
      return { registered, tasksRunning, executors };
    },
    close() {
      closing ??= (async () => {
        for (const a of agents) a.link.close('emulated agents stopping');
        await dialer?.close();
        await Promise.all(agents.map(async (a) => {
          const stopped = a.core.stop();
          await a.containers.close();
          await stopped;
        }));
      })();
      return closing;
    },
  });
}
