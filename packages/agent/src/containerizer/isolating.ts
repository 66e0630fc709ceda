/**
 * The containerizer with isolators (Mesos's MesosContainerizer; ADR 0004): wraps the launchers
 * (executor host / process) and runs every isolator's hooks around them.
 *
 *   launch:  prepare each isolator (cgroups created, limits set) → the launch goes through
 *            `agora-isolate` (cgroups joined, namespaces entered, user switched, then exec):
 *            custom executors start through it themselves; the agent's own executors (command,
 *            default — in the executor host or as processes) get AGORA_TASK_LAUNCHER and start
 *            every task through it. So the container's cgroups hold exactly its work.
 *   watch:   every `watchIntervalMs` each live container's isolators are asked for a limitation;
 *            the first one found is kept and the container destroyed. `limitation(id)` also asks
 *            synchronously (the agent does when an executor reports a terminal task).
 *   end:     when the launcher's container ends (or on destroy): the launcher kills what it knows,
 *            then each isolator's `kill` (cgroups: freeze, kill, thaw), then `cleanup`; only then
 *            does `wait` resolve — with the limitation, if there was one.
 *   recover: isolators destroy what they find of containers the agent does not know (a crashed
 *            agent's), once, before the first launch or when `recover` is called.
 *   detach:  the agent exits: the watch stops, every container keeps its isolation (its waits
 *            never resolve, so nothing is cleaned up) for the next agent's `recover`.
 *
 * A launch whose isolator fails in prepare fails (the core reports TASK_FAILED with
 * REASON_CONTAINER_LAUNCH_FAILED) and the isolators already prepared are cleaned up.
 */
import { chownSync } from 'node:fs';
import { err, ok, type Resource, type ResourceStatistics, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { ContainerLaunch, ContainerLimitation, ContainerTermination, Containerizer, RecoverSpec } from './containerizer.ts';
import type { CgroupTree } from '../isolators/cgroups/tree.ts';
import type { ContainerSpec, Isolator, IsolatorContext, LaunchPrep } from '../isolators/isolator.ts';
import { createIsolators, type IsolationConfig } from '../isolators/registry.ts';
import { CONTAINER_ENV } from './environment.ts';
import { findContainerProcesses } from './process-tree.ts';
import { lookupUser } from './users.ts';
import { containerLimits } from '../isolators/limits.ts';
import { TASK_LAUNCHER_ENV, wrapperArgv } from '../isolators/launcher/wrapper.ts';

export interface IsolatingOptions {
  inner: Containerizer;
  isolators: Isolator[];
  logger: Logger;
  /** How often live containers are checked for limitations (default 500 ms). */
  watchIntervalMs?: number;
}

interface Live {
  spec: ContainerSpec;
  limitation: ContainerLimitation | undefined;
  ended: Promise<ContainerTermination> | undefined;
  destroying: boolean;
}

type LaunchResult = Awaited<ReturnType<Containerizer['launch']>>;

export class IsolatingContainerizer implements Containerizer {
  private readonly live = new Map<string, Live>();
  private readonly finished = new Map<string, ContainerTermination>();
  private recovered: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: IsolatingOptions) {
    this.timer = setInterval(() => this.watch(), opts.watchIntervalMs ?? 500);
    this.timer.unref();
  }

  get isolators(): readonly Isolator[] {
    return this.opts.isolators;
  }

  containers(): string[] {
    return this.opts.inner.containers();
  }

  /** Orphan cleanup with no known containers, once (a no-op after `recover`). */
  ensureRecovered(): Promise<void> {
    this.recovered ??= this.recoverIsolators(new Set());
    return this.recovered;
  }

  async recover(specs: readonly RecoverSpec[]): Promise<Set<string>> {
    const alive = (await this.opts.inner.recover?.(specs)) ?? new Set<string>();
    this.recovered ??= this.recoverIsolators(alive);
    await this.recovered;
    // Adopted containers are live again: `wait`, `destroy` and the limitation watch cover them.
    for (const id of alive) {
      if (this.live.has(id)) continue;
      const live: Live = { spec: { containerId: id, directory: '', limits: containerLimits([]) }, limitation: undefined, ended: undefined, destroying: false };
      this.live.set(id, live);
      live.ended = this.opts.inner.wait(id).then((t) => this.end(id, live, t));
    }
    return alive;
  }

  async launch(c: ContainerLaunch): Promise<LaunchResult> {
    await this.ensureRecovered();
    if (this.live.has(c.containerId)) return err(`container ${c.containerId} already exists`);
    const spec: ContainerSpec = {
      containerId: c.containerId, directory: c.directory, limits: containerLimits(c.resources ?? []), env: c.env,
      ...(c.user !== undefined ? { user: c.user } : {}),
      ...(c.executorInfo.container !== undefined ? { container: c.executorInfo.container } : {}),
      ...(c.tasks !== undefined ? { tasks: c.tasks } : {}),
    };
    const live: Live = { spec, limitation: undefined, ended: undefined, destroying: false };
    this.live.set(c.containerId, live);
    const preps: LaunchPrep[] = [];
    for (const iso of this.opts.isolators) {
      if (!iso.prepare) continue;
      let r: Result<LaunchPrep | undefined, string>;
      try {
        r = await iso.prepare(spec);
      } catch (e) {
        r = err(e instanceof Error ? e.message : String(e));
      }
      if (!r.ok) {
        await this.cleanup(c.containerId);
        this.live.delete(c.containerId);
        return err(`Failed to prepare isolator ${iso.name}: ${r.error}`);
      }
      if (r.value) preps.push(r.value);
    }
    const wrapper = wrapperArgv(preps);
    const launch: ContainerLaunch = wrapper === undefined ? c : c.kind === 'custom' ? { ...c, launcher: wrapper } : ownExecutorLaunch(c, wrapper);
    const r = await this.opts.inner.launch(launch);
    if (!r.ok) {
      await this.cleanup(c.containerId);
      this.live.delete(c.containerId);
      return r;
    }
    live.ended = this.opts.inner.wait(c.containerId).then((t) => this.end(c.containerId, live, t));
    return r;
  }

  wait(containerId: string): Promise<ContainerTermination> {
    const live = this.live.get(containerId);
    if (live?.ended) return live.ended;
    return Promise.resolve(this.finished.get(containerId) ?? { status: -1, message: 'unknown container' });
  }

  async destroy(containerId: string): Promise<void> {
    const live = this.live.get(containerId);
    if (!live?.ended) return this.opts.inner.destroy(containerId);
    if (!live.destroying) {
      live.destroying = true;
      // The isolators' kill goes first: a cgroup freeze stops every task at once, so the executor
      // cannot report them one by one while they die.
      await this.killIsolated(containerId);
      await this.opts.inner.destroy(containerId);
    }
    await live.ended;
  }

  /** New limits for a live container; an isolator that cannot apply them logs why (the container keeps running). */
  async update(containerId: string, resources: Resource[]): Promise<void> {
    const live = this.live.get(containerId);
    if (!live) return;
    const limits = containerLimits(resources);
    live.spec = { ...live.spec, limits };
    for (const iso of this.opts.isolators) {
      const r = await iso.update?.(containerId, limits).catch((e: unknown) => ({ ok: false as const, error: e instanceof Error ? e.message : String(e) }));
      if (r && !r.ok) this.opts.logger.warn({ containerId, isolator: iso.name, error: r.error }, 'cannot update the container\'s limits');
    }
  }

  limitation(containerId: string): ContainerLimitation | undefined {
    const live = this.live.get(containerId);
    if (!live) return this.finished.get(containerId)?.limitation;
    if (live.limitation) return live.limitation;
    for (const iso of this.opts.isolators) {
      const l = iso.limitation?.(containerId);
      if (l) {
        live.limitation = l;
        this.opts.logger.warn({ containerId, isolator: iso.name, reason: l.reason, message: l.message }, 'container hit a limit');
        return l;
      }
    }
    return undefined;
  }

  async usage(containerId: string): Promise<ResourceStatistics | undefined> {
    if (!this.live.has(containerId)) return undefined;
    const stats: ResourceStatistics = { timestamp: Date.now() / 1000 };
    for (const iso of this.opts.isolators) {
      if (!iso.usage) continue;
      Object.assign(stats, await iso.usage(containerId).catch(() => ({})));
    }
    return stats;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.live.keys()].map((id) => this.destroy(id)));
    await this.opts.inner.close();
  }

  /** The watch stops and nothing is cleaned up: the containers keep their cgroups for the next agent's `recover`. */
  async detach(): Promise<void> {
    clearInterval(this.timer);
    await this.opts.inner.detach?.();
  }

  private watch(): void {
    for (const [id, live] of this.live) {
      if (!live.ended || live.destroying || live.limitation) continue;
      if (this.limitation(id)) void this.destroy(id).catch((e: unknown) => this.opts.logger.error({ err: e, containerId: id }, 'destroying a limited container failed'));
    }
  }

  private async end(containerId: string, live: Live, t: ContainerTermination): Promise<ContainerTermination> {
    // Ask once more: an OOM kill may have ended the executor before the watch saw it.
    const limitation = live.limitation ?? this.limitation(containerId);
    await this.cleanup(containerId);
    this.live.delete(containerId);
    const termination: ContainerTermination = limitation ? { ...t, limitation } : t;
    this.finished.set(containerId, termination);
    if (this.finished.size > 1024) this.finished.delete(this.finished.keys().next().value!);
    return termination;
  }

  private async killIsolated(containerId: string): Promise<void> {
    for (const iso of this.opts.isolators) {
      await iso.kill?.(containerId).catch((e: unknown) => this.opts.logger.error({ err: e, containerId, isolator: iso.name }, 'isolator kill failed'));
    }
  }

  private async cleanup(containerId: string): Promise<void> {
    await this.killIsolated(containerId);
    for (const iso of [...this.opts.isolators].reverse()) {
      await iso.cleanup?.(containerId).catch((e: unknown) => this.opts.logger.error({ err: e, containerId, isolator: iso.name }, 'isolator cleanup failed'));
    }
  }

  private async recoverIsolators(known: ReadonlySet<string>): Promise<void> {
    for (const iso of this.opts.isolators) {
      await iso.recover?.(known).catch((e: unknown) => this.opts.logger.error({ err: e, isolator: iso.name }, 'isolator recovery failed'));
    }
  }
}

/**
 * The agent's own executors start tasks through the wrapper, which must be root to join cgroups
 * and enter namespaces: the executor itself then runs as the agent's user (as it does in the
 * executor host) and the wrapper switches each task to its user. The sandbox is given to that user.
 */
function ownExecutorLaunch(c: ContainerLaunch, wrapper: string[]): ContainerLaunch {
  const { user, ...rest } = c;
  if (user !== undefined) {
    const u = lookupUser(user);
    if (u) {
      try {
        chownSync(c.directory, u.uid, u.gid);
      } catch {
        // the executor reports the task's failure to write, if it comes to that
      }
    }
  }
  return { ...rest, env: { ...c.env, [TASK_LAUNCHER_ENV]: JSON.stringify(wrapper) } };
}

/** The isolating containerizer `--isolation` asks for, around the launchers (or the error naming the flag). */
export function createIsolatingContainerizer(
  inner: Containerizer,
  cfg: IsolationConfig,
  deps: { logger: Logger; agentResources: readonly Resource[]; watchIntervalMs?: number },
): Result<IsolatingContainerizer, string> {
  // The tree exists only once the isolators are made; the context reads it when called.
  const made: { tree?: CgroupTree | undefined } = {};
  const ctx: IsolatorContext = {
    pids: (id) => (made.tree ? made.tree.pids(id) : findContainerProcesses([], `${CONTAINER_ENV}=${id}`).map((p) => p.pid)),
  };
  const isolation = createIsolators(cfg, { logger: deps.logger, agentPorts: containerLimits(deps.agentResources).ports, ctx });
  if (!isolation.ok) return isolation;
  made.tree = isolation.value.tree;
  return ok(new IsolatingContainerizer({ inner, isolators: isolation.value.isolators, logger: deps.logger, ...(deps.watchIntervalMs !== undefined ? { watchIntervalMs: deps.watchIntervalMs } : {}) }));
}
