/**
 * Picks the launcher for each container: command executors go to the executor host when
 * `--command-executor=host`, default executors when `--default-executor=host`; custom executors
 * (and the agent's own executors in `process` mode) get their own process.
 */
import type { Result } from '@agora/protocol';
import type { ContainerLaunch, ContainerLaunched, ContainerTermination, Containerizer, RecoverSpec } from './containerizer.ts';

export class RoutingContainerizer implements Containerizer {
  private readonly owner = new Map<string, Containerizer>();

  constructor(private readonly routes: { process: Containerizer; host?: Containerizer; commandExecutor: 'host' | 'process'; defaultExecutor?: 'host' | 'process' }) {}

  private pick(launch: ContainerLaunch): Containerizer {
    const mode = launch.kind === 'command' ? this.routes.commandExecutor : launch.kind === 'default' ? (this.routes.defaultExecutor ?? 'process') : 'process';
    return mode === 'host' && this.routes.host ? this.routes.host : this.routes.process;
  }

  async launch(launch: ContainerLaunch): Promise<Result<ContainerLaunched, string>> {
    const target = this.pick(launch);
    this.owner.set(launch.containerId, target);
    const r = await target.launch(launch);
    if (!r.ok) {
      this.owner.delete(launch.containerId);
      return r;
    }
    return { ok: true, value: { pid: r.value.pid, launcher: target === this.routes.host ? 'host' : 'process' } };
  }

  /**
   * Host containers are asked of the executor host (which knows them by container ID), the rest
   * of the process launcher; a container whose launch never completed may be in either.
   */
  async recover(specs: readonly RecoverSpec[]): Promise<Set<string>> {
    const host = this.routes.host;
    const askHost = specs.filter((s) => s.launcher === 'host' || (s.launcher === undefined && host !== undefined));
    const inHost = host?.recover && askHost.length > 0 ? await host.recover(askHost) : new Set<string>();
    const rest = specs.filter((s) => s.launcher !== 'host' && !inHost.has(s.containerId));
    const inProcess = this.routes.process.recover && rest.length > 0 ? await this.routes.process.recover(rest) : new Set<string>();
    for (const id of inHost) this.owner.set(id, host!);
    for (const id of inProcess) this.owner.set(id, this.routes.process);
    return new Set([...inHost, ...inProcess]);
  }

  async wait(containerId: string): Promise<ContainerTermination> {
    const target = this.owner.get(containerId);
    if (!target) return { status: -1, message: 'unknown container' };
    const t = await target.wait(containerId);
    this.owner.delete(containerId);
    return t;
  }

  destroy(containerId: string): Promise<void> {
    return this.owner.get(containerId)?.destroy(containerId) ?? Promise.resolve();
  }

  containers(): string[] {
    return [...this.owner.keys()];
  }

  async close(): Promise<void> {
    await Promise.all([this.routes.process.close(), this.routes.host?.close()]);
  }

  async detach(): Promise<void> {
    await Promise.all([this.routes.process.detach?.(), this.routes.host?.detach?.()]);
  }
}
