/**
 * The master's record of an agent: its AgentInfo, its channel, the tasks and executors running
 * there, and its health-check state. Owned and mutated only by the Master.
 */
import type { AgentCapability, AgentInfo, ExecutorInfo, KillPolicy, Unavailability, internal } from '@agora/protocol';
import type { Resources } from '@agora/resources';
import type { Channel, Timer } from '@agora/runtime';
import type { TaskRecord } from './task.ts';

export type AgentChannel = Channel<internal.AgentMessage, internal.MasterMessage>;

export class AgentRecord {
  info: AgentInfo;
  capabilities: AgentCapability[];
  version: string;
  /** Total resources: the agent's configured resources plus checkpointed reservations and volumes. */
  total: Resources;
  channel: AgentChannel | undefined;
  /** Set while its machine is scheduled for maintenance: offers from it carry this. */
  unavailability: Unavailability | undefined;
  /** Deactivated by the operator (or draining): no offers, tasks keep running. */
  deactivated = false;
  registeredTime: number;
  reregisteredTime: number | undefined;
  /** Consecutive pings without a PONG. */
  missedPings = 0;
  pingTimer: Timer | undefined;
  awaitingPong = false;
  /** Being marked unreachable (the registry write is in flight): no more pings. */
  markingUnreachable = false;
  /** Set while the channel is down: when the agent will be marked unreachable. */
  disconnectedAt: number | undefined;
  /** frameworkId → taskId → task. */
  readonly tasks = new Map<string, Map<string, TaskRecord>>();
  /** frameworkId → executorId → resources charged for a custom executor. */
  readonly executorResources = new Map<string, Map<string, { info: ExecutorInfo; resources: Resources }>>();
  /** Kills issued while the agent was disconnected, re-sent when it re-registers (Mesos does too). */
  readonly pendingKills = new Map<string, { frameworkId: string; taskId: string; killPolicy?: KillPolicy }>();
  readonly offers = new Set<string>();

  /** `{value: id}`, shared by every task on the agent (IDs are never mutated). */
  readonly ref: { readonly value: string };

  constructor(
    readonly id: string,
    info: AgentInfo,
    capabilities: AgentCapability[],
    version: string,
    total: Resources,
    now: number,
  ) {
    this.ref = Object.freeze({ value: id });
    this.info = { ...info, id: { value: id } };
    this.capabilities = capabilities;
    this.version = version;
    this.total = total;
    this.registeredTime = now;
  }

  get connected(): boolean {
    return this.channel !== undefined && this.channel.isOpen;
  }

  /** Offers go to agents that are connected and not deactivated. */
  get active(): boolean {
    return this.connected && !this.deactivated;
  }

  get hostname(): string {
    return this.info.hostname;
  }

  get port(): number {
    return this.info.port;
  }

  /** Mesos's libprocess PID for the agent, which tools parse for the address. */
  get pid(): string {
    return `slave(1)@${this.ip}:${this.port}`;
  }

  /** The address the agent is reachable at (its hostname when that is an IP, as on loopback). */
  ip = '127.0.0.1';

  addTask(t: TaskRecord): void {
    const fid = t.task.framework_id.value;
    let m = this.tasks.get(fid);
    if (!m) this.tasks.set(fid, (m = new Map()));
    m.set(t.task.task_id.value, t);
  }

  removeTask(frameworkId: string, taskId: string): void {
    const m = this.tasks.get(frameworkId);
    m?.delete(taskId);
    if (m && m.size === 0) this.tasks.delete(frameworkId);
  }

  *allTasks(): Iterable<TaskRecord> {
    for (const m of this.tasks.values()) yield* m.values();
  }

  taskCount(): number {
    let n = 0;
    for (const m of this.tasks.values()) n += m.size;
    return n;
  }
}
