/**
 * An image container's process, as Mesos builds it: the command is the task's (`shell`: `/bin/sh
 * -c value`; otherwise `value` with `arguments[1..]`), or with no (or an empty) value the
 * image's Entrypoint plus Cmd (`arguments` after an empty argv0 replacing Cmd). Environment: the image's, then the MESOS_* variables
 * (MESOS_SANDBOX = /mnt/mesos/sandbox), then the task's CommandInfo.environment. The working
 * directory is the image's WorkingDir, else the sandbox. The user: the task's (looked up on the
 * host, as Mesos does), else the image's numeric `User`, else root.
 */
import { err, ok, type CommandInfo, type Result, type TaskInfo } from '@agora/protocol';
import { lookupUser } from '../containerizer/users.ts';
import type { ContainerProcess } from './oci-spec.ts';
import type { ImageConfig } from './store.ts';

export const CONTAINER_SANDBOX = '/mnt/mesos/sandbox';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function argv(command: CommandInfo | undefined, image: ImageConfig): Result<string[], string> {
  if (command?.value !== undefined && command.value !== '') {
    if (command.shell !== false) return ok(['/bin/sh', '-c', command.value]);
    return ok([command.value, ...(command.arguments ?? []).slice(1)]);
  }
  // arguments[0] is argv0, empty here (the master needs a value, so "no command" arrives as value '').
  const given = (command?.arguments ?? []).filter((a, i) => !(i === 0 && a === ''));
  const args = [...(image.Entrypoint ?? []), ...(given.length > 0 ? given : (image.Cmd ?? []))];
  return args.length > 0 ? ok(args) : err('the task has no command and the image has no Entrypoint or Cmd');
}

export function containerProcess(task: TaskInfo, image: ImageConfig, executorEnv: Record<string, string>, user: string | undefined): Result<ContainerProcess, string> {
  const args = argv(task.command, image);
  if (!args.ok) return args;
  const env: Record<string, string> = { PATH: DEFAULT_PATH };
  for (const kv of image.Env ?? []) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  for (const [k, v] of Object.entries(executorEnv)) if (k.startsWith('MESOS_') && k !== 'MESOS_DIRECTORY') env[k] = v;
  Object.assign(env, { MESOS_SANDBOX: CONTAINER_SANDBOX, MESOS_TASK_ID: task.task_id.value });
  for (const v of task.command?.environment?.variables ?? []) if (v.value !== undefined) env[v.name] = v.value;
  let uid = 0;
  let gid = 0;
  if (user !== undefined) {
    const u = lookupUser(user);
    if (!u) return err(`Failed to switch to user '${user}': no such user on the agent`);
    ({ uid, gid } = u);
  } else if (image.User && /^\d+(:\d+)?$/.test(image.User)) {
    const [u, g] = image.User.split(':');
    uid = Number(u);
    gid = Number(g ?? u);
  }
  return ok({ args: args.value, env, cwd: image.WorkingDir || CONTAINER_SANDBOX, uid, gid });
}
