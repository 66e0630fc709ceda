/**
 * The master's state owner. Every piece of master state (frameworks, agents, tasks, offers) lives
 * here and is mutated synchronously, from one place, as Mesos's master actor does; handlers for
 * scheduler calls (scheduler/), agent messages (agents/) and operator calls (operator/) are
 * functions over this object. I/O reaches it only as method calls, and leaves it only through
 * the framework streams, the agent channels and the operator event streams.
 *
 * Time comes from the injected Clock and randomness from the injected RNG/UUID source, so the
 * whole master runs deterministically in tests.
 */
import {
  PARTITION_AWARE_STATES, encodeJson, isTerminalState,
  type AgentID, type ExecutorID, type MasterInfo, type Offer, type TaskState, type TaskStatus, type TaskStatusReason,
  type internal, type QuotaConfig, type scheduler,
} from '@agora/protocol';
import { Resources } from '@agora/resources';
import type { Clock, Logger, MetricsRegistry, Timer } from '@agora/runtime';
import { AgentRemovals } from './agents/removal-limit.ts';
import type { AllocatorPort, OfferDecision } from './allocation/port.ts';
import type { MasterConfig } from './config.ts';
import type { AgentRecord } from './registry/agent.ts';
import { BoundedList } from './registry/bounded.ts';
import { FrameworkRecord } from './registry/framework.ts';
import { applyStatus, taskView, type TaskRecord } from './registry/task.ts';
import type { OperatorEvents } from './operator/event-stream.ts';
import { sendInverseOffer, withdrawInverseOffersOf } from './maintenance/inverse-offers.ts';
import { MaintenanceState } from './maintenance/state.ts';
import { startRegistryGc } from './registrar/gc.ts';
import type { RegistryOp, RegistryPort } from './registrar/registrar.ts';

export interface MasterDeps {
  config: MasterConfig;
  clock: Clock;
  allocator: AllocatorPort;
  /** Random UUID text (stream IDs, the master ID). */
  uuid: () => string;
  log: Logger;
  metrics: MetricsRegistry;
  masterInfo: MasterInfo;
  events: OperatorEvents;
}

export interface OfferRecord {
  readonly offer: Offer;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  readonly resources: Resources;
  readonly createdAt: number;
  timeout: Timer | undefined;
}

export interface UnreachableAgent {
  readonly info: internal.RegisterAgent['agent_info'];
  readonly at: number;
}

/** An agent the registry says was admitted, not yet re-registered with this master (Mesos `slaves.recovered`). */
export interface RecoveredAgent {
  readonly info: internal.RegisterAgent['agent_info'];
  readonly deactivated: boolean;
}

/** Messages that waited for the registry run at most this many (or this long) per event-loop turn. */
const RECOVERY_SLICE_MAX = 256;
const RECOVERY_SLICE_MS = 20;

export class Master {
  readonly config: MasterConfig;
  readonly clock: Clock;
  readonly allocator: AllocatorPort;
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
  readonly info: MasterInfo;
  readonly events: OperatorEvents;
  readonly uuid: () => string;
  readonly startTime: number;
  electedTime: number;

  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completedFrameworks: BoundedList<FrameworkRecord>;
  readonly agents = new Map<string, AgentRecord>();
  readonly unreachableAgents = new Map<string, UnreachableAgent>();
  readonly goneAgents = new Map<string, number>();
  readonly offers = new Map<string, OfferRecord>();
  /** Quota configs by top-level role (GET_QUOTA; persisted by the registry in HA mode). */
  readonly quotas = new Map<string, QuotaConfig>();
  /** Agents recovered from the registry after this master was elected, until they re-register or time out. */
  readonly recoveredAgents = new Map<string, RecoveredAgent>();
  /** Agents waiting to be marked unreachable under --agent-removal-rate-limit (agents/removal-limit.ts). */
  readonly agentRemovals: AgentRemovals;
  /** The maintenance schedule, machine modes and outstanding inverse offers (maintenance/). */
  readonly maintenance = new MaintenanceState();
  /**
   * The durable registry (registrar/). Undefined with `--registry=in_memory`: then nothing waits
   * for a write and every transition happens synchronously.
   */
  registry: RegistryPort | undefined;
  /**
   * Whether this master acts as the leader. A standalone master always does; with ZooKeeper it
   * does from its election (after recovering the registry) until it loses leadership.
   */
  leading = true;
  /**
   * Whether this leader has read the registry. Until then agents' messages wait (`afterRecovery`)
   * and scheduler calls get 503. Masters without a registry to read are recovered from the start.
   */
  recovered = true;
  private recoveryWaiters: Array<() => void> = [];
  /**
   * Stop acting as leader at once (leadership lost, a registry write failed). The daemon shell
   * replaces this with "stop and exit" (Mesos: "committing suicide"); the default stops the master.
   */
  abort: (reason: string) => void = (reason) => {
    this.log.error({ reason }, 'master aborting');
    this.leading = false;
    this.stop();
  };

  private frameworkSeq = 0;
  private agentSeq = 0;
  private offerSeq = 0;
  private allocationPending: Set<string> | 'all' | undefined;
  private allocationTimer: Timer | undefined;
  private registryGcTimer: Timer | undefined;
  private stopped = false;

  /** Event counters (master/* metrics that are not derivable from state). */
  readonly counters = {
    slaveRegistrations: 0,
    slaveReregistrations: 0,
    slaveRemovals: 0,
    slaveUnreachableScheduled: 0,
    slaveUnreachableCompleted: 0,
    /** Agents scheduled to be marked unreachable that answered before their turn (--agent-removal-rate-limit). */
    slaveUnreachableCanceled: 0,
    validStatusUpdates: 0,
    invalidStatusUpdates: 0,
    validStatusUpdateAcknowledgements: 0,
    invalidStatusUpdateAcknowledgements: 0,
    droppedMessages: 0,
    /** REGISTER_AGENT / REREGISTER_AGENT messages received, retries included (Mesos's messages_(re)register_slave). */
    messagesRegisterSlave: 0,
    messagesReregisterSlave: 0,
    tasksByTerminalState: new Map<TaskState, number>(),
  };

  constructor(deps: MasterDeps) {
    this.config = deps.config;
    this.clock = deps.clock;
    this.allocator = deps.allocator;
    this.log = deps.log;
    this.metrics = deps.metrics;
    this.info = deps.masterInfo;
    this.events = deps.events;
    this.uuid = deps.uuid;
    this.startTime = deps.clock.now();
    this.electedTime = this.startTime;
    this.completedFrameworks = new BoundedList(deps.config.maxCompletedFrameworks);
    this.agentRemovals = new AgentRemovals(deps.config.agentRemovalRateLimit);
  }

  get id(): string {
    return this.info.id;
  }

  // ───────────────────────────── identifiers ─────────────────────────────

  nextFrameworkId(): string {
    return `${this.id}-${String(this.frameworkSeq++).padStart(4, '0')}`;
  }

  nextAgentId(): string {
    return `${this.id}-S${this.agentSeq++}`;
  }

  nextOfferId(): string {
    return `${this.id}-O${this.offerSeq++}`;
  }

  /**
   * Writes `op` to the registry, then runs `then` — or runs it at once without a registry. A
   * failed write aborts the master (`onFailure` runs first, e.g. to answer a pending request).
   * `then` must re-check any state it read before the write.
   */
  persist(op: RegistryOp, then: () => void, onFailure?: (why: string) => void): void {
    if (!this.registry) {
      then();
      return;
    }
    this.registry.apply(op).then(
      (r) => {
        if (this.stopped) return;
        if (r.ok) then();
        else {
          onFailure?.(r.error);
          this.abort(`registry write failed: ${r.error}`);
        }
      },
      (e: unknown) => {
        onFailure?.(String(e));
        this.abort(`registry write threw: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }

  /**
   * Runs `fn` once the registry is recovered and everything that waited for it has run (at once
   * if so), in the order of the calls.
   */
  afterRecovery(fn: () => void): void {
    if (this.awaitingRecovery) this.recoveryWaiters.push(fn);
    else fn();
  }

  /** Whether agents' messages must wait: the registry is being read, or what waited for it is still being handled. */
  get awaitingRecovery(): boolean {
    return !this.recovered || this.recoveryWaiters.length > 0;
  }

  /**
   * The registry has been read: run what waited for it. After a failover that is most agents'
   * re-registrations (10,000 agents, seconds of work), so they run in slices with the event loop
   * turning in between: the ZooKeeper session keeps being answered (a leader silent for 2/3 of
   * its session timeout steps down), replies go out as each slice ends (fewer agents retry), and
   * messages that arrive meanwhile queue behind the waiting ones, so each channel's order holds.
   */
  markRecovered(): void {
    this.recovered = true;
    this.runRecoveryWaiters();
  }

  private runRecoveryWaiters(): void {
    const started = this.clock.now();
    const queue = this.recoveryWaiters;
    let ran = 0;
    while (ran < queue.length) {
      if (this.stopped) return;
      if (ran >= RECOVERY_SLICE_MAX || (ran > 0 && this.clock.now() - started >= RECOVERY_SLICE_MS)) break;
      // (A waiter that queues more work appends it behind the rest of the queue.)
      queue[ran++]!();
    }
    queue.splice(0, ran);
    if (queue.length > 0 && !this.stopped) this.clock.setTimer(0, () => this.runRecoveryWaiters());
  }

  /**
   * Whether reconciliation must stay silent about a task on this agent (reconciliation table
   * case 2): the agent is recovered but has not re-registered, or no agent was named and any is.
   */
  isRecovering(agentId: string | undefined): boolean {
    return agentId === undefined ? this.recoveredAgents.size > 0 : this.recoveredAgents.has(agentId);
  }

  /** Seconds since the epoch, as Mesos timestamps are. */
  nowSeconds(): number {
    return this.clock.now() / 1000;
  }

  // ───────────────────────────── framework streams ─────────────────────────────

  /** Sends one event on the framework's subscription stream; dropped if it is not connected. */
  sendEvent(fw: FrameworkRecord, event: scheduler.Event): void {
    if (!fw.stream || fw.stream.closed) {
      this.counters.droppedMessages++;
      return;
    }
    fw.count('events', event.type ?? 'UNKNOWN');
    fw.stream.send(encodeJson(event));
  }

  /**
   * A status update generated by the master (no uuid, never retried). States a framework that is
   * not PARTITION_AWARE cannot understand become TASK_LOST, as Mesos does.
   */
  masterStatus(
    fw: FrameworkRecord,
    taskId: string,
    state: TaskState,
    reason: TaskStatusReason,
    message: string,
    extra: { agentId?: string; executorId?: string; unreachableTime?: number; healthy?: boolean } = {},
  ): TaskStatus {
    const effective = !fw.partitionAware && PARTITION_AWARE_STATES.includes(state) ? 'TASK_LOST' : state;
    const status: TaskStatus = {
      task_id: { value: taskId },
      state: effective,
      source: 'SOURCE_MASTER',
      reason,
      message,
      timestamp: this.nowSeconds(),
    };
    if (extra.agentId !== undefined) status.agent_id = { value: extra.agentId } satisfies AgentID;
    if (extra.executorId !== undefined) status.executor_id = { value: extra.executorId } satisfies ExecutorID;
    if (extra.unreachableTime !== undefined) status.unreachable_time = { nanoseconds: Math.round(extra.unreachableTime * 1e6) };
    if (extra.healthy !== undefined) status.healthy = extra.healthy;
    return status;
  }

  sendUpdate(fw: FrameworkRecord, status: TaskStatus): void {
    this.sendEvent(fw, { type: 'UPDATE', update: { status } });
  }

  // ───────────────────────────── agents ─────────────────────────────

  sendToAgent(agent: AgentRecord, msg: internal.MasterMessage): boolean {
    if (!agent.connected) {
      this.counters.droppedMessages++;
      return false;
    }
    agent.channel!.send(msg);
    return true;
  }

  // ───────────────────────────── tasks ─────────────────────────────

  /** Records a newly launched (or re-registered) task on its framework and agent. */
  addTask(fw: FrameworkRecord, agent: AgentRecord, t: TaskRecord): void {
    fw.tasks.set(t.task.task_id.value, t);
    agent.addTask(t);
    if (this.events.count > 0) this.events.publish({ type: 'TASK_ADDED', task_added: { task: taskView(t) } });
  }

  /**
   * Applies a status to a known task: records it, releases the task's resources at the first
   * terminal state, and publishes TASK_UPDATED.
   */
  updateTask(fw: FrameworkRecord, t: TaskRecord, status: TaskStatus, latestState: TaskState | undefined): void {
    const before = t.task.state;
    applyStatus(t, status, latestState);
    if (isTerminalState(t.task.state) && !isTerminalState(before)) {
      this.counters.tasksByTerminalState.set(t.task.state, (this.counters.tasksByTerminalState.get(t.task.state) ?? 0) + 1);
    }
    if (isTerminalState(t.task.state)) this.releaseTask(t);
    this.events.publish({
      type: 'TASK_UPDATED',
      task_updated: { framework_id: { value: fw.id }, status, state: t.task.state },
    });
  }

  /** Returns a task's resources to the allocator (once). */
  releaseTask(t: TaskRecord): void {
    if (t.released) return;
    t.released = true;
    const agentId = t.task.agent_id.value;
    if (this.agents.has(agentId) && this.frameworks.has(t.task.framework_id.value)) {
      this.allocator.recoverResources(t.task.framework_id.value, agentId, t.resources, undefined, this.clock.now());
    }
  }

  /** Moves a task out of the active set into the framework's completed tasks. */
  completeTask(fw: FrameworkRecord | undefined, t: TaskRecord): void {
    this.releaseTask(t);
    const fid = t.task.framework_id.value;
    const tid = t.task.task_id.value;
    this.agents.get(t.task.agent_id.value)?.removeTask(fid, tid);
    if (fw) {
      fw.tasks.delete(tid);
      fw.unreachableTasks.delete(tid);
      fw.completedTasks.push(t);
    }
  }

  /** Finds a task by framework and ID among active and unreachable tasks. */
  findTask(fw: FrameworkRecord, taskId: string): TaskRecord | undefined {
    return fw.tasks.get(taskId) ?? fw.unreachableTasks.get(taskId);
  }

  // ───────────────────────────── offers ─────────────────────────────

  /** Turns allocator decisions into offers and sends one OFFERS event per framework. */
  makeOffers(decisions: readonly OfferDecision[]): void {
    const byFramework = new Map<FrameworkRecord, Offer[]>();
    const now = this.clock.now();
    for (const d of decisions) {
      const fw = this.frameworks.get(d.frameworkId);
      const agent = this.agents.get(d.agentId);
      if (!fw || !agent || !fw.connected || !agent.active) {
        // Offers to a framework or agent that went away meanwhile return at once, unfiltered.
        if (fw && agent) this.allocator.recoverResources(d.frameworkId, d.agentId, d.resources, undefined, now);
        continue;
      }
      const id = this.nextOfferId();
      const offer: Offer = {
        id: { value: id },
        framework_id: { value: fw.id },
        agent_id: { value: agent.id },
        hostname: agent.hostname,
        url: { scheme: 'http', address: { hostname: agent.hostname, ip: agent.ip, port: agent.port }, path: '/slave(1)' },
        resources: d.resources.toProto(fw.refinement ? 'POST_REFINEMENT' : 'PRE_REFINEMENT'),
      };
      if (agent.info.domain) offer.domain = agent.info.domain;
      if (agent.unavailability) offer.unavailability = agent.unavailability;
      if (agent.info.attributes?.length) offer.attributes = agent.info.attributes;
      const executors = fw.executors.get(agent.id);
      if (executors && executors.size > 0) offer.executor_ids = [...executors.keys()].map((value) => ({ value }));
      if (fw.multiRole) offer.allocation_info = { role: d.role };
      else for (const r of offer.resources ?? []) delete r.allocation_info;
      const rec: OfferRecord = { offer, frameworkId: fw.id, agentId: agent.id, role: d.role, resources: d.resources, createdAt: now, timeout: undefined };
      if (this.config.offerTimeoutMs !== undefined) {
        rec.timeout = this.clock.setTimer(this.config.offerTimeoutMs, () => this.rescindOffer(id, 'offer timeout'));
      }
      this.offers.set(id, rec);
      fw.offers.add(id);
      agent.offers.add(id);
      let list = byFramework.get(fw);
      if (!list) byFramework.set(fw, (list = []));
      list.push(offer);
    }
    for (const [fw, offers] of byFramework) {
      fw.offersSent += offers.length;
      this.sendEvent(fw, { type: 'OFFERS', offers: { offers } });
    }
  }

  /** Removes an offer from every index (it was used, declined or rescinded). */
  takeOffer(id: string): OfferRecord | undefined {
    const rec = this.offers.get(id);
    if (!rec) return undefined;
    this.offers.delete(id);
    rec.timeout?.cancel();
    this.frameworks.get(rec.frameworkId)?.offers.delete(id);
    this.agents.get(rec.agentId)?.offers.delete(id);
    return rec;
  }

  /** Rescinds an offer: tells the framework (if connected) and returns the resources unfiltered. */
  rescindOffer(id: string, why: string): void {
    const rec = this.takeOffer(id);
    if (!rec) return;
    const fw = this.frameworks.get(rec.frameworkId);
    if (fw) {
      fw.offersRescinded++;
      this.sendEvent(fw, { type: 'RESCIND', rescind: { offer_id: { value: id } } });
    }
    if (this.agents.has(rec.agentId) && fw) {
      this.allocator.recoverResources(rec.frameworkId, rec.agentId, rec.resources, undefined, this.clock.now());
    }
    this.log.debug({ offer: id, framework: rec.frameworkId, agent: rec.agentId, why }, 'offer rescinded');
  }

  rescindOffersOf(ids: Iterable<string>, why: string): void {
    for (const id of [...ids]) this.rescindOffer(id, why);
  }

  // ───────────────────────────── allocation loop ─────────────────────────────

  /** Starts the batch allocation timer (every --allocation-interval). */
  startAllocationLoop(): void {
    const tick = () => {
      if (this.stopped) return;
      this.allocationTimer = this.clock.setTimer(this.config.allocationIntervalMs, tick);
      this.requestAllocation();
    };
    this.allocationTimer = this.clock.setTimer(this.config.allocationIntervalMs, tick);
    // The leader's other periodic work: registry GC (registrar/gc.ts).
    this.registryGcTimer?.cancel();
    this.registryGcTimer = startRegistryGc(this);
  }

  /**
   * Asks for an allocation run, over all agents or only some. Requests made before the run starts
   * are coalesced into one (their candidate agents merge), as Mesos batches allocation events.
   */
  requestAllocation(agentIds?: Iterable<string>): void {
    if (this.stopped) return;
    const first = this.allocationPending === undefined;
    if (agentIds === undefined) this.allocationPending = 'all';
    else if (this.allocationPending !== 'all') {
      const set: Set<string> = this.allocationPending ?? new Set<string>();
      this.allocationPending = set;
      for (const id of agentIds) set.add(id);
    }
    if (first) this.clock.setTimer(0, () => this.runAllocation());
  }

  private runAllocation(): void {
    const pending = this.allocationPending;
    this.allocationPending = undefined;
    if (pending === undefined || this.stopped) return;
    if (pending !== 'all' && pending.size === 0) return;
    const run = this.allocator.allocate(this.clock.now(), pending === 'all' ? undefined : pending);
    this.metrics.timer('allocator/mesos/allocation_run_ms').record(run.durationMs);
    this.allocationRuns++;
    this.makeOffers(run.offers);
    for (const io of run.inverseOffers) sendInverseOffer(this, io.frameworkId, io.agentId, io.unavailability);
  }

  allocationRuns = 0;

  // ───────────────────────────── framework life cycle ─────────────────────────────

  addFramework(info: scheduler.Subscribe['framework_info'], id: string, recovered: boolean): FrameworkRecord {
    const fw = new FrameworkRecord(id, info, this.nowSeconds(), {
      maxCompletedTasks: this.config.maxCompletedTasksPerFramework,
      maxUnreachableTasks: this.config.maxUnreachableTasksPerFramework,
    }, recovered);
    this.frameworks.set(id, fw);
    return fw;
  }

  /**
   * Removes a framework for good (TEARDOWN, failover timeout, operator teardown): its tasks are
   * killed on their agents, its offers rescinded, and it moves to the completed frameworks; a
   * later SUBSCRIBE with its ID is refused.
   */
  removeFramework(fw: FrameworkRecord, why: string): void {
    this.log.info({ framework: fw.id, why }, 'removing framework');
    fw.failoverTimer?.cancel();
    fw.heartbeatTimer?.cancel();
    this.rescindOffersOf(fw.offers, 'framework removed');
    withdrawInverseOffersOf(this, fw.id);
    const agentIds = new Set<string>();
    for (const t of fw.tasks.values()) agentIds.add(t.task.agent_id.value);
    for (const id of fw.executors.keys()) agentIds.add(id);
    for (const id of agentIds) {
      const agent = this.agents.get(id);
      if (agent) this.sendToAgent(agent, { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: fw.id } } });
    }
    for (const t of [...fw.tasks.values(), ...fw.unreachableTasks.values()]) {
      if (!isTerminalState(t.task.state)) {
        applyStatus(t, this.masterStatus(fw, t.task.task_id.value, 'TASK_KILLED', 'REASON_FRAMEWORK_REMOVED', 'Framework removed'), undefined);
        this.counters.tasksByTerminalState.set('TASK_KILLED', (this.counters.tasksByTerminalState.get('TASK_KILLED') ?? 0) + 1);
      }
      this.completeTask(fw, t);
    }
    for (const [agentId, execs] of fw.executors) {
      const agent = this.agents.get(agentId);
      for (const eid of execs.keys()) {
        const charged = agent?.executorResources.get(fw.id)?.get(eid);
        if (agent && charged) this.allocator.recoverResources(fw.id, agentId, charged.resources, undefined, this.clock.now());
        agent?.executorResources.get(fw.id)?.delete(eid);
      }
    }
    fw.executors.clear();
    if (fw.stream && !fw.stream.closed) fw.stream.end();
    fw.stream = undefined;
    fw.unregisteredTime = this.nowSeconds();
    this.allocator.removeFramework(fw.id);
    this.frameworks.delete(fw.id);
    this.completedFrameworks.push(fw);
    this.events.publish({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: fw.info } });
  }

  isCompletedFramework(id: string): boolean {
    return this.completedFrameworks.find((f) => f.id === id) !== undefined;
  }

  /** Stops timers and closes every stream and channel (daemon shutdown). */
  stop(): void {
    this.stopped = true;
    this.allocationTimer?.cancel();
    this.registryGcTimer?.cancel();
    this.agentRemovals.clear();
    for (const fw of this.frameworks.values()) {
      fw.failoverTimer?.cancel();
      fw.heartbeatTimer?.cancel();
      fw.stream?.end();
    }
    for (const a of this.agents.values()) {
      a.pingTimer?.cancel();
      a.channel?.close('master shutting down');
    }
    for (const o of this.offers.values()) o.timeout?.cancel();
    this.events.closeAll();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Resources currently offered on an agent (sum of its outstanding offers). */
  offeredOn(agent: AgentRecord): Resources {
    let r = Resources.EMPTY;
    for (const id of agent.offers) {
      const o = this.offers.get(id);
      if (o) r = r.plus(o.resources);
    }
    return r;
  }
}
