/**
 * Agent recovery, the core's part (Mesos's Slave::recover / _recover / reregisterExecutorTimeout):
 * the checkpointed state becomes the core's records again, the status update streams are
 * restored, and the containers that outlived the previous agent process are re-attached.
 *
 *  1. `restore` (synchronous): the agent ID, frameworks, executors (REGISTERING, `recovered`),
 *     and their tasks — every checkpointed task counts as launched, as in Mesos: a task still in
 *     TASK_STAGING that the executor does not list when it re-subscribes is lost in transit
 *     ("Task launched during agent restart"). Completed tasks go to the completed list. Streams
 *     with unacknowledged updates are restored, to be re-sent once the agent has re-registered.
 *  2. `reattach`: the containerizer adopts the containers still running (PID and its start time
 *     checked, same boot); the rest ended while the agent was down: their active tasks get
 *     TASK_FAILED with REASON_EXECUTOR_TERMINATED. After a reboot nothing is adopted.
 *  3. `startReregistrationTimers` (once the executor API is listening): a recovered executor that
 *     does not re-subscribe within --executor-reregistration-timeout is destroyed and its active
 *     tasks become TASK_LOST with REASON_EXECUTOR_REREGISTRATION_TIMEOUT (Mesos's outcome).
 */
import { formatDurationMs, isTerminalState } from '@agora/protocol';
import type { RecoveredExecutor, RecoveredState } from '../checkpoint/reader.ts';
import type { RecoverSpec } from '../containerizer/containerizer.ts';
import { uuidKey } from '../status-updates/manager.ts';
import type { AgentCore } from './agent-core.ts';
import { containerTerminated } from './executor-lifecycle.ts';
import { MAX_STATUSES_PER_TASK, type ExecutorRecord, type FrameworkRecord } from './model.ts';

export interface RestoreSummary {
  frameworks: number;
  executors: number;
  tasks: number;
  pendingUpdates: number;
}

/** Rebuilds the core's records from the checkpoints. The core must be fresh (nothing launched yet). */
export function restore(core: AgentCore, state: RecoveredState): RestoreSummary {
  core.agentId = state.agentId;
  const summary: RestoreSummary = { frameworks: 0, executors: 0, tasks: 0, pendingUpdates: 0 };
  for (const rf of state.frameworks) {
    const live = rf.executors.filter((e) => e.run !== undefined);
    if (live.length === 0) continue;
    const fw = core.ensureFramework(rf.info);
    summary.frameworks++;
    for (const re of live) {
      const ex = restoreExecutor(core, fw, re, summary);
      fw.executors.set(ex.id, ex);
      summary.executors++;
    }
  }
  return summary;
}

function restoreExecutor(core: AgentCore, fw: FrameworkRecord, re: RecoveredExecutor, summary: RestoreSummary): ExecutorRecord {
  const run = re.run!;
  const ex: ExecutorRecord = {
    id: re.info.executor_id.value,
    frameworkId: fw.id,
    info: re.info,
    kind: run.info.kind,
    containerId: run.containerId,
    directory: core.deps.layout.runDir(core.agentId!, fw.id, re.info.executor_id.value, run.containerId),
    state: 'REGISTERING',
    queued: [],
    launched: new Map(),
    terminated: new Map(),
    completed: [],
    connection: undefined,
    pid: run.pid,
    termination: undefined,
    registrationTimer: undefined,
    shutdownTimer: undefined,
    exitStatus: undefined,
    recovered: true,
  };
  for (const { task, stream } of run.tasks) {
    const statuses = stream.updates.map((u) => {
      const s = { ...u.status };
      delete s.data;
      return s;
    });
    const last = statuses.at(-1);
    const restored = { ...task, state: last?.state ?? task.state, ...(statuses.length > 0 ? { statuses: statuses.slice(-MAX_STATUSES_PER_TASK) } : {}) };
    const tid = task.task_id.value;
    if (stream.completed) {
      ex.completed.push(restored);
      continue;
    }
    summary.tasks++;
    (isTerminalState(restored.state) ? ex.terminated : ex.launched).set(tid, restored);
    fw.tasks.set(tid, ex);
    const received = stream.updates.map((u) => uuidKey((u.uuid ?? u.status.uuid)!)!);
    core.statusUpdates.recover({ frameworkId: fw.id, taskId: tid, executorId: ex.id, containerId: ex.containerId }, stream.pending, received, stream.acknowledged);
    summary.pendingUpdates += stream.pending.length;
    const head = stream.pending[0];
    if (head) {
      restored.status_update_state = head.status.state;
      restored.status_update_uuid = head.uuid ?? head.status.uuid!;
    }
  }
  return ex;
}

/** The containers to ask the containerizer about: every recovered executor's. */
export function recoverSpecs(core: AgentCore, runs: Map<string, { launcher?: string; starttime?: number }>): RecoverSpec[] {
  const specs: RecoverSpec[] = [];
  for (const fw of core.frameworks.values()) {
    for (const ex of fw.executors.values()) {
      if (!ex.recovered) continue;
      const r = runs.get(ex.containerId);
      specs.push({
        containerId: ex.containerId,
        kind: ex.kind,
        ...(r?.launcher !== undefined ? { launcher: r.launcher } : {}),
        ...(ex.pid !== undefined ? { pid: ex.pid } : {}),
        ...(r?.starttime !== undefined ? { starttime: r.starttime } : {}),
      });
    }
  }
  return specs;
}

/** Waits on the adopted containers; the others have ended (their tasks fail). */
export function reattach(core: AgentCore, alive: ReadonlySet<string>): { adopted: number; ended: number } {
  let adopted = 0;
  let ended = 0;
  for (const fw of [...core.frameworks.values()]) {
    for (const ex of [...fw.executors.values()]) {
      if (!ex.recovered) continue;
      if (alive.has(ex.containerId)) {
        adopted++;
        const exit = core.deps.containerizer
          .wait(ex.containerId)
          .then((t) => core.guard('container ended', () => containerTerminated(core, ex, t)))
          .catch((e: unknown) => core.logger.error({ err: e, containerId: ex.containerId }, 'bug: waiting for a container failed'))
          .finally(() => core.pendingExits.delete(exit));
        core.pendingExits.add(exit);
        continue;
      }
      ended++;
      ex.recovered = false;
      ex.termination = { reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor terminated while the agent was down' };
      containerTerminated(core, ex, { status: -1, message: 'Executor terminated while the agent was down' });
    }
  }
  return { adopted, ended };
}

/** Recovered executors get --executor-reregistration-timeout to re-subscribe; then they are destroyed. */
export function startReregistrationTimers(core: AgentCore): void {
  const ms = core.config.executorReregistrationTimeoutMs ?? 2000;
  for (const fw of core.frameworks.values()) {
    for (const ex of fw.executors.values()) {
      if (!ex.recovered || ex.state !== 'REGISTERING') continue;
      ex.registrationTimer?.cancel();
      ex.registrationTimer = core.deps.clock.setTimer(ms, () =>
        core.guard('reregistration timeout', () => {
          ex.registrationTimer = undefined;
          if (ex.state !== 'REGISTERING') return;
          core.logger.warn({ executorId: ex.id, frameworkId: ex.frameworkId }, 'recovered executor did not re-subscribe in time; destroying it');
          ex.state = 'TERMINATING';
          ex.termination = { state: 'TASK_LOST', reason: 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', message: `Executor did not reregister within ${formatDurationMs(ms)}` };
          core.background(core.deps.containerizer.destroy(ex.containerId), 'destroy');
        }),
      );
    }
  }
}
