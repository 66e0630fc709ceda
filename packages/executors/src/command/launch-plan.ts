/**
 * What to exec for a command task, decided before anything is spawned (pure, so the rules are
 * table-tested): the argv from CommandInfo, and the environment.
 *
 *  - shell form (`shell`, the default): `/bin/sh -c <value>`; `arguments` is ignored.
 *  - argv form (`shell: false`): `value` is the executable's path and `arguments` the complete
 *    argv, argv[0] included (an empty `arguments` means argv = [value]).
 *  - environment: a sane base (below) overlaid by CommandInfo.environment's VALUE variables,
 *    then AGORA_CONTAINER_ID when the agent gave the executor one: the agent finds every process
 *    of a container by it (a stray a task left behind included), so a framework cannot override it.
 *    SECRET variables cannot be resolved by this executor, so they fail the task rather than run
 *    it with a variable silently missing.
 */
import { err, ok, type CommandInfo, type FrameworkInfo, type Result, type TaskInfo } from '@agora/protocol';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Argv {
  readonly file: string;
  readonly args: readonly string[];
  readonly argv0: string;
}

export function commandArgv(taskId: string, command: CommandInfo): Result<Argv, string> {
  const value = command.value;
  if (command.shell) {
    if (value === undefined || value === '') return err(`Shell command of task '${taskId}' is not specified`);
    return ok({ file: '/bin/sh', args: ['-c', value], argv0: 'sh' });
  }
  if (value === undefined || value === '') return err(`Executable of task '${taskId}' is not specified`);
  const argv = command.arguments ?? [];
  return ok({ file: value, args: argv.slice(1), argv0: argv[0] ?? value });
}

export interface BaseEnvironment {
  readonly sandbox: string;
  readonly taskId: string;
  readonly frameworkId: string;
  readonly executorId: string;
  readonly agentEndpoint: string;
  readonly role: string | undefined;
  readonly path: string | undefined;
  readonly home: string | undefined;
  /** The executor's AGORA_CONTAINER_ID, passed on to the task. */
  readonly containerId: string | undefined;
  /** Variables the executor adds (e.g. the default executor's MESOS_CONTAINER_IP), under CommandInfo's. */
  readonly extra?: Readonly<Record<string, string>>;
}

export const CONTAINER_ID_ENV = 'AGORA_CONTAINER_ID';

export function taskEnvironment(base: BaseEnvironment, command: CommandInfo): Result<Record<string, string>, string> {
  const env: Record<string, string> = {
    PATH: base.path || DEFAULT_PATH,
    HOME: base.home || base.sandbox,
    MESOS_SANDBOX: base.sandbox,
    MESOS_TASK_ID: base.taskId,
    MESOS_FRAMEWORK_ID: base.frameworkId,
    MESOS_EXECUTOR_ID: base.executorId,
    MESOS_AGENT_ENDPOINT: base.agentEndpoint,
  };
  if (base.role !== undefined) env.MESOS_ALLOCATION_ROLE = base.role;
  if (base.extra !== undefined) Object.assign(env, base.extra);
  for (const v of command.environment?.variables ?? []) {
    if (v.type === 'SECRET') return err(`Environment variable '${v.name}' is a secret, and this executor cannot resolve secrets`);
    if (v.type !== 'VALUE') return err(`Environment variable '${v.name}' has an unknown type`);
    if (v.value === undefined) return err(`Environment variable '${v.name}' has no value`);
    env[v.name] = v.value;
  }
  if (base.containerId !== undefined) env[CONTAINER_ID_ENV] = base.containerId;
  return ok(env);
}

/** The role the task's resources are allocated to (Mesos sets MESOS_ALLOCATION_ROLE from it), else the framework's only role. */
export function allocationRole(task: TaskInfo, framework: FrameworkInfo | undefined): string | undefined {
  for (const r of task.resources ?? []) {
    if (r.allocation_info?.role !== undefined) return r.allocation_info.role;
  }
  if (framework === undefined) return undefined;
  if (framework.roles !== undefined && framework.roles.length === 1) return framework.roles[0];
  return framework.role;
}

/** The user the task runs as: CommandInfo.user, else FrameworkInfo.user. */
export const requestedUser = (task: TaskInfo, framework: FrameworkInfo | undefined): string | undefined =>
  task.command?.user ?? framework?.user;

/** `Command exited with status 3` / `Command terminated with signal SIGKILL`. */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal !== null) return `Command terminated with signal ${signal}`;
  return `Command exited with status ${code ?? 'unknown'}`;
}
