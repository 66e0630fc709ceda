/**
 * The containerizer interface: the core asks for a container per executor run and learns when it
 * ends. Implementations: the executor-host launcher and the process launcher (routed by
 * `RoutingContainerizer`), and the fake one emulated agents use.
 *
 * Contracts:
 *  - `launch` resolves once the executor is started (its pid) or with the reason it could not be.
 *  - `recover` (optional) re-attaches to containers that outlived a previous agent process.
 *  - `wait` resolves exactly once per container, when every process of it is gone; for an unknown
 *    container it resolves at once (status -1).
 *  - `destroy` kills everything in the container (no orphans) and resolves when it is gone;
 *    destroying an unknown or finished container is a no-op.
 *  - `close` destroys every container (the agent shuts down); `detach` leaves every container as
 *    it is (the agent process exits and a later one recovers them, as after a crash).
 */
import type { ExecutorInfo, Resource, ResourceStatistics, Result, TaskInfo } from '@agora/protocol';

export type ExecutorKind = 'command' | 'custom' | 'default';

export interface ContainerLaunch {
  containerId: string;
  frameworkId: string;
  executorId: string;
  kind: ExecutorKind;
  executorInfo: ExecutorInfo;
  /** The sandbox (cwd, stdout/stderr). */
  directory: string;
  /** The executor's environment (environment.ts). */
  env: Record<string, string>;
  /** Run as this user (already decided by the core from --switch-user), or as the agent's user. */
  user?: string;
  /** The executor's resources plus its tasks' (the container's limits, ADR 0004). */
  resources?: Resource[];
  /** An argv prefix the executor process itself starts through (the isolation wrapper, ADR 0004). */
  launcher?: string[];
  /** The tasks the container starts with (image containers build their process from them). */
  tasks?: TaskInfo[];
}

/** A limit the container hit (isolators/isolator.ts): its tasks fail with this reason and message. */
export interface ContainerLimitation {
  reason: string;
  message: string;
  resources?: Array<{ name: string; value: number }>;
}

export interface ContainerTermination {
  /** wait(2)-style status: exit code << 8, or the signal number; -1 when unknown. */
  status: number;
  message: string;
  /** Set when the container was destroyed because it hit a limit. */
  limitation?: ContainerLimitation;
}

/** A launched container: the executor's PID and which launcher runs it (checkpointed for recovery). */
export interface ContainerLaunched {
  pid: number;
  launcher?: 'host' | 'process';
}

/** A checkpointed container to re-attach to after an agent restart. */
export interface RecoverSpec {
  containerId: string;
  kind: ExecutorKind;
  /** Which launcher ran it; absent when the agent died before the launch completed. */
  launcher?: string;
  /** The executor's PID and its start time as recorded (process launcher). */
  pid?: number;
  starttime?: number;
}

export interface Containerizer {
  launch(launch: ContainerLaunch): Promise<Result<ContainerLaunched, string>>;
  wait(containerId: string): Promise<ContainerTermination>;
  destroy(containerId: string): Promise<void>;
  /** Containers currently known (launched and not yet waited out). */
  containers(): string[];
  /** Destroys every container and releases resources. */
  close(): Promise<void>;
  /**
   * Releases resources without touching any container: they keep running, with their cgroups and
   * whatever else isolates them, for the next agent process to `recover` (the agent is exiting,
   * not shutting down). Launches in flight are abandoned as a crash would abandon them. Afterwards
   * nothing is reported any more: a `wait` still pending never resolves.
   */
  detach?(): Promise<void>;
  /**
   * After an agent restart: re-attaches to the containers of `specs` that still run (they are then
   * tracked, so `wait` and `destroy` work) and resolves with their IDs. What is left of the others
   * (stray processes carrying their marker) is killed. A PID is adopted only if its process start
   * time is the recorded one, so a reused PID is never taken for the executor.
   */
  recover?(specs: readonly RecoverSpec[]): Promise<Set<string>>;
  /** New resources for a live container (the executor's plus its tasks'): its isolators' limits follow. */
  update?(containerId: string, resources: Resource[]): Promise<void>;
  /** A limit the container has hit (checked synchronously when an executor reports a terminal task). */
  limitation?(containerId: string): ContainerLimitation | undefined;
  /** Usage statistics of a live container (undefined for an unknown one). */
  usage?(containerId: string): Promise<ResourceStatistics | undefined>;
}

/** Describes a wait status as Mesos does ("Command exited with status 1", "terminated with signal Killed"). */
export function describeStatus(status: number): string {
  if (status < 0) return 'unknown exit status';
  const signal = status & 0x7f;
  if (signal !== 0) return `terminated with signal ${signal}`;
  return `exited with status ${(status >> 8) & 0xff}`;
}

/** exit code / signal name (as node's 'exit' event reports them) → wait(2) status. */
export function waitStatus(code: number | null, signal: NodeJS.Signals | null, signals: Record<string, number>): number {
  if (signal !== null) return signals[signal] ?? 9;
  return ((code ?? 0) & 0xff) << 8;
}
