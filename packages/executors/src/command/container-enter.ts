/**
 * Running a command inside a task's image container, as Mesos runs a task's COMMAND checks in
 * the task's own container: the agent starts image tasks as `runc run` through its launcher
 * (AGORA_TASK_LAUNCHER carries `--runc-root=` and `--runc-id=`), so a check command enters the same
 * container with `runc exec` — the image's filesystem, the task's namespaces, cgroups, user and
 * environment (runc takes them from the container's own process spec) — instead of running on
 * the host.
 *
 * Only image (runc) containers are entered; a task isolated by cgroups and namespaces without an
 * image sees the host's filesystem, and its checks keep running beside it as before.
 */

/** Where the sandbox is inside an image container (Mesos's path). */
export const CONTAINER_SANDBOX = '/mnt/mesos/sandbox';

export interface RuncTarget {
  /** runc's state directory (`runc --root`). */
  readonly root: string;
  /** The container's runc ID. */
  readonly id: string;
}

/** The runc container a launcher argv starts, if it starts one. */
export function runcTargetOf(launcher: readonly string[] | undefined): RuncTarget | undefined {
  if (launcher === undefined) return undefined;
  const value = (flag: string) => launcher.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  const root = value('--runc-root');
  const id = value('--runc-id');
  if (root === undefined || id === undefined || root === '' || id === '') return undefined;
  return { root, id };
}

export interface Spawnable {
  readonly file: string;
  readonly args: readonly string[];
}

/**
 * `runc --root R exec --cwd /mnt/mesos/sandbox [--env K=V]… ID file args…`: the task's user and
 * environment come from the container; the check's own variables are added with `--env`; it runs
 * in the sandbox as the task sees it.
 */
export function runcExec(target: RuncTarget, command: Spawnable, checkEnv: Readonly<Record<string, string>>): Spawnable {
  const vars = Object.entries(checkEnv).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  return { file: 'runc', args: ['--root', target.root, 'exec', '--cwd', CONTAINER_SANDBOX, ...vars, target.id, command.file, ...command.args] };
}
