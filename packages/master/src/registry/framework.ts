/**
 * The master's record of a framework: its FrameworkInfo, its subscription stream, its tasks,
 * executors and offers. Owned and mutated only by the Master.
 */
import { frameworkRoles, hasCapability, type ExecutorInfo, type FrameworkInfo } from '@agora/protocol';
import type { EventStream, Timer } from '@agora/runtime';
import { BoundedList } from './bounded.ts';
import type { TaskRecord } from './task.ts';

export interface FrameworkLimits {
  maxCompletedTasks: number;
  maxUnreachableTasks: number;
}

export class FrameworkRecord {
  info: FrameworkInfo;
  roles: Set<string>;
  suppressedRoles = new Set<string>();
  /** Subscribed on this master at least once (false for frameworks known only from agents after a failover). */
  recovered: boolean;
  stream: EventStream | undefined;
  streamId: string | undefined;
  registeredTime: number;
  reregisteredTime: number | undefined;
  unregisteredTime: number | undefined;
  failoverTimer: Timer | undefined;
  heartbeatTimer: Timer | undefined;
  readonly tasks = new Map<string, TaskRecord>();
  readonly unreachableTasks = new Map<string, TaskRecord>();
  readonly completedTasks: BoundedList<TaskRecord>;
  /** agent ID → executor ID → ExecutorInfo (custom executors only, as Mesos tracks them). */
  readonly executors = new Map<string, Map<string, ExecutorInfo>>();
  readonly offers = new Set<string>();
  /** Per-call and per-event counters for the per-framework metrics. */
  readonly calls = new Map<string, number>();
  readonly events = new Map<string, number>();
  offersSent = 0;
  offersAccepted = 0;
  offersDeclined = 0;
  offersRescinded = 0;

  /** `{value: id}`, shared by every task of the framework (IDs are never mutated). */
  readonly ref: { readonly value: string };

  constructor(
    readonly id: string,
    info: FrameworkInfo,
    now: number,
    limits: FrameworkLimits,
    recovered = false,
  ) {
    this.ref = Object.freeze({ value: id });
    this.info = { ...info, id: { value: id } };
    this.roles = new Set(frameworkRoles(info));
    this.registeredTime = now;
    this.recovered = recovered;
    this.completedTasks = new BoundedList(limits.maxCompletedTasks);
    this.unreachableLimit = limits.maxUnreachableTasks;
  }

  private readonly unreachableLimit: number;

  get connected(): boolean {
    return this.stream !== undefined && !this.stream.closed;
  }

  /** Active = connected (Mesos also deactivates on explicit DEACTIVATE, which v1 does not have). */
  get active(): boolean {
    return this.connected;
  }

  get partitionAware(): boolean {
    return hasCapability(this.info, 'PARTITION_AWARE');
  }

  get multiRole(): boolean {
    return hasCapability(this.info, 'MULTI_ROLE');
  }

  get refinement(): boolean {
    return hasCapability(this.info, 'RESERVATION_REFINEMENT');
  }

  updateInfo(info: FrameworkInfo): void {
    this.info = { ...info, id: { value: this.id } };
    this.roles = new Set(frameworkRoles(info));
  }

  addUnreachable(t: TaskRecord): void {
    this.unreachableTasks.set(t.task.task_id.value, t);
    if (this.unreachableTasks.size > this.unreachableLimit) {
      const oldest = this.unreachableTasks.keys().next().value as string;
      this.unreachableTasks.delete(oldest);
    }
  }

  executor(agentId: string, executorId: string): ExecutorInfo | undefined {
    return this.executors.get(agentId)?.get(executorId);
  }

  addExecutor(agentId: string, info: ExecutorInfo): void {
    let m = this.executors.get(agentId);
    if (!m) this.executors.set(agentId, (m = new Map()));
    m.set(info.executor_id.value, info);
  }

  removeExecutor(agentId: string, executorId: string): ExecutorInfo | undefined {
    const m = this.executors.get(agentId);
    const e = m?.get(executorId);
    m?.delete(executorId);
    if (m && m.size === 0) this.executors.delete(agentId);
    return e;
  }

  count(kind: 'calls' | 'events', type: string): void {
    const m = this[kind];
    m.set(type, (m.get(type) ?? 0) + 1);
  }
}
