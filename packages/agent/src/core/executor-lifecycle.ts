/**
 * An executor's life on the agent, as Mesos's Slave does it: creation and container launch,
 * subscription (SUBSCRIBE on the executor API), its updates and messages, kills, shutdown with a
 * grace period, the registration timeout, and the end of its container.
 */
import {
  formatDurationMs, idProblem, isTerminalState, validateExecutorCall, type executor as executorApi, type ExecutorInfo, type TaskStatus, type TaskStatusReason,
} from '@agora/protocol';
import type { RunRef } from '../checkpoint/checkpointer.ts';
import type { ContainerTermination, ExecutorKind } from '../containerizer/containerizer.ts';
import { startTimeOf } from '../containerizer/process-tree.ts';
import { executorEnvironment } from '../containerizer/environment.ts';
import { limitationApplies, withLimitation } from '../containerizer/limitation-status.ts';
import { executorStatusUpdate } from '../status-updates/create.ts';
import type { AgentCore } from './agent-core.ts';
import { cancelFetches, deliverable, hasUris, queueFetchingGroup, sandboxReady } from './group-fetch.ts';
import {
  findQueued, hasIncompleteTasks, queuedTaskInfos, removeQueuedTask, taskFromInfo, type ExecutorRecord, type ExecutorSink,
  type FrameworkRecord, type QueuedItem,
} from './model.ts';

/** Creates the executor's record, then (asynchronously) its sandbox and its container. */
export function createExecutor(core: AgentCore, fw: FrameworkRecord, info: ExecutorInfo, kind: ExecutorKind): ExecutorRecord {
  const agentId = core.agentId!;
  const containerId = core.deps.ids.containerId();
  const directory = core.deps.layout.runDir(agentId, fw.id, info.executor_id.value, containerId);
  const ex: ExecutorRecord = {
    id: info.executor_id.value,
    frameworkId: fw.id,
    info: info.framework_id === undefined ? { ...info, framework_id: { value: fw.id } } : info,
    kind,
    containerId,
    directory,
    state: 'REGISTERING',
    sandboxPending: true,
    queued: [],
    launched: new Map(),
    terminated: new Map(),
    completed: [],
    connection: undefined,
    pid: undefined,
    termination: undefined,
    registrationTimer: undefined,
    shutdownTimer: undefined,
    exitStatus: undefined,
  };
  fw.executors.set(ex.id, ex);
  core.checkpoints(fw)?.executorCreated(fw.info, ex.info, runRef(ex), kind);
  ex.registrationTimer = core.deps.clock.setTimer(core.config.executorRegistrationTimeoutMs, () => core.guard('registration timeout', () => registrationTimeout(core, ex)));
  // Tracked until the container's wait is attached, so `stop` also waits for launches in flight.
  const launching: Promise<void> = launchContainer(core, fw, ex)
    .catch((e: unknown) => core.logger.error({ err: e, executorId: ex.id }, 'bug: launching an executor failed'))
    .finally(() => core.pendingExits.delete(launching));
  core.pendingExits.add(launching);
  return ex;
}

function shutdownGrace(core: AgentCore, ex: ExecutorRecord): number {
  const ns = ex.info.shutdown_grace_period?.nanoseconds;
  return ns !== undefined && ns >= 0 ? ns / 1e6 : core.config.executorShutdownGracePeriodMs;
}

async function launchContainer(core: AgentCore, fw: FrameworkRecord, ex: ExecutorRecord): Promise<void> {
  const sandbox = await core.deps.sandboxes.create(ex.directory);
  if (!sandbox.ok) return core.guard('sandbox failed', () => launchFailed(core, ex, sandbox.error));
  if (ex.state !== 'REGISTERING') {
    // Shut down (or timed out) while its sandbox was being made: no container at all.
    return core.guard('launch cancelled', () => containerTerminated(core, ex, { status: -1, message: 'Executor shut down before its container was launched' }));
  }
  core.guard('sandbox ready', () => sandboxReady(core, fw, ex));
  const env = executorEnvironment({
    frameworkId: fw.id,
    executorId: ex.id,
    containerId: ex.containerId,
    agentId: core.agentId!,
    directory: ex.directory,
    agentEndpoint: core.config.endpoint,
    checkpoint: fw.info.checkpoint,
    shutdownGracePeriod: formatDurationMs(shutdownGrace(core, ex)),
    recoveryTimeout: core.config.recoveryTimeout,
    subscriptionBackoffMax: core.config.executorReregistrationTimeout,
    ...(ex.info.command?.environment ? { commandEnvironment: ex.info.command.environment } : {}),
  });
  if (!env.ok) return launchFailed(core, ex, env.error);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const user = core.config.switchUser && asRoot ? (ex.info.command?.user ?? fw.info.user) : undefined;
  // The container's limits: the executor's resources plus its tasks' (as Mesos).
  const tasks = queuedTaskInfos(ex);
  const resources = [...(ex.info.resources ?? []), ...tasks.flatMap((task) => task.resources ?? [])];
  const r = await core.deps.containerizer.launch({
    resources,
    tasks,
    containerId: ex.containerId,
    frameworkId: fw.id,
    executorId: ex.id,
    kind: ex.kind,
    executorInfo: ex.info,
    directory: ex.directory,
    env: env.value,
    ...(user !== undefined && user !== 'root' ? { user } : {}),
  });
  if (!r.ok) return core.guard('launch failed', () => launchFailed(core, ex, r.error));
  ex.pid = r.value.pid;
  core.checkpoints(fw)?.executorLaunched(runRef(ex), ex.kind, r.value.pid, startTimeOf(r.value.pid), r.value.launcher);
  const exit = core.deps.containerizer
    .wait(ex.containerId)
    .then((t) => core.guard('container ended', () => containerTerminated(core, ex, t)))
    .catch((e: unknown) => core.logger.error({ err: e, containerId: ex.containerId }, 'bug: waiting for a container failed'))
    .finally(() => core.pendingExits.delete(exit));
  core.pendingExits.add(exit);
  // Shut down (or timed out) while the launch was in flight: the container goes at once.
  if (currentState(ex) === 'TERMINATING' && ex.shutdownTimer === undefined) core.background(core.deps.containerizer.destroy(ex.containerId), 'destroy');
}

/** Where the executor's run is checkpointed. */
export const runRef = (ex: ExecutorRecord): RunRef => ({ frameworkId: ex.frameworkId, executorId: ex.id, containerId: ex.containerId });

/** Re-reads the state after an await (where TypeScript's narrowing no longer holds). */
const currentState = (ex: ExecutorRecord): ExecutorRecord['state'] => ex.state;

function launchFailed(core: AgentCore, ex: ExecutorRecord, error: string): void {
  core.counters.containerLaunchErrors++;
  core.logger.warn({ executorId: ex.id, containerId: ex.containerId, error }, 'failed to launch the executor');
  ex.termination = { reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: `Failed to launch container: ${error}` };
  containerTerminated(core, ex, { status: -1, message: error });
}

function registrationTimeout(core: AgentCore, ex: ExecutorRecord): void {
  ex.registrationTimer = undefined;
  if (ex.state !== 'REGISTERING') return;
  core.logger.warn({ executorId: ex.id, frameworkId: ex.frameworkId }, 'executor did not subscribe in time; destroying it');
  ex.state = 'TERMINATING';
  ex.termination = { reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT', message: core.registrationTimeoutMessage() };
  core.background(core.deps.containerizer.destroy(ex.containerId), 'destroy');
}

/**
 * Sends SHUTDOWN; the container is destroyed after the executor's grace period — at once if it
 * never subscribed, or if the agent is stopping and the executor is not connected.
 */
export function shutdownExecutor(core: AgentCore, ex: ExecutorRecord): void {
  if (ex.state === 'TERMINATING' || ex.state === 'TERMINATED') return;
  const wasRegistering = ex.state === 'REGISTERING';
  ex.state = 'TERMINATING';
  ex.registrationTimer?.cancel();
  ex.registrationTimer = undefined;
  cancelFetches(ex);
  const connected = ex.connection !== undefined && !ex.connection.closed;
  if (connected) ex.connection!.send({ type: 'SHUTDOWN' });
  // Nothing to wait for: it never subscribed, or the agent is stopping and it cannot hear us.
  if (wasRegistering || ((core.stopping || core.exiting) && !connected)) {
    core.background(core.deps.containerizer.destroy(ex.containerId), 'destroy');
    return;
  }
  ex.shutdownTimer = core.deps.clock.setTimer(shutdownGrace(core, ex), () => {
    ex.shutdownTimer = undefined;
    if (ex.state === 'TERMINATING') core.background(core.deps.containerizer.destroy(ex.containerId), 'destroy');
  });
}

export function shutdownFramework(core: AgentCore, frameworkId: string): void {
  const fw = core.frameworks.get(frameworkId);
  if (!fw) return;
  core.logger.info({ frameworkId }, 'shutting down the framework');
  fw.state = 'TERMINATING';
  for (const ex of [...fw.executors.values()]) {
    if (ex.state === 'TERMINATED') core.removeExecutor(fw, ex);
    else shutdownExecutor(core, ex);
  }
  if (fw.executors.size === 0) core.removeFramework(fw);
}

/** The container has ended: tasks still active fail, the master hears of custom executors' exit. */
export function containerTerminated(core: AgentCore, ex: ExecutorRecord, t: ContainerTermination): void {
  // Detached (the agent process is exiting): the next agent process learns how it ended.
  if (ex.state === 'TERMINATED' || core.detached) return;
  ex.state = 'TERMINATED';
  ex.exitStatus = t.status;
  ex.registrationTimer?.cancel();
  ex.shutdownTimer?.cancel();
  ex.registrationTimer = ex.shutdownTimer = undefined;
  cancelFetches(ex);
  if (ex.connection && !ex.connection.closed) ex.connection.close();
  ex.connection = undefined;
  core.counters.executorsTerminated++;
  const fw = core.frameworks.get(ex.frameworkId);
  if (!fw || fw.executors.get(ex.id) !== ex) return;
  core.logger.info({ executorId: ex.id, frameworkId: fw.id, status: t.status, message: t.message }, 'executor terminated');
  const reporting = !core.stopping && fw.state !== 'TERMINATING';
  if (reporting) {
    const reason = (t.limitation?.reason as TaskStatusReason | undefined) ?? ex.termination?.reason ?? 'REASON_EXECUTOR_TERMINATED';
    const message = t.limitation?.message ?? ex.termination?.message ?? (t.message !== '' ? t.message : 'Executor terminated');
    const state = ex.termination?.state ?? 'TASK_FAILED';
    const active = [...[...ex.launched.values()].map((task) => task.task_id.value), ...queuedTaskInfos(ex).map((task) => task.task_id.value)];
    for (const taskId of active) core.agentUpdate(fw.id, taskId, state, reason, message, ex);
    if (ex.kind !== 'command') {
      core.sendToMaster({ type: 'EXECUTOR_EXITED', executor_exited: { framework_id: { value: fw.id }, executor_id: { value: ex.id }, status: t.status } });
    }
  }
  if (!reporting || !hasIncompleteTasks(ex)) core.removeExecutor(fw, ex);
}

// ───────────────────────────── the executor API ─────────────────────────────

/** Sends the task or group to the subscribed executor; its tasks become launched (TASK_STAGING). */
export function deliver(core: AgentCore, ex: ExecutorRecord, item: QueuedItem): void {
  const tasks = item.kind === 'task' ? [item.task] : (item.group.tasks ?? []);
  const executorId = ex.kind === 'command' ? undefined : ex.id;
  for (const t of tasks) ex.launched.set(t.task_id.value, taskFromInfo(t, 'TASK_STAGING', ex.frameworkId, executorId));
  ex.connection!.send(item.kind === 'task' ? { type: 'LAUNCH', launch: { task: item.task } } : { type: 'LAUNCH_GROUP', launch_group: { task_group: item.group } });
}

/** Gives the executor a task or group: delivered now if it is subscribed, otherwise queued. */
export function queueOrDeliver(core: AgentCore, fw: FrameworkRecord, ex: ExecutorRecord, item: QueuedItem): void {
  const hooks = core.checkpoints(fw);
  for (const t of item.kind === 'task' ? [item.task] : (item.group.tasks ?? [])) {
    fw.tasks.set(t.task_id.value, ex);
    hooks?.taskAdded(runRef(ex), taskFromInfo(t, 'TASK_STAGING', ex.frameworkId, ex.kind === 'command' ? undefined : ex.id));
  }
  // A group whose tasks have URIs waits in the queue until they are in the tasks' sandboxes.
  if (item.kind === 'group' && (item.group.tasks ?? []).some(hasUris)) queueFetchingGroup(core, fw, ex, item);
  else if (ex.state === 'RUNNING' && ex.connection && !ex.connection.closed) deliver(core, ex, item);
  else ex.queued.push(item);
  // A running container grows to hold the new tasks too (ADR 0004; limits only grow until it ends).
  if (ex.pid !== undefined && core.deps.containerizer.update) {
    const resources = [...(ex.info.resources ?? []), ...[...ex.launched.values()].filter((t) => !isTerminalState(t.state)).flatMap((t) => t.resources ?? []), ...queuedTaskInfos(ex).flatMap((t) => t.resources ?? [])];
    core.background(core.deps.containerizer.update(ex.containerId, resources), 'update');
  }
}

/** SUBSCRIBE from the executor (the HTTP layer has found the framework and executor). */
export function subscribe(core: AgentCore, fw: FrameworkRecord, ex: ExecutorRecord, sub: executorApi.Subscribe, sink: ExecutorSink): void {
  if (core.stopping || fw.state === 'TERMINATING' || ex.state === 'TERMINATING' || ex.state === 'TERMINATED') {
    core.logger.info({ executorId: ex.id, state: ex.state }, 'shutting down an executor that subscribed while terminating');
    sink.send({ type: 'SHUTDOWN' });
    sink.close();
    return;
  }
  const old = ex.connection;
  ex.connection = sink;
  if (old && old !== sink && !old.closed) {
    core.logger.info({ executorId: ex.id }, 'closing the previous subscription of a re-subscribing executor');
    old.close();
  }
  ex.state = 'RUNNING';
  ex.recovered = false;
  ex.registrationTimer?.cancel();
  ex.registrationTimer = undefined;

  // Replay the executor's unacknowledged updates (duplicates are harmless); acknowledge after SUBSCRIBED.
  const acks: executorApi.Event[] = [];
  for (const u of sub.unacknowledged_updates ?? []) {
    // Each replayed update must pass the same checks as an UPDATE call.
    const problem = validateExecutorCall({ framework_id: { value: fw.id }, executor_id: { value: ex.id }, type: 'UPDATE', update: u });
    if (problem !== undefined) {
      core.counters.invalidStatusUpdates++;
      core.logger.warn({ executorId: ex.id, problem }, 'ignoring an invalid unacknowledged update in SUBSCRIBE');
      continue;
    }
    const ack = acceptUpdate(core, fw, ex, u.status);
    if (ack) acks.push(ack);
  }
  // Tasks we sent that the executor does not know it has: lost in transit.
  const known = new Set((sub.unacknowledged_tasks ?? []).map((t) => t.task_id.value));
  for (const task of [...ex.launched.values()]) {
    if (task.state === 'TASK_STAGING' && !known.has(task.task_id.value)) {
      const state = core.isPartitionAware(fw.id) ? 'TASK_DROPPED' : 'TASK_LOST';
      core.agentUpdate(fw.id, task.task_id.value, state, 'REASON_AGENT_RESTARTED', 'Task launched during agent restart', ex);
    }
  }
  sink.send({
    type: 'SUBSCRIBED',
    subscribed: { executor_info: ex.info, framework_info: fw.info, agent_info: core.agentInfo(), container_id: { value: ex.containerId } },
  });
  for (const a of acks) sink.send(a);
  // Groups still fetching their tasks' URIs stay queued (group-fetch.ts delivers them).
  const queued = ex.queued;
  ex.queued = queued.filter((q) => !deliverable(q));
  for (const item of queued.filter(deliverable)) deliver(core, ex, item);
  const kills = ex.pendingKills;
  ex.pendingKills = undefined;
  for (const [taskId, policy] of kills ?? []) {
    const task = ex.launched.get(taskId);
    if (task && !isTerminalState(task.state)) sink.send({ type: 'KILL', kill: { task_id: { value: taskId }, ...(policy ? { kill_policy: policy } : {}) } });
  }
  if (!hasIncompleteTasks(ex) && ex.completed.length === 0) {
    core.logger.info({ executorId: ex.id }, 'shutting down an executor that never had a task');
    shutdownExecutor(core, ex);
  }
}

/** The subscription closed; the executor keeps its state and may subscribe again. */
export function subscriptionClosed(ex: ExecutorRecord, sink: ExecutorSink): void {
  if (ex.connection === sink) ex.connection = undefined;
}

/** Validates and forwards one executor update; returns the ACKNOWLEDGED event to send, if any. */
function acceptUpdate(core: AgentCore, fw: FrameworkRecord, ex: ExecutorRecord, status: TaskStatus): executorApi.Event | undefined {
  const taskId = status.task_id.value;
  const ack: executorApi.Event = { type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid! } };
  if (!ex.launched.has(taskId) && !ex.terminated.has(taskId)) {
    // Already completed: the executor missed our acknowledgement; tell it again.
    if (ex.completed.some((t) => t.task_id.value === taskId)) return ack;
    core.counters.invalidStatusUpdates++;
    core.logger.warn({ executorId: ex.id, taskId }, 'ignoring a status update for a task the executor was not given');
    return undefined;
  }
  // A limit the container hit (OOM, disk quota) is why the task ended, whatever the executor saw (ADR 0004).
  const limited = limitationApplies(status.state) ? core.deps.containerizer.limitation?.(ex.containerId) : undefined;
  const update = executorStatusUpdate(fw.id, ex.id, core.agentId, limited ? withLimitation(status, limited) : status, core.now);
  if (status.state === 'TASK_RUNNING' || status.state === 'TASK_STARTING') {
    update.status.container_status = {
      ...(status.container_status ?? {}),
      container_id: { value: ex.containerId },
      ...(ex.pid !== undefined && status.container_status?.executor_pid === undefined ? { executor_pid: ex.pid } : {}),
    };
  }
  return core.submit(update, ex) ? ack : undefined;
}

/** UPDATE from a subscribed executor. */
export function executorUpdate(core: AgentCore, fw: FrameworkRecord, ex: ExecutorRecord, status: TaskStatus): void {
  const ack = acceptUpdate(core, fw, ex, status);
  if (ack && ex.connection && !ex.connection.closed) ex.connection.send(ack);
}

/** MESSAGE from the executor → the framework (best effort). */
export function executorMessage(core: AgentCore, fw: FrameworkRecord, ex: ExecutorRecord, data: string): void {
  const sent = core.sendToMaster({ type: 'EXECUTOR_TO_FRAMEWORK', executor_to_framework: { framework_id: { value: fw.id }, executor_id: { value: ex.id }, data } });
  if (sent) core.counters.validFrameworkMessages++;
  else core.counters.invalidFrameworkMessages++;
}

/** FRAMEWORK_TO_EXECUTOR → MESSAGE event (dropped if the executor is not subscribed). */
export function frameworkMessage(core: AgentCore, frameworkId: string, executorId: string, data: string): void {
  const ex = core.frameworks.get(frameworkId)?.executors.get(executorId);
  if (!ex || ex.state !== 'RUNNING' || !ex.connection || ex.connection.closed) {
    core.counters.invalidFrameworkMessages++;
    core.logger.debug({ frameworkId, executorId }, 'dropping a framework message for an executor that is not running');
    return;
  }
  core.counters.validFrameworkMessages++;
  ex.connection.send({ type: 'MESSAGE', message: { data } });
}

/** KILL_TASK from the master (Mesos's Slave::killTask). */
export function killTask(core: AgentCore, frameworkId: string, taskId: string, killPolicy: executorApi.Kill['kill_policy']): void {
  const found = core.findExecutorOfTask(frameworkId, taskId);
  if (!found) {
    const state = core.isPartitionAware(frameworkId) ? 'TASK_DROPPED' : 'TASK_LOST';
    core.logger.warn({ frameworkId, taskId }, 'asked to kill a task this agent does not know');
    core.agentUpdate(frameworkId, taskId, state, 'REASON_EXECUTOR_TERMINATED', 'Cannot find executor');
    return;
  }
  const { executor: ex } = found;
  const queued = findQueued(ex, taskId);
  if (queued) {
    // Not delivered yet: kill it (and the rest of its group, cancelling its fetch) here.
    cancelFetches(ex, taskId);
    const ids = queued.kind === 'task' ? [taskId] : (queued.group.tasks ?? []).map((t) => t.task_id.value);
    const message = queued.kind === 'task' ? 'Killed before delivery to the executor' : 'A task within the task group was killed before delivery to the executor';
    for (const id of ids) core.agentUpdate(frameworkId, id, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', message, ex);
    for (const id of ids) removeQueuedTask(ex, id);
    // MESOS-8411: an executor whose initial tasks were all killed before it subscribed is shut down.
    if (ex.state === 'REGISTERING' && ex.queued.length === 0 && ex.launched.size === 0) shutdownExecutor(core, ex);
    return;
  }
  const task = ex.launched.get(taskId);
  if (!task || isTerminalState(task.state)) return;
  if (ex.state === 'TERMINATING') {
    core.logger.info({ taskId }, 'ignoring a kill: the executor is terminating');
    return;
  }
  if (!ex.connection || ex.connection.closed) {
    // A recovered executor not re-subscribed yet, or one between subscriptions: it gets the KILL
    // when it subscribes (if it never does, it is destroyed and the task ends anyway).
    core.logger.info({ taskId, executorId: ex.id }, 'the executor is not connected; the KILL waits for it to subscribe');
    (ex.pendingKills ??= new Map()).set(taskId, killPolicy);
    return;
  }
  ex.connection.send({ type: 'KILL', kill: { task_id: { value: taskId }, ...(killPolicy ? { kill_policy: killPolicy } : {}) } });
}

/** Whether an ID can become a path component; the message names the field. */
export function idError(field: string, value: string): string | undefined {
  const p = idProblem(value);
  return p === undefined ? undefined : `${field} '${value.slice(0, 64)}' ${p}`;
}
