/**
 * Public entry of @agora/executors: the command executor (one task's CommandInfo as a process,
 * like Mesos's mesos-executor) and the executor host that runs many of them in one process
 * (ADR 0003). The agent starts them through `bin/agora-command-executor` and `bin/agora-executor-host`.
 */
export {
  startCommandExecutor,
  runCommandExecutor,
  type CommandExecutorHandle,
  type CommandExecutorOptions,
} from './command/start.ts';
export {
  CommandExecutor,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_TERMINAL_ACK_TIMEOUT_MS,
  EXIT as COMMAND_EXECUTOR_EXIT,
  type CommandExecutorExit,
} from './command/command-executor.ts';
export { commandArgv, taskEnvironment, describeExit } from './command/launch-plan.ts';
export {
  startExecutorHost,
  exitStatus,
  DESTROYED_STATUS,
  type ExecutorHostHandle,
  type ExecutorHostOptions,
  type StartInstance,
} from './host/host.ts';
export { connectExecutorHost, type ExecutorHostClient, type ExecutorHostClientOptions } from './host/client.ts';
