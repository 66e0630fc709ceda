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
import {
  describeStatus, waitStatus, type ContainerLaunch, type ContainerTermination, type Containerizer, type ExecutorKind, type RecoverSpec,
} from './containerizer.ts';
import { CONTAINER_ENV } from './environment.ts';
import type { EntryPoint } from './launcher-entries.ts';
import { killContainerProcesses, readProc, startTimeOf } from './process-tree.ts';
import { lookupUser } from './users.ts';

export interface ProcessLauncherOptions {
  logger: Logger;
  /** The entry point for the agent's own executors; undefined when not installed. */
  entryPoint(kind: Exclude<ExecutorKind, 'custom'>): EntryPoint | undefined;
  /** The agent's environment, under every executor's (default: process.env). */
  baseEnv?: NodeJS.ProcessEnv;
  /** How often an adopted executor (not our child) is checked for its exit; default 250 ms. */
  adoptedPollMs?: number;
}

interface Running {
  /** Absent for an executor adopted after an agent restart (not our child: its exit is polled). */
  child: ChildProcess | undefined;
  pid: number;
  starttime: number | undefined;
  done: Promise<ContainerTermination>;
  destroying: boolean;
  /** Polls an adopted executor for its exit. */
  poll?: NodeJS.Timeout;
}

const FINISHED_KEPT = 1024;
const SIGNALS = osConstants.signals as Record<string, number>;

export class ProcessLauncher implements Containerizer {
  private readonly running = new Map<string, Running>();
  /** Recent terminations, so a late `wait` still learns how a container ended. */
  private readonly finished = new Map<string, ContainerTermination>();
  private readonly baseEnv: NodeJS.ProcessEnv;
  /** Set by `detach`: executors are no longer watched, their exits no longer acted on. */
  private detached = false;

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
      // Through the isolation wrapper (ADR 0004), which joins the cgroups and switches the user itself.
      const wrapper = c.launcher && [...c.launcher, ...(ids ? [`--uid=${ids.uid}`, `--gid=${ids.gid}`] : []), '--'];
      const [command, ...args] = wrapper ? [...wrapper, ...argv.value.argv] : argv.value.argv;
      child = spawn(command!, args, {
        cwd: c.directory,
        env: { ...this.baseEnv, ...c.env },
        detached: true,
        stdio: ['ignore', out, errFd],
        ...(argv.value.argv0 !== undefined && !wrapper ? { argv0: argv.value.argv0 } : {}),
        ...(wrapper ? {} : (ids ?? {})),
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
    const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(waitStatus(code, signal, SIGNALS))));
    this.running.set(c.containerId, { child, pid, starttime, done: this.ended(c.containerId, pid, starttime, exited), destroying: false });
    return ok({ pid });
  }

  /** Once the executor has exited, whatever it left behind goes too, before the container counts as ended. */
  private async ended(containerId: string, pid: number, starttime: number | undefined, exited: Promise<number>): Promise<ContainerTermination> {
    const status = await exited;
    // Detached: this container belongs to the next agent process now; its `wait` stays pending.
    if (this.detached) return new Promise<ContainerTermination>(() => undefined);
    await killContainerProcesses([{ pid, starttime }], `${CONTAINER_ENV}=${containerId}`);
    this.running.delete(containerId);
    const termination = { status, message: status < 0 ? 'Executor exited' : `Executor ${describeStatus(status)}` };
    this.finished.set(containerId, termination);
    if (this.finished.size > FINISHED_KEPT) this.finished.delete(this.finished.keys().next().value!);
    return termination;
  }

  /**
   * Adopts executors a previous agent process started: a recorded PID whose process still has the
   * recorded start time (the boot ID was checked by the caller). Not being their parent, the
   * launcher polls for their exit (status unknown: -1). For the others, stray processes carrying
   * the container's marker are killed.
   */
  async recover(specs: readonly RecoverSpec[]): Promise<Set<string>> {
    const adopted = new Set<string>();
    const pollMs = this.opts.adoptedPollMs ?? 250;
    for (const s of specs) {
      const p = s.pid === undefined ? undefined : readProc(s.pid);
      const same = p !== undefined && s.starttime !== undefined && p.starttime === s.starttime && p.state !== 'Z' && p.state !== 'X';
      if (!same || this.running.has(s.containerId)) {
        await killContainerProcesses([], `${CONTAINER_ENV}=${s.containerId}`);
        continue;
      }
      const pid = s.pid!;
      const starttime = s.starttime;
      let timer: NodeJS.Timeout | undefined;
      const exited = new Promise<number>((resolve) => {
        timer = setInterval(() => {
          const now = readProc(pid);
          if (now === undefined || now.starttime !== starttime || now.state === 'Z' || now.state === 'X') {
            clearInterval(timer);
            resolve(-1);
          }
        }, pollMs);
        timer.unref();
      });
      this.running.set(s.containerId, { child: undefined, pid, starttime, done: this.ended(s.containerId, pid, starttime, exited), destroying: false, poll: timer });
      adopted.add(s.containerId);
    }
    return adopted;
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

  /**
   * The executors keep running (they are detached: own session, output to their sandbox files);
   * the agent only lets go of them, so that its process can exit while they run.
   */
  async detach(): Promise<void> {
    this.detached = true;
    for (const r of this.running.values()) {
      r.child?.unref();
      if (r.poll !== undefined) clearInterval(r.poll);
    }
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
