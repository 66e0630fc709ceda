/**
 * The process launcher: each executor is its own OS process, as in Mesos — spawned detached (a new
 * session and process group), in its sandbox, with stdout/stderr appended to the sandbox's
 * `stdout` and `stderr` files, with the agent's environment under the executor's.
 *
 * A container ends when its executor process exits; whatever it left running is then killed, so
 * `wait` resolves only when the whole container is gone (no orphans). `destroy` kills the whole
 * tree (process-tree.ts) at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import { describeStatus, waitStatus, type ContainerLaunch, type ContainerTermination, type Containerizer, type ExecutorKind } from './containerizer.ts';
import { CONTAINER_ENV } from './environment.ts';
import type { EntryPoint } from './launcher-entries.ts';
import { killContainerProcesses, startTimeOf } from './process-tree.ts';
import { lookupUser } from './users.ts';

export interface ProcessLauncherOptions {
  logger: Logger;
  /** The entry point for the agent's own executors; undefined when not installed. */
  entryPoint(kind: Exclude<ExecutorKind, 'custom'>): EntryPoint | undefined;
  /** The agent's environment, under every executor's (default: process.env). */
  baseEnv?: NodeJS.ProcessEnv;
}

interface Running {
  child: ChildProcess;
  pid: number;
  starttime: number | undefined;
  done: Promise<ContainerTermination>;
  destroying: boolean;
}

const FINISHED_KEPT = 1024;
const SIGNALS = osConstants.signals as Record<string, number>;

export class ProcessLauncher implements Containerizer {
  private readonly running = new Map<string, Running>();
  /** Recent terminations, so a late `wait` still learns how a container ended. */
  private readonly finished = new Map<string, ContainerTermination>();
  private readonly baseEnv: NodeJS.ProcessEnv;

  constructor(private readonly opts: ProcessLauncherOptions) {
    this.baseEnv = opts.baseEnv ?? process.env;
  }

  containers(): string[] {
    return [...this.running.keys()];
  }

  async launch(c: ContainerLaunch): Promise<Result<{ pid: number }, string>> {
    if (this.running.has(c.containerId)) return err(`container ${c.containerId} already exists`);
    const argv = this.commandFor(c);
    if (!argv.ok) return argv;
    let ids: { uid: number; gid: number } | undefined;
    if (c.user !== undefined) {
      const u = lookupUser(c.user);
      if (!u) return err(`Failed to switch to user '${c.user}': no such user`);
      ids = { uid: u.uid, gid: u.gid };
    }
    let out: number | undefined;
    let errFd: number | undefined;
    let child: ChildProcess;
    try {
      out = openSync(join(c.directory, 'stdout'), 'a');
      errFd = openSync(join(c.directory, 'stderr'), 'a');
      if (ids) for (const p of [c.directory, join(c.directory, 'stdout'), join(c.directory, 'stderr')]) chownSync(p, ids.uid, ids.gid);
      const [command, ...args] = argv.value.argv;
      child = spawn(command!, args, {
        cwd: c.directory,
        env: { ...this.baseEnv, ...c.env },
        detached: true,
        stdio: ['ignore', out, errFd],
        ...(argv.value.argv0 !== undefined ? { argv0: argv.value.argv0 } : {}),
        ...(ids ?? {}),
      });
    } catch (e) {
      return err(`Failed to launch the executor: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (out !== undefined) closeSync(out);
      if (errFd !== undefined) closeSync(errFd);
    }
    const pid = child.pid;
    if (pid === undefined) {
      const spawnError = await new Promise<string>((resolve) => child.once('error', (e) => resolve(e.message)));
      return err(`Failed to launch the executor: ${spawnError}`);
    }
    child.on('error', (e) => this.opts.logger.warn({ containerId: c.containerId, error: e.message }, 'executor process error'));
    const starttime = startTimeOf(pid);
    const marker = `${CONTAINER_ENV}=${c.containerId}`;
    const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(waitStatus(code, signal, SIGNALS))));
    const done = exited.then(async (status) => {
      // The executor is gone; whatever it left behind goes too, before the container counts as ended.
      await killContainerProcesses([{ pid, starttime }], marker);
      this.running.delete(c.containerId);
      const termination = { status, message: `Executor ${describeStatus(status)}` };
      this.finished.set(c.containerId, termination);
      if (this.finished.size > FINISHED_KEPT) this.finished.delete(this.finished.keys().next().value!);
      return termination;
    });
    this.running.set(c.containerId, { child, pid, starttime, done, destroying: false });
    return ok({ pid });
  }

  wait(containerId: string): Promise<ContainerTermination> {
    const r = this.running.get(containerId);
    if (r) return r.done;
    return Promise.resolve(this.finished.get(containerId) ?? { status: -1, message: 'unknown container' });
  }

  async destroy(containerId: string): Promise<void> {
    const r = this.running.get(containerId);
    if (!r) return;
    if (!r.destroying) {
      r.destroying = true;
      await killContainerProcesses([{ pid: r.pid, starttime: r.starttime }], `${CONTAINER_ENV}=${containerId}`);
    }
    await r.done;
  }

  async close(): Promise<void> {
    await Promise.all(this.containers().map((id) => this.destroy(id)));
  }

  private commandFor(c: ContainerLaunch): Result<{ argv: string[]; argv0?: string }, string> {
    if (c.kind !== 'custom') {
      const entry = this.opts.entryPoint(c.kind);
      if (!entry) return err(`the ${c.kind} executor is not installed in the launcher directory`);
      return ok({ argv: [entry.command, ...entry.args] });
    }
    const cmd = c.executorInfo.command;
    if (cmd?.value === undefined || cmd.value === '') return err('the executor has no command to run');
    if (cmd.shell) return ok({ argv: ['/bin/sh', '-c', cmd.value] });
    const args = cmd.arguments ?? [];
    return ok({ argv: [cmd.value, ...args.slice(1)], argv0: args[0] ?? cmd.value });
  }
}
