/**
 * Sandbox layout, as Mesos's src/slave/paths.cpp:
 *
 *   <work_dir>/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>/
 *                                                                        runs/latest → <container>
 *
 * Every ID used as a path component has passed `idProblem` before it gets here.
 */
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';

export class SandboxLayout {
  constructor(readonly workDir: string) {}

  agentDir(agentId: string): string {
    return join(this.workDir, 'slaves', agentId);
  }

  frameworkDir(agentId: string, frameworkId: string): string {
    return join(this.agentDir(agentId), 'frameworks', frameworkId);
  }

  executorDir(agentId: string, frameworkId: string, executorId: string): string {
    return join(this.frameworkDir(agentId, frameworkId), 'executors', executorId);
  }

  runsDir(agentId: string, frameworkId: string, executorId: string): string {
    return join(this.executorDir(agentId, frameworkId, executorId), 'runs');
  }

  runDir(agentId: string, frameworkId: string, executorId: string, containerId: string): string {
    return join(this.runsDir(agentId, frameworkId, executorId), containerId);
  }
}

/**
 * Creates sandboxes. Asynchronous: the file system work runs off the event loop (it is most of
 * an agent's cost per task). Emulated agents use `NO_SANDBOXES` (nothing on disk).
 */
export interface SandboxStore {
  /** Creates the run directory with empty `stdout`/`stderr`, and points `runs/latest` at it. */
  create(runDir: string): Promise<Result<void, string>>;
}

let linkSeq = 0;

export const diskSandboxes: SandboxStore = {
  async create(runDir) {
    try {
      await mkdir(runDir, { recursive: true, mode: 0o755 });
      await Promise.all(['stdout', 'stderr'].map((f) => writeFile(join(runDir, f), '', { flag: 'a' })));
      // Replace the link atomically: a reader never sees `latest` missing.
      const runs = join(runDir, '..');
      const tmp = join(runs, `.latest-${process.pid}-${++linkSeq}`);
      await rm(tmp, { force: true });
      await symlink(runDir, tmp);
      await rename(tmp, join(runs, 'latest'));
      return ok(undefined);
    } catch (e) {
      return err(`Failed to create the sandbox ${runDir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  },
};

export const NO_SANDBOXES: SandboxStore = { create: () => Promise.resolve(ok(undefined)) };
