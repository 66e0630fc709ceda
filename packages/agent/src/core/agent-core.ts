/**
 * The agent core: the one owner of the agent's state (frameworks, executors, tasks, status
 * update streams). Everything that changes it arrives as a synchronous call — a master message,
 * an executor call, a container ending, a timer — and I/O results come back as such calls, after
 * which state read before an `await` is looked up again.
 *
 * The pieces: launch.ts (RUN_TASK, RUN_TASK_GROUP), executor-lifecycle.ts (subscription, updates,
 * kills, shutdown, container exit), views.ts (re-registration and state snapshots).
 */
import {
  formatDurationMs, hasCapability, type AgentCapability, type AgentInfo, type Attribute, type FrameworkInfo, type internal,
  type MasterInfo, type Resource, type TaskState, type TaskStatusReason,
} from '@agora/protocol';
import type { Resources } from '@agora/resources';
import type { Clock, Logger } from '@agora/runtime';
import type { CheckpointHooks } from '../checkpoint/checkpointer.ts';
import type { Containerizer } from '../containerizer/containerizer.ts';
import type { IdSource } from '../ids.ts';
import type { MasterLinkHandlers } from '../master/link.ts';
import { agentStatusUpdate } from '../status-updates/create.ts';
import { StatusUpdateManager } from '../status-updates/manager.ts';
import type { StatusUpdateStore } from '../status-updates/store.ts';
import { MESOS_COMPATIBLE_VERSION } from '../version.ts';
import { containerTerminated, shutdownExecutor } from './executor-lifecycle.ts';
import type { GarbageCollector } from './gc.ts';
import type { FetchTaskUris } from './group-fetch.ts';
import { handleMasterMessage } from './master-messages.ts';
import { applyStatus, completeTask, hasIncompleteTasks, MAX_COMPLETED_FRAMEWORKS, type ExecutorRecord, type FrameworkRecord } from './model.ts';
import type { SandboxLayout, SandboxStore } from './sandbox.ts';
import { reregistrationMessage } from './views.ts';

export interface CoreConfig {
  hostname: string;
  /** `ip:port` of this agent's HTTP API, as executors reach it (set once the server listens). */
  endpoint: string;
  port: number;
  resources: Resources;
  attributes: Attribute[];
  executorRegistrationTimeoutMs: number;
  executorShutdownGracePeriodMs: number;
  executorReregistrationTimeout: string;
  /** How long recovered executors get to re-subscribe after an agent restart. */
  executorReregistrationTimeoutMs?: number;
  recoveryTimeout: string;
  statusUpdateRetryMinMs: number;
  statusUpdateRetryMaxMs: number;
  maxCompletedExecutorsPerFramework: number;
  gcDelayMs: number;
  switchUser: boolean;
  /** Whether the agent's own executors are installed (`--launcher-dir`). */
  hasDefaultExecutor: boolean;
  /** Shown as the command executor's `command.value`. */
  commandExecutorPath: string;
}

export interface CoreDeps {
  clock: Clock;
  ids: IdSource;
  logger: Logger;
  containerizer: Containerizer;
  layout: SandboxLayout;
  sandboxes: SandboxStore;
  gc?: GarbageCollector;
  store?: StatusUpdateStore;
  /** Checkpointing (checkpoint/): called for frameworks with `checkpoint: true` only. */
  checkpoints?: CheckpointHooks;
  /** Fetches a group task's URIs into its task sandbox (group-fetch.ts); without it such groups fail. */
  fetchTaskUris?: FetchTaskUris;
}

/** What the agent sends to the master (the master link, once attached). */
export interface MasterSender {
  send(msg: internal.AgentMessage): boolean;
}

export const AGENT_CAPABILITIES: AgentCapability[] = [{ type: 'MULTI_ROLE' }, { type: 'HIERARCHICAL_ROLE' }, { type: 'RESERVATION_REFINEMENT' }];

export interface CoreCounters {
  tasksFinished: number;
  tasksFailed: number;
  tasksKilled: number;
  tasksLost: number;
  tasksGone: number;
  tasksDropped: number;
  tasksError: number;
  validStatusUpdates: number;
  invalidStatusUpdates: number;
  validFrameworkMessages: number;
  invalidFrameworkMessages: number;
  executorsTerminated: number;
  containerLaunchErrors: number;
}

const TERMINAL_COUNTER: Partial<Record<TaskState, keyof CoreCounters>> = {
  TASK_FINISHED: 'tasksFinished',
  TASK_FAILED: 'tasksFailed',
  TASK_KILLED: 'tasksKilled',
  TASK_LOST: 'tasksLost',
  TASK_GONE: 'tasksGone',
  TASK_GONE_BY_OPERATOR: 'tasksGone',
  TASK_DROPPED: 'tasksDropped',
  TASK_ERROR: 'tasksError',
};

export class AgentCore {
  agentId: string | undefined;
  masterInfo: MasterInfo | undefined;
  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completedFrameworks: FrameworkRecord[] = [];
  checkpointedResources: Resource[] = [];
  readonly statusUpdates: StatusUpdateManager;
  readonly startTime: number;
  readonly counters: CoreCounters = {
    tasksFinished: 0, tasksFailed: 0, tasksKilled: 0, tasksLost: 0, tasksGone: 0, tasksDropped: 0, tasksError: 0,
    validStatusUpdates: 0, invalidStatusUpdates: 0, validFrameworkMessages: 0, invalidFrameworkMessages: 0,
    executorsTerminated: 0, containerLaunchErrors: 0,
  };
  /** Set once the agent is stopping: no new work, no more status updates for ending executors. */
  stopping = false;
  /** Set once the agent process is exiting with its executors left running (`exit`). */
  exiting = false;
  /** Set by `detach`: nothing changes any more; what runs belongs to the next agent process. */
  detached = false;
  /** Called when a framework leaves (`exit` waits for the non-checkpointing ones to go). */
  private frameworkRemovedFns: Array<() => void> = [];
  /** Container exits still being awaited (so `stop` can wait for them). */
  readonly pendingExits = new Set<Promise<void>>();
  private master: MasterSender | undefined;
  private registeredFns: Array<(agentId: string) => void> = [];
  private shutdownFns: Array<(why: string) => void> = [];

  constructor(
    readonly config: CoreConfig,
    readonly deps: CoreDeps,
  ) {
    this.startTime = deps.clock.now();
    this.statusUpdates = new StatusUpdateManager({
      clock: deps.clock,
      retryMinMs: config.statusUpdateRetryMinMs,
      retryMaxMs: config.statusUpdateRetryMaxMs,
      forward: (u) => this.forwardUpdate(u),
      store: deps.store,
    });
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  get now(): number {
    return this.deps.clock.now();
  }

  /** Attaches the master link (after construction: the link needs `masterHandlers`). */
  attachMaster(sender: MasterSender): void {
    this.master = sender;
  }

  sendToMaster(msg: internal.AgentMessage): boolean {
    return this.master?.send(msg) ?? false;
  }

  onRegistered(fn: (agentId: string) => void): void {
    this.registeredFns.push(fn);
  }

  onShutdown(fn: (why: string) => void): void {
    this.shutdownFns.push(fn);
  }

  agentInfo(): AgentInfo {
    const info: AgentInfo = {
      hostname: this.config.hostname,
      port: this.config.port,
      resources: this.config.resources.toProto(),
      attributes: this.config.attributes,
    };
    if (this.agentId !== undefined) info.id = { value: this.agentId };
    return info;
  }

  /** The MasterLink's handlers, bound to this core. */
  readonly masterHandlers: MasterLinkHandlers = {
    registration: () => this.registrationMessage(),
    registered: (info, reregistered) => this.registered(info, reregistered),
    message: (msg) => this.guard(msg.type, () => handleMasterMessage(this, msg)),
    disconnected: (reason) => {
      this.logger.warn({ reason }, 'disconnected from the master');
      this.statusUpdates.pause();
    },
    shutdown: (why) => {
      this.logger.warn({ message: why }, 'the master asked this agent to shut down');
      for (const fn of this.shutdownFns) fn(why);
    },
  };

  private registrationMessage(): internal.AgentMessage {
    if (this.agentId === undefined) {
      return {
        type: 'REGISTER_AGENT',
        register_agent: { agent_info: this.agentInfo(), capabilities: AGENT_CAPABILITIES, version: MESOS_COMPATIBLE_VERSION, checkpointed_resources: this.checkpointedResources },
      };
    }
    return reregistrationMessage(this);
  }

  private registered(info: internal.AgentRegistered, reregistered: boolean): void {
    const id = info.agent_id.value;
    if (this.agentId !== undefined && this.agentId !== id) {
      this.logger.error({ previous: this.agentId, now: id }, 'the master assigned a different agent ID');
    }
    this.agentId = id;
    this.masterInfo = info.master_info;
    this.deps.checkpoints?.agentRegistered(this.agentInfo());
    this.logger.info({ agentId: id, master: info.master_info.hostname }, reregistered ? 're-registered with the master' : 'registered with the master');
    this.statusUpdates.resume();
    for (const fn of this.registeredFns) fn(id);
  }

  /** Runs a promise in the background; a rejection (a bug) is logged, never left unhandled. */
  background(p: Promise<unknown>, what: string): void {
    p.catch((e: unknown) => this.logger.error({ err: e, what }, 'bug: background work failed'));
  }

  /** Runs a handler; a bug in it is logged instead of taking the daemon down. */
  guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.logger.error({ err: e, what }, 'bug: a handler threw');
    }
  }

  // ───────────────────────────── status updates ─────────────────────────────

  private forwardUpdate(update: internal.StatusUpdate): void {
    const task = this.findTask(update.framework_id.value, update.status.task_id.value);
    if (task) {
      task.status_update_state = update.status.state;
      task.status_update_uuid = update.uuid;
    }
    this.sendToMaster({ type: 'STATUS_UPDATE', status_update: { update } });
  }

  /** Generates an update of the agent's own (SOURCE_AGENT) and sends it through the manager. */
  agentUpdate(frameworkId: string, taskId: string, state: TaskState, reason: TaskStatusReason, message: string, executor?: ExecutorRecord): void {
    const update = agentStatusUpdate({
      frameworkId, taskId, state, reason, message, agentId: this.agentId, uuid: this.deps.ids.uuid(), nowMs: this.now,
      ...(executor ? { executorId: executor.id } : {}),
    });
    this.submit(update, executor);
  }

  /**
   * Hands an update to the status update manager and, if it is new, applies it to the task.
   * Returns whether the manager accepted it (new or duplicate), i.e. whether to acknowledge it.
   */
  submit(update: internal.StatusUpdate, executor: ExecutorRecord | undefined): boolean {
    const fw = this.frameworks.get(update.framework_id.value);
    const r = this.statusUpdates.update(update, {
      checkpoint: fw?.info.checkpoint ?? false,
      ...(executor ? { executorId: executor.id, containerId: executor.containerId } : {}),
    });
    if (!r.ok) {
      this.counters.invalidStatusUpdates++;
      this.logger.warn({ taskId: update.status.task_id.value, error: r.error }, 'status update refused');
      return false;
    }
    this.counters.validStatusUpdates++;
    if (!r.value || !executor) return true;
    const before = (executor.launched.get(update.status.task_id.value) ?? executor.terminated.get(update.status.task_id.value))?.state;
    const task = applyStatus(executor, update.status);
    const counter = TERMINAL_COUNTER[update.status.state];
    if (task && counter && (before === undefined || !TERMINAL_COUNTER[before])) this.counters[counter]++;
    const head = this.statusUpdates.head(update.framework_id.value, update.status.task_id.value);
    if (task && head) {
      task.status_update_state = head.status.state;
      task.status_update_uuid = head.uuid;
    }
    return true;
  }

  acknowledgement(ack: internal.StatusUpdateAcknowledgement): void {
    const fid = ack.framework_id.value;
    const tid = ack.task_id.value;
    const r = this.statusUpdates.acknowledgement(fid, tid, ack.uuid);
    if (!r.ok) {
      this.logger.debug({ taskId: tid, error: r.error }, 'ignoring an acknowledgement');
      return;
    }
    const found = this.findExecutorOfTask(fid, tid);
    const task = found?.executor.launched.get(tid) ?? found?.executor.terminated.get(tid);
    const head = this.statusUpdates.head(fid, tid);
    if (task) {
      if (head) {
        task.status_update_state = head.status.state;
        task.status_update_uuid = head.uuid;
      } else {
        delete task.status_update_state;
        delete task.status_update_uuid;
      }
    }
    if (!r.value.terminal || !found) return;
    completeTask(found.executor, tid);
    found.framework.tasks.delete(tid);
    if (found.executor.state === 'TERMINATED' && !hasIncompleteTasks(found.executor)) this.removeExecutor(found.framework, found.executor);
  }

  // ───────────────────────────── frameworks and executors ─────────────────────────────

  /** Finds or creates the framework record; its info is replaced by the newest. */
  ensureFramework(info: FrameworkInfo): FrameworkRecord {
    const id = info.id!.value;
    let fw = this.frameworks.get(id);
    if (!fw) {
      fw = { id, info, state: 'RUNNING', executors: new Map(), completedExecutors: [], tasks: new Map() };
      this.frameworks.set(id, fw);
      if (this.agentId !== undefined) this.deps.gc?.unschedule(this.deps.layout.frameworkDir(this.agentId, id));
    } else {
      fw.info = info;
      this.checkpoints(fw)?.frameworkUpdated(info);
    }
    return fw;
  }

  /** The checkpoint hooks, if this framework checkpoints. */
  checkpoints(fw: FrameworkRecord): CheckpointHooks | undefined {
    return fw.info.checkpoint ? this.deps.checkpoints : undefined;
  }

  findTask(frameworkId: string, taskId: string) {
    const found = this.findExecutorOfTask(frameworkId, taskId);
    return found?.executor.launched.get(taskId) ?? found?.executor.terminated.get(taskId);
  }

  findExecutorOfTask(frameworkId: string, taskId: string): { framework: FrameworkRecord; executor: ExecutorRecord } | undefined {
    const fw = this.frameworks.get(frameworkId);
    const ex = fw?.tasks.get(taskId);
    return fw && ex ? { framework: fw, executor: ex } : undefined;
  }

  isPartitionAware(frameworkId: string): boolean {
    const fw = this.frameworks.get(frameworkId);
    return fw !== undefined && hasCapability(fw.info, 'PARTITION_AWARE');
  }

  /** The executor is gone and all its tasks are complete: keep it only in the completed list. */
  removeExecutor(fw: FrameworkRecord, ex: ExecutorRecord): void {
    if (fw.executors.get(ex.id) !== ex) return;
    ex.registrationTimer?.cancel();
    ex.shutdownTimer?.cancel();
    if (ex.connection && !ex.connection.closed) ex.connection.close();
    ex.connection = undefined;
    fw.executors.delete(ex.id);
    for (const [taskId, holder] of fw.tasks) if (holder === ex) fw.tasks.delete(taskId);
    fw.completedExecutors.push(ex);
    while (fw.completedExecutors.length > this.config.maxCompletedExecutorsPerFramework) fw.completedExecutors.shift();
    this.checkpoints(fw)?.executorRemoved({ frameworkId: fw.id, executorId: ex.id, containerId: ex.containerId });
    this.deps.gc?.schedule(this.config.gcDelayMs, ex.directory);
    if (fw.executors.size === 0) this.removeFramework(fw);
  }

  removeFramework(fw: FrameworkRecord): void {
    if (this.frameworks.get(fw.id) !== fw) return;
    this.frameworks.delete(fw.id);
    this.statusUpdates.cleanup(fw.id);
    this.checkpoints(fw)?.frameworkRemoved(fw.id);
    this.completedFrameworks.push(fw);
    while (this.completedFrameworks.length > MAX_COMPLETED_FRAMEWORKS) this.completedFrameworks.shift();
    if (this.agentId !== undefined) this.deps.gc?.schedule(this.config.gcDelayMs, this.deps.layout.frameworkDir(this.agentId, fw.id));
    for (const fn of this.frameworkRemovedFns) fn();
  }

  registrationTimeoutMessage(): string {
    return `Executor did not register within ${formatDurationMs(this.config.executorRegistrationTimeoutMs)}`;
  }

  /** Shuts every executor down (SHUTDOWN, then destroy after its grace period) and waits for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const fw of this.frameworks.values()) {
      fw.state = 'TERMINATING';
      for (const ex of fw.executors.values()) shutdownExecutor(this, ex);
    }
    while (this.pendingExits.size > 0) await Promise.all([...this.pendingExits]);
    this.statusUpdates.close();
  }

  /**
   * The agent process exits but its executors do not (Mesos's agent exit, e.g. for an upgrade):
   * no new work is taken; the executors of frameworks that do not checkpoint are shut down
   * (SHUTDOWN, their grace period, then destroyed), since no later agent could recover them and
   * their executors give up on a lost agent anyway; those of checkpointing frameworks are left as
   * they are — every change to them is checkpointed synchronously as it happens, so the
   * checkpoint is complete at any moment — for the next agent process to recover. Resolves when
   * the non-checkpointing frameworks are gone (the caller bounds the wait).
   */
  exit(): Promise<void> {
    this.exiting = true;
    const gone = () => ![...this.frameworks.values()].some((fw) => !fw.info.checkpoint);
    for (const fw of [...this.frameworks.values()]) {
      if (fw.info.checkpoint) continue;
      // TERMINATING: their executors' ends are not reported (the updates could not be delivered).
      fw.state = 'TERMINATING';
      for (const ex of [...fw.executors.values()]) {
        if (ex.state === 'TERMINATED') this.removeExecutor(fw, ex);
        else shutdownExecutor(this, ex);
      }
      if (fw.executors.size === 0) this.removeFramework(fw);
    }
    if (gone()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!gone()) return;
        this.frameworkRemovedFns = this.frameworkRemovedFns.filter((f) => f !== check);
        resolve();
      };
      this.frameworkRemovedFns.push(check);
    });
  }

  /** The executors of frameworks that do not checkpoint still here (after `exit`'s wait ran out). */
  nonCheckpointingContainers(): string[] {
    return [...this.frameworks.values()].filter((fw) => !fw.info.checkpoint).flatMap((fw) => [...fw.executors.values()].map((ex) => ex.containerId));
  }

  /**
   * After `exit`: every timer stops and nothing changes any more (container ends and executor
   * calls are ignored), so nothing recorded or checkpointed is touched while the process exits.
   */
  detach(): void {
    this.detached = true;
    for (const fw of this.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        ex.registrationTimer?.cancel();
        ex.shutdownTimer?.cancel();
        ex.registrationTimer = ex.shutdownTimer = undefined;
      }
    }
    this.statusUpdates.close();
  }

  /** For executors the containerizer reported gone without a wait (launch failures). */
  terminatedWithoutContainer(ex: ExecutorRecord, message: string): void {
    containerTerminated(this, ex, { status: -1, message });
  }
}
