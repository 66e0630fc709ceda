/**
 * Read-only views of the core's state: the re-registration message, and the task lists the
 * operator API and `/state` report. Nothing here mutates.
 */
import type { internal, Task } from '@agora/protocol';
import { MESOS_COMPATIBLE_VERSION } from '../version.ts';
import { AGENT_CAPABILITIES, type AgentCore } from './agent-core.ts';
import { queuedTaskInfos, taskFromInfo, type ExecutorRecord } from './model.ts';

/** Queued tasks as Task records in TASK_STAGING (how Mesos reports them). */
export function queuedTasks(ex: ExecutorRecord): Task[] {
  const executorId = ex.kind === 'command' ? undefined : ex.id;
  return queuedTaskInfos(ex).map((t) => taskFromInfo(t, 'TASK_STAGING', ex.frameworkId, executorId));
}

/**
 * REREGISTER_AGENT: frameworks with executors here, the executors the master tracks (not the
 * generated command executors, not terminated ones), and every task not yet completed with its
 * latest state and the update awaiting acknowledgement.
 */
export function reregistrationMessage(core: AgentCore): internal.AgentMessage {
  const frameworks = [];
  const executors: internal.AgentExecutor[] = [];
  const tasks: Task[] = [];
  for (const fw of core.frameworks.values()) {
    frameworks.push(fw.info);
    for (const ex of fw.executors.values()) {
      tasks.push(...ex.launched.values(), ...ex.terminated.values(), ...queuedTasks(ex));
      if (ex.kind !== 'command' && ex.state !== 'TERMINATED') executors.push({ framework_id: { value: fw.id }, executor_info: ex.info });
    }
  }
  return {
    type: 'REREGISTER_AGENT',
    reregister_agent: {
      agent_info: core.agentInfo(),
      capabilities: AGENT_CAPABILITIES,
      version: MESOS_COMPATIBLE_VERSION,
      checkpointed_resources: core.checkpointedResources,
      frameworks,
      executors,
      tasks,
    },
  };
}

export interface TaskLists {
  queued: Task[];
  launched: Task[];
  terminated: Task[];
  completed: Task[];
}

export function taskLists(core: AgentCore): TaskLists {
  const out: TaskLists = { queued: [], launched: [], terminated: [], completed: [] };
  const add = (ex: ExecutorRecord) => {
    out.queued.push(...queuedTasks(ex));
    out.launched.push(...ex.launched.values());
    out.terminated.push(...ex.terminated.values());
    out.completed.push(...ex.completed);
  };
  for (const fw of core.frameworks.values()) {
    for (const ex of fw.executors.values()) add(ex);
    for (const ex of fw.completedExecutors) out.completed.push(...ex.completed, ...ex.terminated.values());
  }
  for (const fw of core.completedFrameworks) for (const ex of fw.completedExecutors) out.completed.push(...ex.completed);
  return out;
}
