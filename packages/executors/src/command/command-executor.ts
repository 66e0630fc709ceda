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
 *   health check result       first healthy, every unhealthy, first healthy after   RUNNING, healthy, REASON_TASK_HEALTH_CHECK_STATUS_UPDATED
 *                             failures; after consecutive_failures: kill (task's    … then KILLING?, KILLED with healthy: false
 *                             grace period)
 *   check result changed      report it (checks never kill)                        RUNNING, check_status, REASON_TASK_CHECK_STATUS_UPDATED
 *
 * Health checks and checks (../health) start once the task runs and stop when it is being killed
 * or has ended; no health or check update follows a kill or the terminal update. Their updates
 * repeat the task's last status with only `healthy`/`check_status` and `reason` changed; every
 * fresh status of a task with a check carries its empty `check_status`.
 *
 * Grace period of a kill: the KILL event's kill_policy, else the task's, else 3 s. A second KILL
 * may only shorten the remaining escalation, never lengthen it (a retried kill is a no-op).
 */
import { join } from 'node:path';
import type { CheckStatusInfo, FrameworkInfo, KillPolicy, TaskGroupInfo, TaskID, TaskInfo, TaskState, TaskStatus, TaskStatusReason, ContainerStatus } from '@agora/protocol';
import { hasCapability, type Result } from '@agora/protocol';
import type { Clock, Timer } from '@agora/runtime';
import type { Executor, ExecutorDriver, StatusUpdateInput, SubscribedInfo } from '@agora/sdk';
import { checkUpdate, freshCheckStatus, healthUpdate, startTaskChecks, type HealthEvent, type TaskChecks } from '../health/index.ts';
import { DEFAULT_KILL_GRACE_MS, graceMs, KillEscalation } from './kill-escalation.ts';
import { CONTAINER_ID_ENV, describeExit } from './launch-plan.ts';
import { planTaskSpawn } from './spawn-plan.ts';
import { TASK_LAUNCHER_ENV } from './task-launcher.ts';
import { signalGroup, spawnTask, type SpawnSpec, type TaskExit, type TaskProcess } from './task-process.ts';
import type { LookupUser, Self } from './user.ts';
import { runcExec, type RuncTarget } from './container-enter.ts';

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
  private checks: TaskChecks | undefined;
  /** The last status sent for our task: health and check updates repeat it. */
  private lastStatus: TaskStatus | undefined;
  private killedByHealthCheck = false;

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
    this.update(task.task_id, 'TASK_RUNNING', undefined, undefined, { container_status: { executor_pid: process.pid } });
    void proc.exited.then((exit) => this.reaped(exit));
    if (this.killRequested) this.escalate(this.pendingGraceMs ?? DEFAULT_KILL_GRACE_MS);
    else this.startChecks(task, spec.value);
  }

  // ───────────────────────────── health checks and checks ─────────────────────────────

  /** COMMAND checks run like the task: its environment, its sandbox, its user; output to its stderr file. */
  private startChecks(task: TaskInfo, spec: SpawnSpec): void {
    if (task.health_check === undefined && task.check === undefined) return;
    this.checks = startTaskChecks({
      task,
      clock: this.deps.clock,
      command: {
        env: spec.env, cwd: spec.sandbox, switchTo: spec.switchTo, outputPath: join(spec.sandbox, 'stderr'),
        ...(spec.container ? { enter: enterContainer(spec.container) } : {}),
      },
      onHealth: (event) => this.healthChanged(event),
      onCheck: (status) => this.checkChanged(status),
      log: this.deps.log,
    });
  }

  private stopChecks(): void {
    this.checks?.stop();
    this.checks = undefined;
  }

  /** Whether health and check updates may still be sent: not once the task is being killed or has ended. */
  private checking(): boolean {
    return this.task !== undefined && !this.killRequested && !this.terminalSent && !this.ended;
  }

  private healthChanged(event: HealthEvent): void {
    if (!this.checking() || this.task === undefined) return;
    if (event.healthy) this.deps.log(`Task ${this.task.task_id.value} is healthy`);
    else this.deps.log(`Health check of task ${this.task.task_id.value} failed ${event.consecutiveFailures} time(s) in a row: ${event.message}`);
    this.send(healthUpdate(this.runningStatus(this.task), event.healthy));
    if (!event.healthy && event.killTask) {
      this.killedByHealthCheck = true;
      const grace = graceMs(this.task.kill_policy) ?? DEFAULT_KILL_GRACE_MS;
      this.deps.log(`Killing task ${this.task.task_id.value} after ${event.consecutiveFailures} consecutive failed health checks, with grace period of ${grace} ms`);
      this.killTask(grace);
    }
  }

  private checkChanged(status: CheckStatusInfo): void {
    if (!this.checking() || this.task === undefined) return;
    this.send(checkUpdate(this.runningStatus(this.task), status));
  }

  /** The status a health or check update repeats (TASK_RUNNING was sent before any check ran). */
  private runningStatus(task: TaskInfo): TaskStatus {
    return this.lastStatus ?? { task_id: task.task_id, state: 'TASK_RUNNING' };
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
      launcher: this.deps.env[TASK_LAUNCHER_ENV],
      switchUser: this.deps.switchUser,
      self: this.deps.self,
      lookupUser: this.deps.lookupUser,
    });
  }

  private reaped(exit: TaskExit): void {
    this.alive = false;
    this.stopChecks();
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
      this.stopChecks();
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
    // A task killed because of its health check ends with `healthy: false` (Mesos sets no reason for it).
    const extra = this.killRequested && this.killedByHealthCheck ? { healthy: false } : {};
    this.terminalUuid = this.update(this.task.task_id, state, message, reason, extra)?.uuid;
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

  /** A fresh status (nothing carried over from earlier ones); our task's carries its check's empty `check_status`. */
  private update(
    taskId: TaskID,
    state: TaskState,
    message?: string,
    reason?: TaskStatusReason,
    extra: { container_status?: ContainerStatus; healthy?: boolean } = {},
  ): TaskStatus | undefined {
    const ours = this.task !== undefined && taskId.value === this.task.task_id.value;
    const checkStatus = ours && this.task !== undefined ? freshCheckStatus(this.task) : undefined;
    return this.send({
      task_id: taskId,
      state,
      ...(message !== undefined ? { message } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...extra,
      ...(checkStatus !== undefined ? { check_status: checkStatus } : {}),
    });
  }

  private send(input: StatusUpdateInput): TaskStatus | undefined {
    const r = this.driver.sendStatusUpdate(input);
    if (!r.ok) {
      this.deps.log(`Could not send ${input.state} for task ${input.task_id.value}: ${r.error}`);
      return undefined;
    }
    if (this.task !== undefined && input.task_id.value === this.task.task_id.value) this.lastStatus = r.value;
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
    this.stopChecks();
    this.ackTimer?.cancel();
    this.escalation?.cancel();
    if (this.proc && this.alive) signalGroup(this.proc.pid, 'SIGKILL');
    this.driver.stop();
    this.deps.log(`Executor ends: ${message}`);
    this.deps.finished({ code, destroyed, message });
  }
}

/** A COMMAND check of an image task runs inside its container (container-enter.ts). */
function enterContainer(target: RuncTarget) {
  return (command: { readonly file: string; readonly args: readonly string[] }, checkEnv: Readonly<Record<string, string>>) => runcExec(target, command, checkEnv);
}
