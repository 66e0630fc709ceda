/**
 * The command executor (Mesos's `mesos-executor`, src/launcher/executor.cpp) as an `Executor`:
 * it runs exactly one task's CommandInfo as a process and reports on it.
 *
 *   event                     what it does                                         updates
 *   LAUNCH (first)            plan argv/env/user, spawn in its own process group   STARTING, RUNNING (or FAILED)
 *   task exits 0 / N / sig    SIGKILL what is left of its process group             FINISHED / FAILED (or KILLED after a kill)
 *   KILL                      SIGTERM the group; SIGKILL after the grace period    KILLING (capability only), then KILLED
 *   SHUTDOWN                  kill as above, the grace capped by the shutdown one  KILLED; then end
 *   LAUNCH (second)           refuse                                               FAILED for that task
 *   LAUNCH_GROUP              refuse (task groups need the default executor)       ERROR for each task
 *   terminal update acked     end (also after `terminalAckTimeoutMs` without ack while subscribed)
 *   LAUNCH of our own task    ignored (a replay; failing it would report a running task as failed)
 *
 * Grace period of a kill: the KILL event's kill_policy, else the task's, else 3 s. A second KILL
 * may only shorten the remaining escalation, never lengthen it (a retried kill is a no-op).
 */
import type { FrameworkInfo, KillPolicy, TaskGroupInfo, TaskID, TaskInfo, TaskState, TaskStatus, TaskStatusReason, ContainerStatus } from '@agora/protocol';
import { hasCapability, type Result } from '@agora/protocol';
import type { Clock, Timer } from '@agora/runtime';
import type { Executor, ExecutorDriver, SubscribedInfo } from '@agora/sdk';
import { DEFAULT_KILL_GRACE_MS, graceMs, KillEscalation } from './kill-escalation.ts';
import { CONTAINER_ID_ENV, describeExit } from './launch-plan.ts';
import { planTaskSpawn } from './spawn-plan.ts';
import { signalGroup, spawnTask, type SpawnSpec, type TaskExit, type TaskProcess } from './task-process.ts';
import type { LookupUser, Self } from './user.ts';

export { DEFAULT_KILL_GRACE_MS } from './kill-escalation.ts';
/** How long the executor waits for its terminal update to be acknowledged before ending anyway. */
export const DEFAULT_TERMINAL_ACK_TIMEOUT_MS = 5_000;
/** Shutdown escalation leaves this much of the shutdown grace period for TASK_KILLED to get out. */
const SHUTDOWN_MARGIN_MS = 1_000;

/** Process exit codes of the command executor (process mode). */
export const EXIT = {
  /** Ended normally: the task's terminal update was acknowledged (or timed out), or it was shut down. */
  OK: 0,
  /** The environment is missing or invalid: nothing was started. */
  BAD_ENVIRONMENT: 1,
  /** Usage error on the command line. */
  USAGE: 2,
  /** Gave up on the agent: the stream broke without checkpointing, or the recovery timeout passed. */
  AGENT_LOST: 3,
} as const;

export interface CommandExecutorExit {
  readonly code: number;
  /** Ended by `destroy()` (or the shutdown grace period running out), not on its own. */
  readonly destroyed: boolean;
  readonly message: string;
}

export interface CommandExecutorDeps {
  readonly directory: string;
  /** The executor's own environment (PATH is passed on to the task). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  readonly self: Self;
  readonly lookupUser: LookupUser;
  readonly switchUser: boolean;
  readonly terminalAckTimeoutMs: number;
  readonly onTaskProcess: (pid: number) => void;
  readonly log: (line: string) => void;
  readonly finished: (exit: CommandExecutorExit) => void;
}

export class CommandExecutor implements Executor {
  private driver!: ExecutorDriver;
  private framework: FrameworkInfo | undefined;
  private task: TaskInfo | undefined;
  private proc: TaskProcess | undefined;
  private alive = false;
  private killRequested = false;
  /** The grace period to apply once the process exists, when a kill came before it did. */
  private pendingGraceMs: number | undefined;
  private escalation: KillEscalation | undefined;
  private terminalSent = false;
  private terminalUuid: string | undefined;
  private ackTimer: Timer | undefined;
  private shuttingDown = false;
  private ended = false;

  constructor(private readonly deps: CommandExecutorDeps) {}

  /** Binds the driver (ExecutorDriver.create's factory form). */
  attach(driver: ExecutorDriver): this {
    this.driver = driver;
    return this;
  }

  /** PIDs of the live task processes (at most one). */
  taskPids(): number[] {
    return this.alive && this.proc ? [this.proc.pid] : [];
  }

  subscribed(info: SubscribedInfo): void {
    this.framework = info.framework_info;
    this.deps.log(`Subscribed executor on ${info.agent_info.hostname}`);
  }

  launch(task: TaskInfo): void {
    if (this.task !== undefined && task.task_id.value === this.task.task_id.value) {
      // The same task again (an agent replaying its queue): it is already ours; never fail it.
      this.deps.log(`Ignoring a repeated LAUNCH of task ${task.task_id.value}`);
      return;
    }
    if (this.task !== undefined || this.shuttingDown) {
      const why = this.task !== undefined ? 'Attempted to run multiple tasks using a "command" executor' : 'The executor is shutting down';
      this.update(task.task_id, 'TASK_FAILED', why);
      return;
    }
    this.task = task;
    this.deps.log(`Starting task ${task.task_id.value}`);
    this.update(task.task_id, 'TASK_STARTING');
    void this.run(task);
  }

  launchGroup(group: TaskGroupInfo): void {
    for (const t of group.tasks ?? []) {
      this.update(t.task_id, 'TASK_ERROR', 'The command executor does not run task groups (LAUNCH_GROUP needs the default executor)', 'REASON_TASK_GROUP_INVALID');
    }
  }

  kill(taskId: TaskID, killPolicy?: KillPolicy): void {
    if (this.task === undefined || taskId.value !== this.task.task_id.value) {
      this.deps.log(`Ignoring KILL of unknown task ${taskId.value}`);
      return;
    }
    const grace = graceMs(killPolicy) ?? graceMs(this.task.kill_policy) ?? DEFAULT_KILL_GRACE_MS;
    this.deps.log(`Received kill for task ${taskId.value} with grace period of ${grace} ms`);
    this.killTask(grace);
  }

  acknowledged(_taskId: TaskID, uuid: string): void {
    if (uuid === this.terminalUuid) this.finish(this.exitCode(), 'the terminal status update was acknowledged');
  }

  shutdown(): void {
    if (this.shuttingDown || this.ended) return;
    this.shuttingDown = true;
    this.deps.log('Shutting down');
    if (this.task === undefined) {
      this.finish(this.exitCode(), 'shut down before any task was launched');
      return;
    }
    if (this.terminalSent) {
      // Waiting for the terminal update's acknowledgement; end now only if nobody can send it.
      if (!this.connected()) this.finish(this.exitCode(), 'shut down after the task ended');
      return;
    }
    const taskGrace = graceMs(this.task.kill_policy) ?? DEFAULT_KILL_GRACE_MS;
    this.killTask(Math.max(0, Math.min(taskGrace, this.driver.config.shutdownGracePeriodMs - SHUTDOWN_MARGIN_MS)));
  }

  error(message: string): void {
    this.deps.log(`Error: ${message}`);
  }

  disconnected(): void {
    this.deps.log('Disconnected from the agent');
  }

  /** The driver's shutdown grace period ran out: stop waiting. */
  graceExpired(): void {
    this.destroy('the shutdown grace period expired');
  }

  /** SIGKILL the task's process group and end at once (host DESTROY, executor process signalled). */
  destroy(reason = 'destroyed'): void {
    if (this.proc && this.alive) signalGroup(this.proc.pid, 'SIGKILL');
    this.finish(this.exitCode(), reason, true);
  }

  // ───────────────────────────── the task ─────────────────────────────

  private async run(task: TaskInfo): Promise<void> {
    const spec = await this.plan(task);
    if (this.ended) return;
    if (!spec.ok) return this.terminal('TASK_FAILED', spec.error, 'REASON_CONTAINER_LAUNCH_FAILED');
    if (this.killRequested) return this.terminal('TASK_KILLED', 'Task killed before the command was started', 'REASON_TASK_KILLED_DURING_LAUNCH');
    const spawned = await spawnTask(spec.value);
    if (this.ended) {
      if (spawned.ok) signalGroup(spawned.value.pid, 'SIGKILL');
      return;
    }
    if (!spawned.ok) return this.terminal('TASK_FAILED', spawned.error, 'REASON_CONTAINER_LAUNCH_FAILED');
    const proc = spawned.value;
    this.proc = proc;
    this.alive = true;
    this.deps.log(`Forked command at ${proc.pid}`);
    this.deps.onTaskProcess(proc.pid);
    this.update(task.task_id, 'TASK_RUNNING', undefined, undefined, { executor_pid: process.pid });
    void proc.exited.then((exit) => this.reaped(exit));
    if (this.killRequested) this.escalate(this.pendingGraceMs ?? DEFAULT_KILL_GRACE_MS);
  }

  private plan(task: TaskInfo): Promise<Result<SpawnSpec, string>> {
    const config = this.driver.config;
    return planTaskSpawn(task, {
      framework: this.framework,
      frameworkId: config.frameworkId,
      executorId: config.executorId,
      agentEndpoint: config.agentEndpoint,
      directory: this.deps.directory,
      sandbox: config.sandbox ?? this.deps.directory,
      path: this.deps.env.PATH,
      containerId: this.deps.env[CONTAINER_ID_ENV] || undefined,
      switchUser: this.deps.switchUser,
      self: this.deps.self,
      lookupUser: this.deps.lookupUser,
    });
  }

  private reaped(exit: TaskExit): void {
    this.alive = false;
    this.escalation?.cancel();
    // What the task left in its process group dies with it, as it would with its container.
    if (this.proc) signalGroup(this.proc.pid, 'SIGKILL');
    if (this.ended) return;
    const message = describeExit(exit.code, exit.signal);
    this.deps.log(`${message} (pid: ${this.proc?.pid})`);
    const state: TaskState = this.killRequested ? 'TASK_KILLED' : exit.code === 0 ? 'TASK_FINISHED' : 'TASK_FAILED';
    this.terminal(state, message);
  }

  private killTask(grace: number): void {
    if (this.terminalSent || this.ended || this.task === undefined) return;
    if (!this.killRequested) {
      this.killRequested = true;
      if (this.framework !== undefined && hasCapability(this.framework, 'TASK_KILLING_STATE')) this.update(this.task.task_id, 'TASK_KILLING');
    }
    if (!this.alive) {
      this.pendingGraceMs = Math.min(this.pendingGraceMs ?? grace, grace);
      return;
    }
    this.escalate(grace);
  }

  /** SIGTERM now and SIGKILL at the deadline; a later, shorter grace period moves the deadline earlier. */
  private escalate(grace: number): void {
    const proc = this.proc;
    if (proc === undefined) return;
    this.escalation ??= new KillEscalation({ clock: this.deps.clock, pgid: proc.pid, alive: () => this.alive, log: this.deps.log });
    this.escalation.request(grace);
  }

  // ───────────────────────────── updates and the end ─────────────────────────────

  private terminal(state: TaskState, message: string, reason?: TaskStatusReason): void {
    if (this.terminalSent || this.task === undefined) return;
    this.terminalSent = true;
    this.terminalUuid = this.update(this.task.task_id, state, message, reason)?.uuid;
    if (!this.connected()) {
      this.finish(this.exitCode(), `the task ended (${state}) and the agent is gone`);
      return;
    }
    this.armAckTimer();
  }

  /**
   * Ends the executor if the terminal update is not acknowledged in time. While the driver is
   * re-subscribing (a checkpointing executor whose agent restarts) the wait goes on: the update
   * travels in the next SUBSCRIBE, and the driver's recovery timeout bounds the wait.
   */
  private armAckTimer(): void {
    const ms = this.deps.terminalAckTimeoutMs;
    this.ackTimer = this.deps.clock.setTimer(ms, () => {
      if (this.driver.state === 'RECOVERING' || this.driver.state === 'SUBSCRIBING') return this.armAckTimer();
      this.finish(this.exitCode(), `the terminal status update was not acknowledged within ${ms} ms`);
    });
  }

  private update(taskId: TaskID, state: TaskState, message?: string, reason?: TaskStatusReason, container?: ContainerStatus): TaskStatus | undefined {
    const r = this.driver.sendStatusUpdate({
      task_id: taskId,
      state,
      ...(message !== undefined ? { message } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...(container !== undefined ? { container_status: container } : {}),
    });
    if (!r.ok) {
      this.deps.log(`Could not send ${state} for task ${taskId.value}: ${r.error}`);
      return undefined;
    }
    return r.value;
  }

  /** Whether an acknowledgement can still arrive. */
  private connected(): boolean {
    const s = this.driver.state;
    return s === 'SUBSCRIBED' || s === 'SUBSCRIBING' || s === 'RECOVERING';
  }

  private exitCode(): number {
    return this.driver.state === 'DISCONNECTED' ? EXIT.AGENT_LOST : EXIT.OK;
  }

  private finish(code: number, message: string, destroyed = false): void {
    if (this.ended) return;
    this.ended = true;
    this.ackTimer?.cancel();
    this.escalation?.cancel();
    if (this.proc && this.alive) signalGroup(this.proc.pid, 'SIGKILL');
    this.driver.stop();
    this.deps.log(`Executor ends: ${message}`);
    this.deps.finished({ code, destroyed, message });
  }
}
