/**
 * One agent host of the in-process cluster. The agent *process* is a life: the real AgentCore,
 * MasterLink, status update manager and Checkpointer (real files in a temporary work dir), with a
 * fake containerizer. Killing it (SIGKILL) ends the life — its connection drops, its timers never
 * fire again — while the *host* keeps what outlives a process: the work dir, the boot ID and the
 * executors (`HostExecutor`), which re-subscribe to the next life after a restart, as executors
 * of checkpointing frameworks do.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err, ok, unwrap, type executor, type Result, type TaskInfo, type TaskStatus } from '@agora/protocol';
import { Resources } from '@agora/resources';
import { silentLogger, type Clock, type FakeClock, type Timer } from '@agora/runtime';
import { Checkpointer } from '../../../packages/agent/src/checkpoint/checkpointer.ts';
import { MetaLayout } from '../../../packages/agent/src/checkpoint/paths.ts';
import { recoverAgent, type RecoverOutcome } from '../../../packages/agent/src/checkpoint/recover.ts';
import type { ContainerLaunch } from '../../../packages/agent/src/containerizer/containerizer.ts';
import { FakeContainerizer } from '../../../packages/agent/src/containerizer/fake.ts';
import { AgentCore } from '../../../packages/agent/src/core/agent-core.ts';
import { executorUpdate, subscribe, subscriptionClosed } from '../../../packages/agent/src/core/executor-lifecycle.ts';
import type { ExecutorSink } from '../../../packages/agent/src/core/model.ts';
import { startReregistrationTimers } from '../../../packages/agent/src/core/recovery.ts';
import { NO_SANDBOXES, SandboxLayout } from '../../../packages/agent/src/core/sandbox.ts';
import type { IdSource } from '../../../packages/agent/src/ids.ts';
import { MasterLink, type Connector } from '../../../packages/agent/src/master/link.ts';
import { coreConfig } from '../../../packages/agent/src/testing/core-harness.ts';

/** The shared clock, seen by one agent process: its timers die with it. */
class LifeClock implements Clock {
  alive = true;
  constructor(private readonly clock: FakeClock) {}
  now(): number {
    return this.clock.now();
  }
  setTimer(ms: number, fn: () => void): Timer {
    return this.clock.setTimer(ms, () => {
      if (this.alive) fn();
    });
  }
}

/** A fake containerizer that can "crash the agent" in the middle of a launch. */
class HostContainerizer extends FakeContainerizer {
  /** Set by a test: the agent process dies once this launch starts, before the container exists. */
  dieOnLaunch: (() => void) | undefined;
  /** Called for every container started (the executor process begins). */
  onLaunchHook: ((launch: ContainerLaunch) => void) | undefined;
  override launch(launch: ContainerLaunch): Promise<Result<{ pid: number }, string>> {
    const die = this.dieOnLaunch;
    if (die) {
      this.dieOnLaunch = undefined;
      die();
      return new Promise(() => undefined); // the process is gone: the launch never returns
    }
    const r = super.launch(launch);
    if (this.containers().includes(launch.containerId)) this.onLaunchHook?.(launch);
    return r;
  }
}

let lifeCounter = 0;

/** IDs for one process: unique across lives and hosts, deterministic per run order. */
function lifeIds(): IdSource {
  const life = ++lifeCounter;
  let c = 0;
  let u = 0;
  return {
    containerId: () => `c${life}-${++c}`,
    uuid: () => {
      const b = Buffer.alloc(16);
      b.writeUInt32BE(life, 0);
      b.writeUInt32BE(++u, 12);
      return b.toString('base64');
    },
  };
}

class Life {
  readonly clock: LifeClock;
  readonly core: AgentCore;
  readonly link: MasterLink;
  readonly checkpointer: Checkpointer;
  readonly containerizer = new HostContainerizer();
  recovery: RecoverOutcome | undefined;

  constructor(readonly node: AgentNode, clock: FakeClock, connect: Connector) {
    this.clock = new LifeClock(clock);
    const layout = new MetaLayout(node.workDir);
    this.checkpointer = new Checkpointer(layout, silentLogger, node.bootId);
    this.core = new AgentCore(coreConfig({ hostname: node.name, endpoint: `${node.name}:5051`, resources: unwrap(Resources.parse(node.resources)) }), {
      clock: this.clock, ids: lifeIds(), logger: silentLogger, containerizer: this.containerizer,
      layout: new SandboxLayout(join(node.workDir, 'sandboxes')), sandboxes: NO_SANDBOXES, store: this.checkpointer, checkpoints: this.checkpointer,
    });
    this.link = new MasterLink({ connect, clock: this.clock, logger: silentLogger, backoffFactorMs: 1000, random: () => 0.5, handlers: this.core.masterHandlers });
    this.core.attachMaster(this.link);
  }
}

/** An executor process on the host: it outlives agent processes and answers as a command executor does. */
export class HostExecutor implements ExecutorSink {
  closed = false;
  readonly tasks = new Map<string, TaskInfo>();
  readonly active = new Set<string>();
  /** Updates sent and not yet acknowledged, by uuid. */
  readonly unacked = new Map<string, TaskStatus>();
  /** Tasks with no acknowledged update yet. */
  readonly unackedTasks = new Set<string>();
  readonly received: string[] = [];
  /** Whether LAUNCH makes the task RUNNING at once (else the test calls `run`). */
  autoRun = true;
  exited = false;
  private life: Life | undefined;

  constructor(
    private readonly node: AgentNode,
    readonly frameworkId: string,
    readonly executorId: string,
    readonly containerId: string,
    readonly kind: string,
  ) {}

  /** Subscribes (or re-subscribes after an agent restart) to the agent process `life`. */
  attach(life: Life, resubscribe: boolean): void {
    this.life = life;
    this.closed = false;
    const fw = life.core.frameworks.get(this.frameworkId);
    const ex = fw?.executors.get(this.executorId);
    if (!fw || !ex || ex.containerId !== this.containerId) return;
    const sub: executor.Subscribe = resubscribe
      ? { unacknowledged_tasks: [...this.unackedTasks].map((t) => this.tasks.get(t)!).filter(Boolean), unacknowledged_updates: [...this.unacked.values()].map((status) => ({ status })) }
      : {};
    life.core.guard('host executor subscribe', () => subscribe(life.core, fw, ex, sub, this));
  }

  /**
   * The agent process died: the executor's connection broke (nothing is told to the dead core).
   * An executor of a framework that does not checkpoint cannot be recovered, and exits (Mesos's
   * executor driver does so when it loses a non-checkpointing agent).
   */
  detach(): void {
    this.closed = true;
    this.life = undefined;
    if (!this.checkpoint) this.exit(-1);
  }

  /** Whether the framework checkpoints (known at launch). */
  checkpoint = true;

  send(event: executor.Event): void {
    if (this.closed) return;
    const life = this.life;
    queueMicrotask(() => {
      if (this.life === life && life) life.core.guard('host executor', () => this.handle(event));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const life = this.life;
    const ex = life?.core.frameworks.get(this.frameworkId)?.executors.get(this.executorId);
    if (ex) subscriptionClosed(ex, this);
  }

  /** Sends an update for one of its tasks (the task finishing, failing...); returns it. */
  update(taskId: string, state: TaskStatus['state']): TaskStatus {
    const life = this.life;
    if (!life) throw new Error(`executor ${this.executorId} is not connected to an agent`);
    const fw = life.core.frameworks.get(this.frameworkId)!;
    const ex = fw.executors.get(this.executorId)!;
    const uuid = life.core.deps.ids.uuid();
    const status: TaskStatus = { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', uuid, timestamp: life.core.now / 1000, executor_id: { value: this.executorId } };
    if (state !== 'TASK_RUNNING' && state !== 'TASK_STARTING') this.active.delete(taskId);
    this.unacked.set(uuid, status);
    executorUpdate(life.core, fw, ex, status);
    return status;
  }

  /** Sends an update again, as it was (an executor retrying before the agent's acknowledgement). */
  resend(status: TaskStatus): void {
    const life = this.life;
    if (!life) throw new Error(`executor ${this.executorId} is not connected to an agent`);
    const fw = life.core.frameworks.get(this.frameworkId)!;
    executorUpdate(life.core, fw, fw.executors.get(this.executorId)!, status);
  }

  run(taskId: string): void {
    this.update(taskId, 'TASK_RUNNING');
  }

  private handle(e: executor.Event): void {
    this.received.push(e.type ?? '?');
    switch (e.type) {
      case 'LAUNCH': {
        const t = e.launch!.task;
        this.tasks.set(t.task_id.value, t);
        this.active.add(t.task_id.value);
        this.unackedTasks.add(t.task_id.value);
        if (this.autoRun) this.run(t.task_id.value);
        return;
      }
      case 'KILL':
        if (this.active.has(e.kill!.task_id.value)) this.update(e.kill!.task_id.value, 'TASK_KILLED');
        return;
      case 'SHUTDOWN':
        for (const id of [...this.active]) this.update(id, 'TASK_KILLED');
        return this.exit();
      case 'ACKNOWLEDGED': {
        const status = this.unacked.get(e.acknowledged!.uuid);
        this.unacked.delete(e.acknowledged!.uuid);
        if (status) this.unackedTasks.delete(status.task_id.value);
        if (status && status.state !== 'TASK_RUNNING' && this.active.size === 0 && this.kind === 'command') this.exit();
        return;
      }
      default:
        return;
    }
  }

  /** The executor process exits (`status` as wait(2) reports it). */
  exit(status = 0): void {
    if (this.exited) return;
    this.exited = true;
    this.node.containers.delete(this.containerId);
    const life = this.life;
    this.close();
    if (life && this.node.life === life) life.containerizer.exit(this.containerId, status, 'Executor exited');
  }
}

export class AgentNode {
  /** In memory when the machine has /dev/shm: checkpoints fsync, and these tests must stay fast. */
  readonly workDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'agora-faults-'));
  bootId = 'boot-1';
  life: Life | undefined;
  /** Executor processes running on this host, by container ID. */
  readonly containers = new Map<string, HostExecutor>();
  /** Whether executors re-subscribe by themselves after an agent restart. */
  executorsReconnect = true;
  /** Processes with a PID a recovering agent might mistake for its executors' (after a reboot). */
  readonly pidLookalikes = new Set<string>();
  lives = 0;
  /** The agent's own ZooKeeper session is gone: it knows no leader (see `loseZkSession`). */
  zkCut = false;

  constructor(
    readonly name: string,
    readonly resources: string,
    private readonly clock: FakeClock,
    private readonly connect: Connector,
  ) {}

  get core(): AgentCore {
    if (!this.life) throw new Error(`${this.name} is not running`);
    return this.life.core;
  }

  get running(): boolean {
    return this.life !== undefined;
  }

  get agentId(): string | undefined {
    return this.life?.core.agentId;
  }

  get registered(): boolean {
    return this.life?.link.registered ?? false;
  }

  /** Starts an agent process: recovers from the work dir (`--recover=reconnect`), then registers. */
  async start(opts: { strict?: boolean } = {}): Promise<Result<RecoverOutcome, string>> {
    if (this.life) throw new Error(`${this.name} is already running`);
    const life = new Life(this, this.clock, this.connect);
    for (const id of [...this.containers.keys(), ...this.pidLookalikes]) life.containerizer.survivors.add(id);
    life.containerizer.onLaunchHook = (launch) => this.launched(life, launch);
    const r = await recoverAgent({
      core: life.core, checkpointer: life.checkpointer, layout: new MetaLayout(this.workDir), containerizer: life.containerizer,
      mode: 'reconnect', strict: opts.strict ?? true, bootId: this.bootId, logger: silentLogger,
    });
    if (!r.ok) return err(r.error);
    life.recovery = r.value;
    this.life = life;
    this.lives++;
    life.link.start();
    if (this.executorsReconnect) {
      for (const c of this.containers.values()) if (life.core.frameworks.get(c.frameworkId)?.executors.get(c.executorId)?.containerId === c.containerId) c.attach(life, true);
    }
    startReregistrationTimers(life.core);
    return ok(r.value);
  }

  private launched(life: Life, launch: ContainerLaunch): void {
    const hx = new HostExecutor(this, launch.frameworkId, launch.executorId, launch.containerId, launch.kind);
    hx.checkpoint = life.core.frameworks.get(launch.frameworkId)?.info.checkpoint ?? false;
    this.containers.set(launch.containerId, hx);
    queueMicrotask(() => {
      if (this.life === life) hx.attach(life, false);
    });
  }

  /** SIGKILL the agent process: its connection drops, executors lose their subscription and keep running. */
  kill(): void {
    const life = this.life;
    if (!life) return;
    this.life = undefined;
    life.clock.alive = false;
    life.link.close('agent killed');
    life.core.statusUpdates.close();
    for (const c of this.containers.values()) c.detach();
  }

  /** The agent dies in the middle of the next container launch (after checkpointing the task). */
  dieOnNextLaunch(): void {
    if (!this.life) throw new Error(`${this.name} is not running`);
    this.life.containerizer.dieOnLaunch = () => this.kill();
  }

  /** The host reboots: a new boot ID, every process gone (a foreign process may reuse a PID: `pidLookalikes`). */
  reboot(): void {
    this.kill();
    this.bootId = `boot-${Number(this.bootId.split('-')[1]) + 1}`;
    for (const id of this.containers.keys()) this.pidLookalikes.add(id);
    this.containers.clear();
  }

  /**
   * The agent's ZooKeeper session expires: its detector reports no leader, so it drops its
   * channel and ignores masters until `regainZkSession` (Mesos's MasterDetectorExpireSlaveZKSession).
   */
  loseZkSession(): void {
    this.zkCut = true;
    this.life?.link.reconnect('no master leads (ZooKeeper session expired)');
  }

  regainZkSession(): void {
    this.zkCut = false;
  }

  executorOf(taskId: string): HostExecutor | undefined {
    return [...this.containers.values()].find((c) => c.tasks.has(taskId));
  }

  remove(): void {
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
