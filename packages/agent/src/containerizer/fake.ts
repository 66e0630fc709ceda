/**
 * A containerizer without processes, for tests and emulated agents. `launch` succeeds at once
 * (or fails with `failNext`); a container ends when `exit` (or `destroy`) is called.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { ContainerLaunch, ContainerTermination, Containerizer, RecoverSpec } from './containerizer.ts';

interface FakeContainer {
  /** Undefined for a container adopted by `recover`. */
  launch: ContainerLaunch | undefined;
  done: Promise<ContainerTermination>;
  finish: (t: ContainerTermination) => void;
}

export class FakeContainerizer implements Containerizer {
  /** Every launch asked for, in order (tests inspect env, kind...). Not kept when `record` is false. */
  readonly launches: ContainerLaunch[] = [];
  readonly destroyed: string[] = [];
  /** The next launch fails with this message. */
  failNext: string | undefined;
  /** Containers `recover` finds still running (as a restarted agent would); every call is kept in `recoverCalls`. */
  readonly survivors = new Set<string>();
  readonly recoverCalls: RecoverSpec[][] = [];
  private readonly live = new Map<string, FakeContainer>();
  private nextPid = 1000;

  constructor(private readonly opts: { onLaunch?: (launch: ContainerLaunch) => void; record?: boolean } = {}) {}

  containers(): string[] {
    return [...this.live.keys()];
  }

  launch(launch: ContainerLaunch): Promise<Result<{ pid: number }, string>> {
    if (this.opts.record !== false) this.launches.push(launch);
    if (this.failNext !== undefined) {
      const message = this.failNext;
      this.failNext = undefined;
      return Promise.resolve(err(message));
    }
    if (this.live.has(launch.containerId)) return Promise.resolve(err(`container ${launch.containerId} already exists`));
    let finish!: (t: ContainerTermination) => void;
    const done = new Promise<ContainerTermination>((r) => (finish = r));
    this.live.set(launch.containerId, { launch, done, finish });
    this.opts.onLaunch?.(launch);
    return Promise.resolve(ok({ pid: this.nextPid++ }));
  }

  recover(specs: readonly RecoverSpec[]): Promise<Set<string>> {
    this.recoverCalls.push([...specs]);
    const adopted = new Set<string>();
    for (const s of specs) {
      if (!this.survivors.has(s.containerId) || this.live.has(s.containerId)) continue;
      let finish!: (t: ContainerTermination) => void;
      const done = new Promise<ContainerTermination>((r) => (finish = r));
      this.live.set(s.containerId, { launch: undefined, done, finish });
      adopted.add(s.containerId);
    }
    return Promise.resolve(adopted);
  }

  wait(containerId: string): Promise<ContainerTermination> {
    return this.live.get(containerId)?.done ?? Promise.resolve({ status: -1, message: 'unknown container' });
  }

  /** Ends a container as if its executor exited with `status` (wait(2)-style). */
  exit(containerId: string, status = 0, message = 'Executor exited'): void {
    const c = this.live.get(containerId);
    if (!c) return;
    this.live.delete(containerId);
    c.finish({ status, message });
  }

  destroy(containerId: string): Promise<void> {
    if (this.live.has(containerId)) this.destroyed.push(containerId);
    this.exit(containerId, 9, 'Executor destroyed');
    return Promise.resolve();
  }

  async close(): Promise<void> {
    for (const id of this.containers()) await this.destroy(id);
  }
}
