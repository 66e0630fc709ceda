/**
 * The executor the agent generates for a command task (a TaskInfo with `command` and no
 * `executor`), exactly as Mesos's `Slave::getExecutorInfo`: its ID is the task's ID, its source
 * the task's ID, and its name describes the command.
 */
import { secondsToNanos, type ExecutorInfo, type FrameworkInfo, type TaskInfo } from '@agora/protocol';

/** `(Command: sh -c 'echo hello')`, or the first 12 characters and `...` when longer than 15. */
export function describeCommand(task: TaskInfo): string {
  const command = task.command;
  if (command === undefined || command.shell) {
    const value = command?.value;
    if (value === undefined) return '(Command: NO COMMAND)';
    return value.length > 15 ? `(Command: sh -c '${value.slice(0, 12)}...')` : `(Command: sh -c '${value}')`;
  }
  if (command.value === undefined) return '(Command: NO EXECUTABLE)';
  const args = [command.value, ...(command.arguments ?? [])].join(', ');
  return args.length > 15 ? `(Command: [${args.slice(0, 12)}...])` : `(Command: [${args}])`;
}

export function commandExecutorName(task: TaskInfo): string {
  return `Command Executor (Task: ${task.task_id.value}) ${describeCommand(task)}`;
}

/**
 * The generated ExecutorInfo. `command` names the command executor's entry point (informational:
 * the containerizer starts it) and carries the task's URIs, environment and user, which the
 * launch needs. With a kill policy, the shutdown grace period is the kill grace plus 1 s so the
 * executor can finish its kill escalation before its container is destroyed.
 */
export function commandExecutorInfo(framework: FrameworkInfo, task: TaskInfo, entryPoint: string): ExecutorInfo {
  const info: ExecutorInfo = {
    executor_id: { value: task.task_id.value },
    name: commandExecutorName(task),
    source: task.task_id.value,
    command: { shell: false, value: entryPoint, arguments: ['command-executor'] },
  };
  if (framework.id !== undefined) info.framework_id = { value: framework.id.value };
  const cmd = task.command;
  if (cmd?.uris !== undefined) info.command!.uris = cmd.uris;
  if (cmd?.environment !== undefined) info.command!.environment = cmd.environment;
  if (cmd?.user !== undefined) info.command!.user = cmd.user;
  if (task.container !== undefined) info.container = task.container;
  const grace = task.kill_policy?.grace_period;
  if (grace !== undefined) info.shutdown_grace_period = { nanoseconds: grace.nanoseconds + secondsToNanos(1) };
  return info;
}
