/**
 * The agent's cgroups: `<hierarchy>/<controller>/<root>/<container>` (v1) or
 * `<hierarchy>/<root>/<container>` (v2), where `<root>` is `--cgroups-root`. One owner for the
 * directories the cgroups isolators share, and for killing a container through them.
 *
 * Destroy (Mesos's order): freeze, SIGKILL every process, thaw (the signals are delivered on
 * thaw), wait until the cgroups are empty, remove them. v1 freezes with the freezer controller,
 * which every container gets; v2 with cgroup.freeze and kills with cgroup.kill where the kernel has it.
 * No process can fork in between, so nothing escapes.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import { hasController, type CgroupLayout } from './hierarchy.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class CgroupTree {
  /** Controllers each container has a cgroup in (v1), always including the freezer. */
  private readonly controllers = new Set<string>();

  constructor(readonly layout: CgroupLayout, readonly root: string) {
    if (layout.version === 1 && layout.mounts.has('freezer')) this.controllers.add('freezer');
  }

  get version(): 1 | 2 {
    return this.layout.version;
  }

  /** Called by each cgroups isolator when the agent starts: its controllers join every container's set. */
  require(controller: string): Result<void, string> {
    if (!hasController(this.layout, controller)) {
      const where = this.layout.version === 1 ? 'mounted as a cgroup v1 hierarchy' : `enabled in ${this.layout.mount}/cgroup.controllers`;
      return err(`the cgroup controller '${controller}' is not ${where}`);
    }
    if (this.layout.version === 1) this.controllers.add(controller);
    return ok(undefined);
  }

  /** The container's cgroup directory for a controller (v2: the one directory). */
  dir(containerId: string, controller: string): string {
    if (this.layout.version === 2) return join(this.layout.mount, this.root, containerId);
    return join(this.layout.mounts.get(controller)!, this.root, containerId);
  }

  /** Every directory the container has (or would have). */
  dirs(containerId: string): string[] {
    if (this.layout.version === 2) return [join(this.layout.mount, this.root, containerId)];
    return [...new Set([...this.controllers].map((c) => this.dir(containerId, c)))];
  }

  /** v1: the container's directory in every hierarchy below the base — runc (images) creates them all. */
  private allDirs(containerId: string): string[] {
    if (this.layout.version === 2) return this.dirs(containerId);
    return [...new Set([...this.dirs(containerId), ...[...this.layout.mounts.values(), ...(this.layout.others ?? [])].map((m) => join(m, this.root, containerId))])];
  }

  /** Creates the container's cgroups; returns the cgroup.procs files its first process joins. */
  async create(containerId: string): Promise<Result<string[], string>> {
    try {
      if (this.layout.version === 2) await this.enableV2Controllers();
      const dirs = this.dirs(containerId);
      for (const d of dirs) await mkdir(d, { recursive: true });
      return ok(dirs.map((d) => join(d, 'cgroup.procs')));
    } catch (e) {
      return err(`cannot create the container's cgroups: ${message(e)}`);
    }
  }

  /** PIDs in the container's cgroups (the union over hierarchies). */
  pids(containerId: string): number[] {
    const out = new Set<number>();
    for (const d of this.allDirs(containerId)) {
      try {
        for (const line of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (line !== '') out.add(Number(line));
      } catch {
        // not created (yet) or already removed
      }
    }
    return [...out];
  }

  /** Kills every process of the container and waits until its cgroups are empty. */
  async kill(containerId: string, timeoutMs = 10_000): Promise<Result<void, string>> {
    const deadline = Date.now() + timeoutMs;
    while (this.pids(containerId).length > 0) {
      if (Date.now() > deadline) return err(`processes of container ${containerId} survived SIGKILL: ${this.pids(containerId).join(' ')}`);
      await this.freeze(containerId, true);
      if (this.layout.version === 2 && existsSync(join(this.dirs(containerId)[0]!, 'cgroup.kill'))) {
        await writeFile(join(this.dirs(containerId)[0]!, 'cgroup.kill'), '1').catch(() => undefined);
      } else {
        for (const pid of this.pids(containerId)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
      }
      await this.freeze(containerId, false);
      for (let i = 0; i < 20 && this.pids(containerId).length > 0; i++) await sleep(i < 5 ? 1 : 10);
    }
    return ok(undefined);
  }

  /** Freezes (or thaws) the container; waits (briefly) until the kernel says it is done. */
  async freeze(containerId: string, frozen: boolean): Promise<void> {
    if (this.layout.version === 2) {
      const dir = this.dirs(containerId)[0]!;
      await writeFile(join(dir, 'cgroup.freeze'), frozen ? '1' : '0').catch(() => undefined);
      for (let i = 0; i < 100; i++) {
        const events = await readFile(join(dir, 'cgroup.events'), 'utf8').catch(() => '');
        if (events === '' || events.includes(`frozen ${frozen ? 1 : 0}`)) return;
        await sleep(1);
      }
      return;
    }
    if (!this.controllers.has('freezer')) return;
    const state = join(this.dir(containerId, 'freezer'), 'freezer.state');
    const want = frozen ? 'FROZEN' : 'THAWED';
    for (let i = 0; i < 100; i++) {
      try {
        writeFileSync(state, want);
        if (readFileSync(state, 'utf8').trim() === want) return;
      } catch {
        return; // no such cgroup
      }
      await sleep(1);
    }
  }

  /**
   * Removes the container's cgroups (they must be empty: call `kill` first). v1 refuses (EBUSY)
   * while a killed process is still a zombie its parent has not reaped — under load an executor
   * may take a while — so EBUSY is retried with growing pauses for up to `timeoutMs`.
   */
  async remove(containerId: string, timeoutMs = 15_000): Promise<Result<void, string>> {
    const deadline = Date.now() + timeoutMs;
    let problem: string | undefined;
    for (const d of this.allDirs(containerId)) {
      for (let pause = 2; ; pause = Math.min(pause * 2, 200)) {
        try {
          await rmdir(d);
          break;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code === 'EBUSY' && Date.now() < deadline) {
            await sleep(pause);
            continue;
          }
          problem ??= `cannot remove cgroup ${d}: ${message(e)}`;
          break;
        }
      }
    }
    return problem === undefined ? ok(undefined) : err(problem);
  }

  /** Container IDs that have a cgroup under the root in any hierarchy. */
  containersOnDisk(): Set<string> {
    const layout = this.layout;
    const bases = layout.version === 2 ? [join(layout.mount, this.root)] : [...new Set([...layout.mounts.values(), ...(layout.others ?? [])])].map((m) => join(m, this.root));
    const ids = new Set<string>();
    for (const b of bases) {
      try {
        for (const e of readdirSync(b, { withFileTypes: true })) if (e.isDirectory()) ids.add(e.name);
      } catch {
        // no root yet
      }
    }
    return ids;
  }

  /** v2: controllers are used below the root only when enabled in each parent's subtree_control. */
  private async enableV2Controllers(): Promise<void> {
    if (this.layout.version !== 2) return;
    const wanted = [...this.layout.controllers].filter((c) => ['cpu', 'memory', 'pids'].includes(c));
    const rootDir = join(this.layout.mount, this.root);
    await mkdir(rootDir, { recursive: true });
    if (wanted.length === 0) return;
    const line = wanted.map((c) => `+${c}`).join(' ');
    for (const d of [this.layout.mount, rootDir]) await writeFile(join(d, 'cgroup.subtree_control'), line).catch(() => undefined);
  }
}
