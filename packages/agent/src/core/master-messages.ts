/**
 * What the agent does with each message from the master (once registered): launches, kills,
 * shutdowns, acknowledgements, framework messages and updates, reconciliation.
 */
import { hasCapability, type internal } from '@agora/protocol';
import type { ExecutorKind } from '../containerizer/containerizer.ts';
import type { AgentCore } from './agent-core.ts';
import { commandExecutorInfo } from './command-executor.ts';
import {
  createExecutor, frameworkMessage, idError, killTask, queueOrDeliver, shutdownExecutor, shutdownFramework,
} from './executor-lifecycle.ts';
import type { ExecutorRecord } from './model.ts';

export function handleMasterMessage(core: AgentCore, msg: internal.MasterMessage): void {
  switch (msg.type) {
    case 'RUN_TASK':
      return runTask(core, msg.run_task!);
    case 'RUN_TASK_GROUP':
      return runTaskGroup(core, msg.run_task_group!);
    case 'KILL_TASK':
      return killTask(core, msg.kill_task!.framework_id.value, msg.kill_task!.task_id.value, msg.kill_task!.kill_policy);
    case 'SHUTDOWN_EXECUTOR': {
      const ex = core.frameworks.get(msg.shutdown_executor!.framework_id.value)?.executors.get(msg.shutdown_executor!.executor_id.value);
      if (ex) shutdownExecutor(core, ex);
      return;
    }
    case 'SHUTDOWN_FRAMEWORK':
      return shutdownFramework(core, msg.shutdown_framework!.framework_id.value);
    case 'STATUS_UPDATE_ACKNOWLEDGEMENT':
      return core.acknowledgement(msg.status_update_acknowledgement!);
    case 'FRAMEWORK_TO_EXECUTOR': {
      const m = msg.framework_to_executor!;
      return frameworkMessage(core, m.framework_id.value, m.executor_id.value, m.data);
    }
    case 'UPDATE_FRAMEWORK': {
      const info = msg.update_framework!.framework_info;
      const fw = info.id === undefined ? undefined : core.frameworks.get(info.id.value);
      if (fw) fw.info = info;
      return;
    }
    case 'CHECKPOINT_RESOURCES':
      core.checkpointedResources = msg.checkpoint_resources!.resources ?? [];
      core.deps.checkpoints?.resourcesUpdated(core.checkpointedResources);
      return;
    case 'RECONCILE_TASKS':
      return reconcileTasks(core, msg.reconcile_tasks!);
    default:
      core.logger.debug({ type: msg.type }, 'ignoring a master message');
  }
}

function taskKnown(core: AgentCore, frameworkId: string, taskId: string): boolean {
  return core.frameworks.get(frameworkId)?.tasks.has(taskId) ?? false;
}

/** RUN_TASK: a command task (generated command executor) or a task for a custom executor. */
function runTask(core: AgentCore, m: internal.RunTask): void {
  const task = m.task;
  const frameworkId = m.framework.id?.value;
  const taskId = task.task_id.value;
  if (frameworkId === undefined) return void core.logger.warn({ taskId }, 'ignoring RUN_TASK without a framework ID');
  if (core.stopping || core.exiting) return void core.logger.info({ taskId }, 'ignoring RUN_TASK: the agent is stopping');
  const invalid = (message: string) => core.agentUpdate(frameworkId, taskId, 'TASK_ERROR', 'REASON_TASK_INVALID', message);
  const badId = idError('Framework ID', frameworkId) ?? idError('Task ID', taskId);
  if (badId) return invalid(badId);
  if ((task.command === undefined) === (task.executor === undefined)) {
    return invalid('Task should have at least one (but not both) of CommandInfo or ExecutorInfo present');
  }
  if (core.frameworks.get(frameworkId)?.state === 'TERMINATING') return void core.logger.info({ taskId }, 'ignoring RUN_TASK: the framework is terminating');
  if (taskKnown(core, frameworkId, taskId)) return void core.logger.warn({ taskId }, 'ignoring a duplicate RUN_TASK');
  const kind: ExecutorKind = task.executor === undefined ? 'command' : task.executor.type === 'DEFAULT' ? 'default' : 'custom';
  const info = task.executor ?? commandExecutorInfo(m.framework, task, core.config.commandExecutorPath);
  const badExecutor = idError('Executor ID', info.executor_id.value);
  if (badExecutor) return invalid(badExecutor);
  const failLaunch = (message: string, ex?: ExecutorRecord) => core.agentUpdate(frameworkId, taskId, 'TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', message, ex);
  const existing = core.frameworks.get(frameworkId)?.executors.get(info.executor_id.value);
  if (existing) {
    core.ensureFramework(m.framework);
    if (existing.state === 'TERMINATING' || existing.state === 'TERMINATED') {
      const state = core.isPartitionAware(frameworkId) ? 'TASK_DROPPED' : 'TASK_LOST';
      return core.agentUpdate(frameworkId, taskId, state, 'REASON_EXECUTOR_TERMINATED', `Executor ${existing.id} is ${existing.state.toLowerCase()}`);
    }
    return queueOrDeliver(core, core.frameworks.get(frameworkId)!, existing, { kind: 'task', task });
  }
  if (kind === 'default' && !core.config.hasDefaultExecutor) return failLaunch(noDefaultExecutor());
  if (kind === 'custom' && (info.command?.value ?? '') === '') return failLaunch('the executor has no command to run');
  const fw = core.ensureFramework(m.framework);
  const ex = createExecutor(core, fw, info, kind);
  queueOrDeliver(core, fw, ex, { kind: 'task', task });
}

const noDefaultExecutor = () =>
  'The default executor (agora-default-executor) is not installed in --launcher-dir; task groups need it, and it arrives in a later release';

/** RUN_TASK_GROUP: tasks launched together under one default (or custom) executor. */
function runTaskGroup(core: AgentCore, m: internal.RunTaskGroup): void {
  const frameworkId = m.framework.id?.value;
  const tasks = m.task_group.tasks ?? [];
  if (frameworkId === undefined || tasks.length === 0) return void core.logger.warn('ignoring RUN_TASK_GROUP without a framework ID or tasks');
  if (core.stopping || core.exiting) return;
  const failAll = (state: 'TASK_ERROR' | 'TASK_FAILED', reason: 'REASON_TASK_GROUP_INVALID' | 'REASON_CONTAINER_LAUNCH_FAILED', message: string, ex?: ExecutorRecord) => {
    for (const t of tasks) core.agentUpdate(frameworkId, t.task_id.value, state, reason, message, ex);
  };
  const badId = idError('Framework ID', frameworkId) ?? idError('Executor ID', m.executor.executor_id.value) ?? tasks.map((t) => idError('Task ID', t.task_id.value)).find((e) => e !== undefined);
  if (badId) return failAll('TASK_ERROR', 'REASON_TASK_GROUP_INVALID', badId);
  if (core.frameworks.get(frameworkId)?.state === 'TERMINATING') return;
  if (tasks.some((t) => taskKnown(core, frameworkId, t.task_id.value))) return void core.logger.warn('ignoring a duplicate RUN_TASK_GROUP');
  const info = m.executor;
  const kind: ExecutorKind = info.type === 'CUSTOM' || (info.type !== 'DEFAULT' && info.command !== undefined) ? 'custom' : 'default';
  const existing = core.frameworks.get(frameworkId)?.executors.get(info.executor_id.value);
  // The executor's URIs are fetched when its container launches (fetcher/containerizer.ts); the
  // URIs of the group's own tasks, into their task sandboxes before delivery (group-fetch.ts).
  if (existing) {
    core.ensureFramework(m.framework);
    if (existing.state === 'TERMINATING' || existing.state === 'TERMINATED') {
      const state = core.isPartitionAware(frameworkId) ? 'TASK_DROPPED' : 'TASK_LOST';
      for (const t of tasks) core.agentUpdate(frameworkId, t.task_id.value, state, 'REASON_EXECUTOR_TERMINATED', `Executor ${existing.id} is ${existing.state.toLowerCase()}`);
      return;
    }
    return queueOrDeliver(core, core.frameworks.get(frameworkId)!, existing, { kind: 'group', group: m.task_group });
  }
  if (kind === 'default' && !core.config.hasDefaultExecutor) return failAll('TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', noDefaultExecutor());
  if (kind === 'custom' && (info.command?.value ?? '') === '') return failAll('TASK_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', 'the executor has no command to run');
  const fw = core.ensureFramework(m.framework);
  const ex = createExecutor(core, fw, info, kind);
  queueOrDeliver(core, fw, ex, { kind: 'group', group: m.task_group });
}

/** The master asks about tasks it believes are here: the unknown ones are reported lost (or dropped). */
function reconcileTasks(core: AgentCore, m: internal.ReconcileTasks): void {
  const frameworkId = m.framework_id.value;
  // The master's FrameworkInfo decides, as in Mesos: this agent may never have seen the framework
  // (its only launch here was lost in transit).
  const partitionAware = m.framework ? hasCapability(m.framework, 'PARTITION_AWARE') : core.isPartitionAware(frameworkId);
  for (const t of m.task_ids ?? []) {
    if (taskKnown(core, frameworkId, t.value)) continue;
    const state = partitionAware ? 'TASK_DROPPED' : 'TASK_LOST';
    core.agentUpdate(frameworkId, t.value, state, 'REASON_RECONCILIATION', 'Reconciliation: task unknown to the agent');
  }
}
