/**
 * Everything decided before a task's process is spawned: argv (launch-plan.ts), the user it runs
 * as (user.ts) and its environment. Shared by the command executor (the task runs in the
 * executor's sandbox) and the default executor (each task in `<sandbox>/tasks/<task_id>/`).
 * Every problem is a value naming what is wrong; the task is then not started.
 */
import { err, ok, type FrameworkInfo, type Result, type TaskInfo } from '@agora/protocol';
import { allocationRole, commandArgv, requestedUser, taskEnvironment } from './launch-plan.ts';
import { runcTargetOf } from './container-enter.ts';
import { parseTaskLauncher, wrapArgv } from './task-launcher.ts';
import type { SpawnSpec } from './task-process.ts';
import { resolveRunAs, type LookupUser, type Self } from './user.ts';

export interface SpawnContext {
  readonly framework: FrameworkInfo | undefined;
  readonly frameworkId: string;
  readonly executorId: string;
  readonly agentEndpoint: string;
  /** Where the task runs: its cwd, holding its `stdout`/`stderr`. */
  readonly directory: string;
  /** MESOS_SANDBOX as the task sees it. */
  readonly sandbox: string;
  /** The executor's PATH, passed on to the task. */
  readonly path: string | undefined;
  /** The executor's AGORA_CONTAINER_ID, passed on to the task. */
  readonly containerId: string | undefined;
  readonly switchUser: boolean;
  readonly self: Self;
  readonly lookupUser: LookupUser;
  /** Executor-specific variables under the task's own (e.g. MESOS_CONTAINER_IP). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** The executor's AGORA_TASK_LAUNCHER (task-launcher.ts): every task starts through it. */
  readonly launcher?: string | undefined;
}

export async function planTaskSpawn(task: TaskInfo, ctx: SpawnContext): Promise<Result<SpawnSpec, string>> {
  const id = task.task_id.value;
  const command = task.command;
  if (command === undefined) return err(`Task '${id}' has no command: this executor runs CommandInfo tasks only`);
  const launcher = parseTaskLauncher(ctx.launcher);
  if (!launcher.ok) return launcher;
  // Through the agent's launcher an image container may run the image's Entrypoint/Cmd (no executable here).
  const imageDefault = launcher.value !== undefined && command.shell === false && (command.value === undefined || command.value === '');
  const argv = imageDefault ? ok({ file: '', args: [], argv0: '' }) : commandArgv(id, command);
  if (!argv.ok) return argv;
  const runAs = ctx.switchUser ? await resolveRunAs(requestedUser(task, ctx.framework), ctx.self, ctx.lookupUser) : ok({ home: ctx.self.home, switchTo: undefined });
  if (!runAs.ok) return runAs;
  const env = taskEnvironment(
    {
      sandbox: ctx.sandbox,
      taskId: id,
      frameworkId: ctx.frameworkId,
      executorId: ctx.executorId,
      agentEndpoint: ctx.agentEndpoint,
      role: allocationRole(task, ctx.framework),
      path: ctx.path,
      home: runAs.value.home,
      containerId: ctx.containerId,
      ...(ctx.extraEnv !== undefined ? { extra: ctx.extraEnv } : {}),
    },
    command,
  );
  if (!env.ok) return env;
  if (launcher.value !== undefined) {
    const wrapped = wrapArgv(launcher.value, argv.value, runAs.value.switchTo);
    const container = runcTargetOf(launcher.value);
    return ok({ argv: wrapped.argv, env: env.value, sandbox: ctx.directory, switchTo: wrapped.switchTo, ...(container ? { container } : {}) });
  }
  return ok({ argv: argv.value, env: env.value, sandbox: ctx.directory, switchTo: runAs.value.switchTo });
}
