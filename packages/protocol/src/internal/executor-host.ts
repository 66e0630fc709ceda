/**
 * The agent ↔ executor-host protocol (ADR 0003). The executor host is one long-lived process per
 * agent that runs Agora's own executors (command executors, and default executors for task groups)
 * as in-process instances, each a full v1 executor-API client of the agent. The agent talks to the host over a Unix socket in its runtime directory; each
 * message is one line of JSON (newline-delimited), envelope style `{"type": "LAUNCH", "launch": {...}}`.
 *
 * Contract:
 *  - LAUNCH starts an instance of `kind` (default COMMAND) with exactly the environment a separate
 *    executor process would get (MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_DIRECTORY,
 *    MESOS_AGENT_ENDPOINT, ...); the host answers LAUNCHED (or LAUNCH_FAILED) with the same container_id.
 *  - The host reports every task process it starts (TASK_PROCESS), so the agent can kill the
 *    process tree itself if the host is gone, and EXITED when an instance ends (status is a
 *    waitpid-style status: exit code << 8, or the signal number).
 *  - DESTROY kills the instance's task processes (SIGKILL to their process groups) and ends the
 *    instance; EXITED follows.
 *  - LIST answers INSTANCES: how a restarted agent re-adopts the host's running executors.
 *  - The host outlives the agent's connection: instances keep running, and reconnect to the
 *    agent's executor API on their own.
 */
import { enumeration, int32, mapOf, message, optional, repeated, required, string, type Infer } from '../codec/schema.ts';

export const ExecutorHostMessageType = enumeration('ExecutorHostMessage.Type', {
  LAUNCH: 1,
  DESTROY: 2,
  LIST: 3,
  SHUTDOWN_HOST: 4,
  LAUNCHED: 11,
  LAUNCH_FAILED: 12,
  TASK_PROCESS: 13,
  EXITED: 14,
  INSTANCES: 15,
});
export type ExecutorHostMessageType = Infer<typeof ExecutorHostMessageType>;

const containerRef = (name: string) => message(name, { container_id: required(string) });

/**
 * Which of Agora's executors an instance runs. Absent means COMMAND: that is all a host or an
 * agent from before this field knows (an older host ignores the field and starts a command
 * executor, which refuses LAUNCH_GROUP with TASK_ERROR: a clear failure, never a silent one).
 */
export const HostExecutorKind = enumeration('ExecutorHostMessage.ExecutorKind', {
  COMMAND: 1,
  DEFAULT: 2,
});
export type HostExecutorKind = Infer<typeof HostExecutorKind>;

export const HostLaunch = message('ExecutorHostMessage.Launch', {
  container_id: required(string),
  /** The complete environment of the executor instance (the host does not add its own). */
  env: required(mapOf(string)),
  /** The executor to run; absent = COMMAND. */
  kind: optional(HostExecutorKind),
});
export type HostLaunch = Infer<typeof HostLaunch>;

export const HostInstance = message('ExecutorHostMessage.Instance', {
  container_id: required(string),
  executor_id: optional(string),
  framework_id: optional(string),
  task_pids: repeated(int32),
});
export type HostInstance = Infer<typeof HostInstance>;

export const ExecutorHostMessage = message(
  'ExecutorHostMessage',
  {
    type: required(ExecutorHostMessageType),
    launch: optional(HostLaunch),
    destroy: optional(containerRef('ExecutorHostMessage.Destroy')),
    launched: optional(message('ExecutorHostMessage.Launched', { container_id: required(string), pid: required(int32) })),
    launch_failed: optional(message('ExecutorHostMessage.LaunchFailed', { container_id: required(string), message: required(string) })),
    task_process: optional(message('ExecutorHostMessage.TaskProcess', { container_id: required(string), pid: required(int32) })),
    exited: optional(message('ExecutorHostMessage.Exited', { container_id: required(string), status: required(int32), message: optional(string) })),
    instances: optional(message('ExecutorHostMessage.Instances', { instances: repeated(HostInstance) })),
  },
  (m) => {
    const key = m.type.toLowerCase() as keyof typeof m;
    return m[key] === undefined && m.type !== 'LIST' && m.type !== 'SHUTDOWN_HOST'
      ? { field: String(key), message: `missing required field for type ${m.type}` }
      : undefined;
  },
);
export type ExecutorHostMessage = Infer<typeof ExecutorHostMessage>;

/** The socket's file name inside the agent's runtime directory. */
export const EXECUTOR_HOST_SOCKET = 'executor-host.sock';
