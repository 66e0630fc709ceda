/**
 * The containerizer interface: the core asks for a container per executor run and learns when it
 * ends. Implementations: the executor-host launcher and the process launcher (routed by
 * `RoutingContainerizer`), and the fake one emulated agents use.
 *
 * Contracts:
 *  - `launch` resolves once the executor is started (its pid) or with the reason it could not be.
 *  - `wait` resolves exactly once per container, when every process of it is gone; for an unknown
 *    container it resolves at once (status -1).
 *  - `destroy` kills everything in the container (no orphans) and resolves when it is gone;
 *    destroying an unknown or finished container is a no-op.
 */
import type { ExecutorInfo, Result } from '@agora/protocol';

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
}

export interface ContainerTermination {
  /** wait(2)-style status: exit code << 8, or the signal number; -1 when unknown. */
  status: number;
  message: string;
}

export interface Containerizer {
  launch(launch: ContainerLaunch): Promise<Result<{ pid: number }, string>>;
  wait(containerId: string): Promise<ContainerTermination>;
  destroy(containerId: string): Promise<void>;
  /** Containers currently known (launched and not yet waited out). */
  containers(): string[];
  /** Destroys every container and releases resources. */
  close(): Promise<void>;
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
