/**
 * The default executor (Mesos's `mesos-default-executor`, src/launcher/default_executor.cpp) as an
 * `Executor`: it runs task groups (pods). Each task is its own process (its own session and
 * process group) in its own sandbox `<executor sandbox>/tasks/<task_id>/`; the tasks of all groups
 * share the executor, its container and its sandbox as their parent.
 *
 *   event / happening           what it does                                          updates (per task)
 *   LAUNCH_GROUP                plan every task (argv, env, user, sandbox), then      STARTING; RUNNING once every
 *                               spawn them all; all or none                            task of the group is spawned
 *   … a task cannot be started  nothing of the group runs (spawned ones SIGKILLed)    FAILED, REASON_CONTAINER_LAUNCH_FAILED, each
 *   … killed before spawning    nothing of the group runs                             KILLED, REASON_TASK_KILLED_DURING_LAUNCH, each
 *   a task exits 0 / N / sig    SIGKILL what is left of its process group             FINISHED / FAILED (KILLED after a kill)
 *   … it ended FAILED or KILLED kill the rest of its group (each task's kill_policy)  KILLED for the others
 *   KILL of one task            kill its whole group: that task with the KILL's       KILLING (capability only), KILLED
 *                               policy, the others with their own (default 3 s)
 *   SHUTDOWN                    kill every task, grace capped by the shutdown grace   KILLED; then end
 *   no task left                end once every terminal update is acknowledged (or after `terminalAckTimeoutMs`)
 *   LAUNCH                      refused: this executor runs task groups only          ERROR, REASON_TASK_INVALID
 *   a task's health check       as in the command executor, per task; after           RUNNING, healthy, REASON_TASK_HEALTH_…;
 *                               consecutive_failures the task (so its group) is        the group's terminal updates then
 *                               killed                                                 carry healthy: false
 *   a task's check result       reported when it changes (never kills)                RUNNING, check_status, REASON_TASK_CHECK_…
 *
 * Several LAUNCH_GROUPs may arrive over the executor's life; a group replayed by the agent (every
 * task ID already known) is ignored. A repeated KILL may only shorten a running escalation.
 */
import { isIP } from 'node:net';
import { join } from 'node:path';
import {
  hasCapability, type CheckStatusInfo, type ContainerStatus, type FrameworkInfo, type KillPolicy, type TaskGroupInfo, type TaskID, type TaskInfo,
  type TaskState, type TaskStatus, type TaskStatusReason,
} from '@agora/protocol';
import type { Clock, Timer } from '@agora/runtime';
import type { Executor, ExecutorDriver, StatusUpdateInput, SubscribedInfo } from '@agora/sdk';
import { EXIT, type CommandExecutorExit } from '../command/command-executor.ts';
import { DEFAULT_KILL_GRACE_MS, graceMs, KillEscalation } from '../command/kill-escalation.ts';
import { CONTAINER_ID_ENV, describeExit } from '../command/launch-plan.ts';
import { planTaskSpawn } from '../command/spawn-plan.ts';
import { TASK_LAUNCHER_ENV } from '../command/task-launcher.ts';
import { signalGroup, spawnTask, type SpawnSpec, type TaskExit, type TaskProcess } from '../command/task-process.ts';
import type { LookupUser, Self } from '../command/user.ts';
import { checkUpdate, freshCheckStatus, healthUpdate, startTaskChecks, type HealthEvent, type TaskChecks } from '../health/index.ts';
import { createTaskSandbox, taskSandboxPath } from './task-sandbox.ts';

/** Shutdown escalation leaves this much of the shutdown grace period for TASK_KILLED to get out. */
const SHUTDOWN_MARGIN_MS = 1_000;

export type DefaultExecutorExit = CommandExecutorExit;

export interface DefaultExecutorDeps {
  /** The executor's sandbox (MESOS_DIRECTORY): task sandboxes are made under it. */
  readonly directory: string;
  /** The executor's own environment (PATH and AGORA_CONTAINER_ID are passed on to tasks). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  readonly self: Self;
  readonly lookupUser: LookupUser;
  readonly switchUser: boolean;
  readonly terminalAckTimeoutMs: number;
  readonly onTaskProcess: (pid: number) => void;
  readonly log: (line: string) => void;
  readonly finished: (exit: DefaultExecutorExit) => void;
}

type Phase = 'launching' | 'running' | 'terminated';

interface GroupRun {
  readonly tasks: TaskRun[];
  /** The group is being killed (a KILL, or one of its tasks ended FAILED or KILLED). */
  killing: boolean;
  /**
   * One of its tasks was killed because of its health check: the group's terminal updates carry
   * `healthy: false` (Mesos marks the whole executor; MESOS-8543 says it means the task group).
   */
  unhealthy: boolean;
}

interface TaskRun {
  readonly info: TaskInfo;
  readonly group: GroupRun;
  phase: Phase;
  proc: TaskProcess | undefined;
  alive: boolean;
  /** A kill was requested: the task ends TASK_KILLED. */
  killing: boolean;
  /** The grace to apply once the process exists, when the kill came before it did. */
  pendingGraceMs: number | undefined;
  escalation: KillEscalation | undefined;
  /** The terminal update's uuid, until it is acknowledged. */
  terminalUuid: string | undefined;
  /** Its health check and check, from TASK_RUNNING until it is being killed or has ended. */
  checks: TaskChecks | undefined;
  /** The last status sent for it: health and check updates repeat it. */
  lastStatus: TaskStatus | undefined;
}

type Planned = { run: TaskRun; spec: SpawnSpec };

const isRun = (t: TaskRun | TaskID): t is TaskRun => 'info' in t;

export class DefaultExecutor implements Executor {
  private driver!: ExecutorDriver;
  private framework: FrameworkInfo | undefined;
  /** Tasks not yet acknowledged as terminal, by ID (active ones and those awaiting the agent's ack). */
  private readonly tasks = new Map<string, TaskRun>();
  /** Every task ID ever given to this executor (a replayed group is recognised by them). */
  private readonly seen = new Set<string>();
  private launchedAny = false;
  private shuttingDown = false;
  private ended = false;
  private ackTimer: Timer | undefined;

  constructor(private readonly deps: DefaultExecutorDeps) {}

  /** Binds the driver (ExecutorDriver.create's factory form). */
  attach(driver: ExecutorDriver): this {
    this.driver = driver;
    return this;
  }

  /** PIDs of the live task processes (each leads its own process group). */
  taskPids(): number[] {
    const pids: number[] = [];
    for (const run of this.tasks.values()) if (run.alive && run.proc) pids.push(run.proc.pid);
    return pids;
  }

  subscribed(info: SubscribedInfo): void {
    this.framework = info.framework_info;
    this.deps.log(`Subscribed executor on ${info.agent_info.hostname}`);
  }

  launch(task: TaskInfo): void {
    if (this.seen.has(task.task_id.value)) return;
    this.seen.add(task.task_id.value);
    this.deps.log(`Refusing LAUNCH of task ${task.task_id.value}: the default executor runs task groups only`);
    this.update(task.task_id, 'TASK_ERROR', 'The default executor runs task groups only (LAUNCH_GROUP), not single tasks (LAUNCH)', 'REASON_TASK_INVALID');
  }

  launchGroup(group: TaskGroupInfo): void {
    const infos = group.tasks ?? [];
    const fresh = infos.filter((t) => !this.seen.has(t.task_id.value));
    if (fresh.length === 0) {
      if (infos.length > 0) this.deps.log(`Ignoring a repeated LAUNCH_GROUP of ${infos.map((t) => t.task_id.value).join(', ')}`);
      return;
    }
    for (const t of fresh) this.seen.add(t.task_id.value);
    if (fresh.length !== infos.length || new Set(fresh.map((t) => t.task_id.value)).size !== fresh.length) {
      for (const t of fresh) this.update(t.task_id, 'TASK_ERROR', 'The task group reuses a task ID this executor already has', 'REASON_TASK_GROUP_INVALID');
      return;
    }
    if (this.shuttingDown || this.ended) {
      for (const t of fresh) this.update(t.task_id, 'TASK_FAILED', 'The executor is shutting down');
      return;
    }
    this.launchedAny = true;
    this.cancelAckTimer();
    const run: GroupRun = { tasks: [], killing: false, unhealthy: false };
    for (const info of fresh) {
      const task: TaskRun = {
        info, group: run, phase: 'launching', proc: undefined, alive: false, killing: false,
        pendingGraceMs: undefined, escalation: undefined, terminalUuid: undefined, checks: undefined, lastStatus: undefined,
      };
      run.tasks.push(task);
      this.tasks.set(info.task_id.value, task);
    }
    this.deps.log(`Starting task group ${fresh.map((t) => t.task_id.value).join(', ')}`);
    for (const task of run.tasks) this.update(task, 'TASK_STARTING');
    void this.start(run);
  }

  kill(taskId: TaskID, killPolicy?: KillPolicy): void {
    const run = this.tasks.get(taskId.value);
    if (run === undefined || run.phase === 'terminated') return void this.deps.log(`Ignoring KILL of task ${taskId.value}: it is not active`);
    if (this.shuttingDown) return void this.deps.log(`Ignoring KILL of task ${taskId.value}: the executor is shutting down`);
    const grace = graceMs(killPolicy) ?? graceMs(run.info.kill_policy) ?? DEFAULT_KILL_GRACE_MS;
    this.deps.log(`Received kill for task ${taskId.value} with grace period of ${grace} ms; killing its task group`);
    // A kill of one task kills its whole group; the others get their own kill policies.
    run.group.killing = true;
    this.killTask(run, grace);
    this.killGroup(run.group, run);
  }

  acknowledged(taskId: TaskID, uuid: string): void {
    const run = this.tasks.get(taskId.value);
    if (run === undefined || run.phase !== 'terminated' || run.terminalUuid !== uuid) return;
    this.tasks.delete(taskId.value);
    this.maybeEnd();
  }

  shutdown(): void {
    if (this.shuttingDown || this.ended) return;
    this.shuttingDown = true;
    this.deps.log('Shutting down');
    if (!this.launchedAny) return this.finish(this.exitCode(), 'shut down before any task was launched');
    const cap = this.driver.config.shutdownGracePeriodMs - SHUTDOWN_MARGIN_MS;
    for (const run of this.tasks.values()) {
      if (run.phase === 'terminated') continue;
      const grace = graceMs(run.info.kill_policy) ?? DEFAULT_KILL_GRACE_MS;
      this.killTask(run, Math.max(0, Math.min(grace, cap)));
    }
    this.maybeEnd();
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

  /** SIGKILL every task's process group and end at once (host DESTROY, executor process signalled). */
  destroy(reason = 'destroyed'): void {
    this.finish(this.exitCode(), reason, true);
  }

  // ───────────────────────────── launching a group ─────────────────────────────

  /** Plans every task, then spawns them all; any failure means none of the group runs. */
  private async start(group: GroupRun): Promise<void> {
    const planned = await Promise.all(group.tasks.map(async (run) => ({ run, spec: await this.plan(run.info) })));
    if (this.ended) return;
    const specs: Planned[] = [];
    for (const p of planned) {
      if (!p.spec.ok) return this.launchFailed(group, p.run, p.spec.error);
      specs.push({ run: p.run, spec: p.spec.value });
    }
    if (group.tasks.some((t) => t.killing)) {
      for (const run of group.tasks) this.terminal(run, 'TASK_KILLED', 'Task killed before the task group was started', 'REASON_TASK_KILLED_DURING_LAUNCH');
      return;
    }
    for (const { run, spec } of specs) {
      const made = createTaskSandbox(spec.sandbox, spec.switchTo);
      if (!made.ok) return this.launchFailed(group, run, made.error);
    }
    const spawned = await Promise.all(specs.map(async ({ run, spec }) => ({ run, result: await spawnTask(spec) })));
    const procs = spawned.flatMap((s) => (s.result.ok ? [s.result.value] : []));
    for (const p of procs) this.deps.onTaskProcess(p.pid);
    if (this.ended) {
      for (const p of procs) signalGroup(p.pid, 'SIGKILL');
      return;
    }
    const failed = spawned.find((s) => !s.result.ok);
    if (failed !== undefined && !failed.result.ok) {
      // All or none: what did start is stopped before anything is reported.
      for (const p of procs) signalGroup(p.pid, 'SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      if (this.ended) return;
      return this.launchFailed(group, failed.run, failed.result.error);
    }
    for (const [i, { run, result }] of spawned.entries()) {
      if (!result.ok) continue;
      run.proc = result.value;
      run.alive = true;
      run.phase = 'running';
      this.deps.log(`Forked task ${run.info.task_id.value} at ${result.value.pid}`);
      this.update(run, 'TASK_RUNNING', undefined, undefined, { container_status: { executor_pid: process.pid } });
      void result.value.exited.then((exit) => this.reaped(run, exit));
      if (!run.killing) this.startChecks(run, specs[i]!.spec);
    }
    for (const run of group.tasks) if (run.killing) this.escalate(run, run.pendingGraceMs ?? DEFAULT_KILL_GRACE_MS);
  }

  // ───────────────────────────── health checks and checks ─────────────────────────────

  /** COMMAND checks run like the task: its environment, its sandbox, its user; output to its stderr file. */
  private startChecks(run: TaskRun, spec: SpawnSpec): void {
    if (run.info.health_check === undefined && run.info.check === undefined) return;
    run.checks = startTaskChecks({
      task: run.info,
      clock: this.deps.clock,
      command: { env: spec.env, cwd: spec.sandbox, switchTo: spec.switchTo, outputPath: join(spec.sandbox, 'stderr') },
      onHealth: (event) => this.healthChanged(run, event),
      onCheck: (status) => this.checkChanged(run, status),
      log: this.deps.log,
    });
  }

  private stopChecks(run: TaskRun): void {
    run.checks?.stop();
    run.checks = undefined;
  }

  /** Health and check updates stop once the task is being killed or has ended. */
  private checking(run: TaskRun): boolean {
    return run.phase === 'running' && !run.killing && !this.ended;
  }

  private healthChanged(run: TaskRun, event: HealthEvent): void {
    if (!this.checking(run)) return;
    const id = run.info.task_id.value;
    if (event.healthy) this.deps.log(`Task ${id} is healthy`);
    else this.deps.log(`Health check of task ${id} failed ${event.consecutiveFailures} time(s) in a row: ${event.message}`);
    this.send(run, healthUpdate(this.runningStatus(run), event.healthy));
    if (!event.healthy && event.killTask) {
      run.group.unhealthy = true;
      this.deps.log(`Killing task ${id} after ${event.consecutiveFailures} consecutive failed health checks`);
      this.kill(run.info.task_id);
    }
  }

  private checkChanged(run: TaskRun, status: CheckStatusInfo): void {
    if (!this.checking(run)) return;
    this.send(run, checkUpdate(this.runningStatus(run), status));
  }

  /** The status a health or check update repeats (TASK_RUNNING was sent before any check ran). */
  private runningStatus(run: TaskRun): TaskStatus {
    return run.lastStatus ?? { task_id: run.info.task_id, state: 'TASK_RUNNING' };
  }

  private plan(task: TaskInfo) {
    const config = this.driver.config;
    const dir = taskSandboxPath(this.deps.directory, task.task_id.value);
    if (!dir.ok) return Promise.resolve(dir);
    const ip = containerIp(config.agentUrl);
    return planTaskSpawn(task, {
      framework: this.framework,
      frameworkId: config.frameworkId,
      executorId: config.executorId,
      agentEndpoint: config.agentEndpoint,
      directory: dir.value,
      sandbox: dir.value,
      path: this.deps.env.PATH,
      containerId: this.deps.env[CONTAINER_ID_ENV] || undefined,
      launcher: this.deps.env[TASK_LAUNCHER_ENV],
      switchUser: this.deps.switchUser,
      self: this.deps.self,
      lookupUser: this.deps.lookupUser,
      ...(ip !== undefined ? { extraEnv: { MESOS_CONTAINER_IP: ip } } : {}),
    });
  }

  private launchFailed(group: GroupRun, culprit: TaskRun, message: string): void {
    this.deps.log(`Task group not started: task ${culprit.info.task_id.value}: ${message}`);
    for (const run of group.tasks) {
      const why = run === culprit ? message : `Task '${culprit.info.task_id.value}' of the task group could not be started: ${message}`;
      this.terminal(run, 'TASK_FAILED', why, 'REASON_CONTAINER_LAUNCH_FAILED');
    }
  }

  // ───────────────────────────── running tasks ─────────────────────────────

  private reaped(run: TaskRun, exit: TaskExit): void {
    run.alive = false;
    this.stopChecks(run);
    run.escalation?.cancel();
    // What the task left in its process group dies with it, as it would with its container.
    if (run.proc) signalGroup(run.proc.pid, 'SIGKILL');
    if (this.ended) return;
    const message = describeExit(exit.code, exit.signal);
    this.deps.log(`Task ${run.info.task_id.value}: ${message} (pid: ${run.proc?.pid})`);
    const state: TaskState = run.killing ? 'TASK_KILLED' : exit.code === 0 ? 'TASK_FINISHED' : 'TASK_FAILED';
    this.terminal(run, state, message);
    // The default policy of a task group: one task failing or killed takes the rest of it down.
    if ((state === 'TASK_FAILED' || state === 'TASK_KILLED') && !run.group.killing && !this.shuttingDown) {
      this.deps.log(`Task ${run.info.task_id.value} ended ${state}; killing the rest of its task group`);
      run.group.killing = true;
      this.killGroup(run.group, run);
    }
  }

  /** Kills every other active task of the group with its own kill policy. */
  private killGroup(group: GroupRun, except: TaskRun): void {
    for (const other of group.tasks) {
      if (other === except || other.phase === 'terminated') continue;
      this.killTask(other, graceMs(other.info.kill_policy) ?? DEFAULT_KILL_GRACE_MS);
    }
  }

  private killTask(run: TaskRun, grace: number): void {
    if (run.phase === 'terminated' || this.ended) return;
    if (!run.killing) {
      run.killing = true;
      this.stopChecks(run);
      if (this.framework !== undefined && hasCapability(this.framework, 'TASK_KILLING_STATE')) this.update(run, 'TASK_KILLING');
    }
    if (!run.alive) {
      run.pendingGraceMs = Math.min(run.pendingGraceMs ?? grace, grace);
      return;
    }
    this.escalate(run, grace);
  }

  private escalate(run: TaskRun, grace: number): void {
    const proc = run.proc;
    if (proc === undefined || !run.alive) return;
    run.escalation ??= new KillEscalation({ clock: this.deps.clock, pgid: proc.pid, alive: () => run.alive, log: this.deps.log });
    run.escalation.request(grace);
  }

  // ───────────────────────────── updates and the end ─────────────────────────────

  private terminal(run: TaskRun, state: TaskState, message: string, reason?: TaskStatusReason): void {
    if (run.phase === 'terminated') return;
    run.phase = 'terminated';
    this.stopChecks(run);
    const extra = run.group.unhealthy ? { healthy: false } : {};
    run.terminalUuid = this.update(run, state, message, reason, extra)?.uuid;
    // An update that could not be sent will never be acknowledged: do not wait for it.
    if (run.terminalUuid === undefined) this.tasks.delete(run.info.task_id.value);
    this.maybeEnd();
  }

  /** Ends when no task is active and every terminal update is acknowledged (or cannot be). */
  private maybeEnd(): void {
    if (this.ended || (!this.launchedAny && !this.shuttingDown)) return;
    for (const run of this.tasks.values()) if (run.phase !== 'terminated') return;
    const why = this.shuttingDown ? 'shut down' : 'no task is left';
    if (this.tasks.size === 0) return this.finish(this.exitCode(), `${why}: every terminal status update was acknowledged`);
    if (!this.connected()) return this.finish(this.exitCode(), `${why}, and the agent is gone`);
    this.armAckTimer();
  }

  /**
   * Ends the executor if the terminal updates are not acknowledged in time. While the driver is
   * re-subscribing (a checkpointing executor whose agent restarts) the wait goes on: the updates
   * travel in the next SUBSCRIBE, and the driver's recovery timeout bounds the wait.
   */
  private armAckTimer(): void {
    if (this.ackTimer !== undefined) return;
    const ms = this.deps.terminalAckTimeoutMs;
    this.ackTimer = this.deps.clock.setTimer(ms, () => {
      this.ackTimer = undefined;
      if (this.driver.state === 'RECOVERING' || this.driver.state === 'SUBSCRIBING') return this.armAckTimer();
      this.finish(this.exitCode(), `the terminal status updates were not acknowledged within ${ms} ms`);
    });
  }

  private cancelAckTimer(): void {
    this.ackTimer?.cancel();
    this.ackTimer = undefined;
  }

  /**
   * A fresh status (nothing carried over from earlier ones), for a task of ours (a TaskRun) or an
   * ID refused outright; a task with a check carries its empty `check_status`.
   */
  private update(
    task: TaskRun | TaskID,
    state: TaskState,
    message?: string,
    reason?: TaskStatusReason,
    extra: { container_status?: ContainerStatus; healthy?: boolean } = {},
  ): TaskStatus | undefined {
    const run = isRun(task) ? task : undefined;
    const checkStatus = run !== undefined ? freshCheckStatus(run.info) : undefined;
    return this.send(run, {
      task_id: isRun(task) ? task.info.task_id : task,
      state,
      ...(message !== undefined ? { message } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...extra,
      ...(checkStatus !== undefined ? { check_status: checkStatus } : {}),
    });
  }

  private send(run: TaskRun | undefined, input: StatusUpdateInput): TaskStatus | undefined {
    const r = this.driver.sendStatusUpdate(input);
    if (!r.ok) {
      this.deps.log(`Could not send ${input.state} for task ${input.task_id.value}: ${r.error}`);
      return undefined;
    }
    if (run !== undefined) run.lastStatus = r.value;
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
    this.cancelAckTimer();
    for (const run of this.tasks.values()) {
      this.stopChecks(run);
      run.escalation?.cancel();
      if (run.proc && run.alive) signalGroup(run.proc.pid, 'SIGKILL');
    }
    this.driver.stop();
    this.deps.log(`Executor ends: ${message}`);
    this.deps.finished({ code, destroyed, message });
  }
}

/**
 * MESOS_CONTAINER_IP: Mesos gives tasks of the default executor the executor's own IP. Without
 * network namespaces that is the address the agent is reached at (when it is an IP).
 */
export function containerIp(agentUrl: string): string | undefined {
  let host: string;
  try {
    host = new URL(agentUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
  return isIP(host) !== 0 ? host : undefined;
}
