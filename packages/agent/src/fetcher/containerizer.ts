/**
 * Fetching as part of a container's launch (where Mesos's containerizers call their fetcher):
 * `launch` first fetches the executor's `command.uris` into the sandbox — for a command task
 * those are the task's URIs, copied into its generated executor — and only then launches the
 * executor. A fetch failure is a launch failure, so the core reports the executor's tasks as
 * TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED and "Failed to launch container: Failed to
 * fetch '<uri>': <why>", and nothing is started.
 *
 * The core stays the one owner of its state: this runs between its `launch` call and the
 * result, which the core re-checks when it arrives. Destroying a container whose URIs are still
 * being fetched (its tasks were killed, it timed out, the agent is stopping) cancels the fetch
 * and the launch fails without starting anything.
 */
import { err, type Resource, type ResourceStatistics, type Result } from '@agora/protocol';
import type { ContainerLaunch, ContainerLaunched, ContainerLimitation, ContainerTermination, Containerizer } from '../containerizer/containerizer.ts';
import type { Fetcher } from './fetcher.ts';

export class FetchingContainerizer implements Containerizer {
  private readonly fetching = new Map<string, AbortController>();

  constructor(
    readonly inner: Containerizer,
    readonly fetcher: Fetcher,
  ) {}

  async launch(launch: ContainerLaunch): Promise<Result<ContainerLaunched, string>> {
    const uris = launch.executorInfo.command?.uris ?? [];
    if (uris.length > 0) {
      const controller = new AbortController();
      this.fetching.set(launch.containerId, controller);
      try {
        const r = await this.fetcher.fetchAll(uris, launch.directory, {
          signal: controller.signal,
          containerId: launch.containerId,
          ...(launch.user !== undefined ? { user: launch.user } : {}),
        });
        if (controller.signal.aborted) return err('the container was destroyed while its URIs were being fetched');
        if (!r.ok) return r;
      } finally {
        this.fetching.delete(launch.containerId);
      }
    }
    return this.inner.launch(launch);
  }

  wait(containerId: string): Promise<ContainerTermination> {
    return this.inner.wait(containerId);
  }

  destroy(containerId: string): Promise<void> {
    const fetch = this.fetching.get(containerId);
    if (fetch) {
      fetch.abort();
      return Promise.resolve();
    }
    return this.inner.destroy(containerId);
  }

  containers(): string[] {
    return this.inner.containers();
  }

  update(containerId: string, resources: Resource[]): Promise<void> {
    return this.inner.update?.(containerId, resources) ?? Promise.resolve();
  }

  /** The isolators' word on a container (ADR 0004), passed through. */
  limitation(containerId: string): ContainerLimitation | undefined {
    return this.inner.limitation?.(containerId);
  }

  usage(containerId: string): Promise<ResourceStatistics | undefined> {
    return this.inner.usage?.(containerId) ?? Promise.resolve(undefined);
  }

  async close(): Promise<void> {
    for (const f of this.fetching.values()) f.abort();
    await this.fetcher.close();
    await this.inner.close();
  }

  /** Fetches in flight are abandoned (their launches fail, unreported); the containers stay. */
  async detach(): Promise<void> {
    await this.inner.detach?.();
    for (const f of this.fetching.values()) f.abort();
    await this.fetcher.close();
  }
}
