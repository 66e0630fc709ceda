/**
 * The isolator interface (Mesos's `Isolator`): one plug-in per aspect of isolation, chosen by
 * `--isolation`. The containerizer (containerizer/isolating.ts) calls every isolator's hooks in
 * the order the flag lists them; an isolator implements only the hooks it needs.
 *
 * Life of a container, and the contracts:
 *  - `recover(known)` once at agent start, before any launch: whatever the isolator finds of
 *    containers not in `known` (cgroups, mounts left by a crashed agent) is killed and removed.
 *  - `prepare(spec)` before the container's first process starts: create cgroups, set limits,
 *    and say what the launch must do (`LaunchPrep`). An error value fails the launch; every
 *    isolator already prepared is then cleaned up.
 *  - `update(id, limits)` when the container's resources change.
 *  - `limitation(id)` is polled (and asked synchronously when an executor reports a terminal
 *    task): a limit the container hit, or undefined. It must be cheap and never throw.
 *  - `usage(id)` fills in ResourceStatistics fields with Mesos's names.
 *  - `kill(id)` makes sure no process of the container is left (cgroups: freeze, kill, thaw);
 *    called after the launcher killed what it knows, before `cleanup`.
 *  - `cleanup(id)` once the container is gone: remove cgroups and state. Idempotent; also called
 *    for containers whose prepare failed half-way.
 */
import type { ContainerInfo, ResourceStatistics, Result, TaskInfo } from '@agora/protocol';
import type { ContainerLimits } from './limits.ts';

export interface ContainerSpec {
  containerId: string;
  /** The sandbox on the host. */
  directory: string;
  limits: ContainerLimits;
  /** The user the container's processes run as (undefined: the agent's user). */
  user?: string;
  /** The executor's ContainerInfo (a command task's own): image, volumes. */
  container?: ContainerInfo;
  /** The tasks the container starts with. */
  tasks?: TaskInfo[];
  /** The executor's environment (MESOS_* variables). */
  env?: Record<string, string>;
}

/** What the launch must do so the container's processes start isolated (agora-isolate options). */
export interface LaunchPrep {
  /** cgroup.procs files the first process joins before it execs. */
  procs?: string[];
  namespaces?: Array<'pid' | 'mount'>;
  /** Bind mounts inside the container's mount namespace. */
  binds?: Array<{ source: string; target: string }>;
  /** Run the task with runc from this bundle instead (image containers: runc does cgroups and namespaces). */
  runc?: { root: string; bundle: string; id: string };
}

export type LimitationReason = 'REASON_CONTAINER_LIMITATION' | 'REASON_CONTAINER_LIMITATION_MEMORY' | 'REASON_CONTAINER_LIMITATION_DISK';

/** A limit the container hit: the task fails with this reason and message (Mesos's wording). */
export interface Limitation {
  reason: LimitationReason;
  message: string;
  /** The resources whose limit was hit (TaskStatus.limitation). */
  resources?: Array<{ name: string; value: number }>;
}

export type Usage = Partial<Omit<ResourceStatistics, 'timestamp'>>;

/** What the containerizer offers isolators. */
export interface IsolatorContext {
  /** The PIDs of the container's processes right now (cgroups when there are any, else the environment marker). */
  pids(containerId: string): number[];
}

export interface Isolator {
  /** The `--isolation` name. */
  readonly name: string;
  recover?(known: ReadonlySet<string>): Promise<void>;
  prepare?(spec: ContainerSpec): Promise<Result<LaunchPrep | undefined, string>>;
  update?(containerId: string, limits: ContainerLimits): Promise<Result<void, string>>;
  limitation?(containerId: string): Limitation | undefined;
  usage?(containerId: string): Promise<Usage>;
  kill?(containerId: string): Promise<void>;
  cleanup?(containerId: string): Promise<void>;
}
