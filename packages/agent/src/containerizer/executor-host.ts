/**
 * The executor-host launcher (ADR 0003): command executors (and default executors, with
 * `--default-executor=host`) run as instances inside one long-lived host process, driven over
 * `<runtime-dir>/executor-host.sock`.
 *
 * Contracts:
 *  - The host is started on first use if nothing answers on the socket: detached (its own
 *    session, so it survives the agent), output appended to `<runtime-dir>/executor-host.log`.
 *    A host left by a previous agent is reused; its instances that this agent does not know are
 *    destroyed (`recover` adopts the ones it does).
 *  - `close` destroys every instance and shuts the host down (the agent shuts down); `detach`
 *    leaves the host and its instances running (the agent process exits; the next one recovers them).
 *  - Every task process the host reports (TASK_PROCESS) is recorded with its start time. If the
 *    host dies, or an instance ends or is destroyed while its tasks still run, the agent kills
 *    those processes' trees itself (process-tree.ts), so nothing outlives its container.
 *  - When the connection drops, the launcher reconnects at once: if the host answers, LIST tells
 *    which containers ended meanwhile; if not, the host is gone and all its containers ended.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { err, internal, ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { ContainerLaunch, ContainerTermination, Containerizer, RecoverSpec } from './containerizer.ts';
import { CONTAINER_ENV } from './environment.ts';
import { HostConnection } from './host-connection.ts';
import type { EntryPoint } from './launcher-entries.ts';
import { killContainerProcesses, readProc, startTimeOf } from './process-tree.ts';

type HostMessage = internal.ExecutorHostMessage;

export interface ExecutorHostLauncherOptions {
  runtimeDir: string;
  /** The host's entry point; undefined when it is not installed. */
  entryPoint: EntryPoint | undefined;
  logger: Logger;
  /** How long to wait for a new host to answer (default 30 s). */
  startTimeoutMs?: number;
  /** How long a LAUNCH may take to be answered (default 30 s). */
  launchTimeoutMs?: number;
  /** How long DESTROY may take before the agent kills the tasks itself (default 5 s). */
  destroyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

interface HostContainer {
  id: string;
  taskPids: Map<number, number | undefined>;
  launched: ((r: Result<{ pid: number }, string>) => void) | undefined;
  done: Promise<ContainerTermination>;
  finish: (t: ContainerTermination) => void;
  finished: boolean;
  destroying: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A wait that does not hold the agent process up once it has stopped (it may outlast the wait's use). */
const idleSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class ExecutorHostLauncher implements Containerizer {
  readonly socketPath: string;
  readonly logPath: string;
  private conn: HostConnection | undefined;
  private connecting: Promise<Result<HostConnection, string>> | undefined;
  private readonly live = new Map<string, HostContainer>();
  private readonly finished = new Map<string, ContainerTermination>();
  private hostPid: number | undefined;
  private closing = false;
  /** Waiting for the INSTANCES answer during `recover`. */
  private onListed: ((running: Set<string>) => void) | undefined;

  constructor(private readonly opts: ExecutorHostLauncherOptions) {
    this.socketPath = join(opts.runtimeDir, internal.EXECUTOR_HOST_SOCKET);
    this.logPath = join(opts.runtimeDir, 'executor-host.log');
  }

  containers(): string[] {
    return [...this.live.keys()];
  }

  async launch(c: ContainerLaunch): Promise<Result<{ pid: number }, string>> {
    if (this.live.has(c.containerId)) return err(`container ${c.containerId} already exists`);
    const container = this.track(c.containerId);
    const conn = await this.connection(true);
    if (!conn.ok) {
      this.end(container, { status: -1, message: `cannot reach the executor host: ${conn.error}` });
      return err(`cannot start the executor host: ${conn.error}`);
    }
    const answer = new Promise<Result<{ pid: number }, string>>((resolve) => (container.launched = resolve));
    const timeout = setTimeout(() => container.launched?.(err('the executor host did not answer LAUNCH in time')), this.opts.launchTimeoutMs ?? 30_000);
    // `kind` only for default executors, so a host from before the field still runs command executors.
    conn.value.send({ type: 'LAUNCH', launch: { container_id: c.containerId, env: c.env, ...(c.kind === 'default' ? { kind: 'DEFAULT' as const } : {}) } });
    const r = await answer;
    clearTimeout(timeout);
    container.launched = undefined;
    if (!r.ok) {
      if (!container.finished) {
        // A LAUNCH that timed out may still start: make sure it does not.
        this.conn?.send({ type: 'DESTROY', destroy: { container_id: c.containerId } });
        this.end(container, { status: -1, message: r.error });
      }
      return r;
    }
    return r;
  }

  wait(containerId: string): Promise<ContainerTermination> {
    const c = this.live.get(containerId);
    if (c) return c.done;
    return Promise.resolve(this.finished.get(containerId) ?? { status: -1, message: 'unknown container' });
  }

  async destroy(containerId: string): Promise<void> {
    const c = this.live.get(containerId);
    if (!c || c.finished) return;
    c.destroying = true;
    const sent = this.conn?.send({ type: 'DESTROY', destroy: { container_id: containerId } }) ?? false;
    if (sent) {
      const timedOut = await Promise.race([c.done.then(() => false), idleSleep(this.opts.destroyTimeoutMs ?? 5000).then(() => true)]);
      if (!timedOut) return;
      this.opts.logger.warn({ containerId }, 'the executor host did not destroy the container in time; killing its tasks');
    }
    await this.killTasks(c, true); // the host did not do it: look for unreported tasks too
    this.end(c, { status: 9, message: 'Executor destroyed' });
  }

  /**
   * After an agent restart: the host (if it still answers on the socket) tells which containers
   * it runs; those of `specs` are adopted, with their task PIDs, and the instances no one knows are
   * destroyed as usual. If no host answers, every container of `specs` has ended. Either way the
   * ended ones' stray task processes (found by their marker) are killed.
   */
  async recover(specs: readonly RecoverSpec[]): Promise<Set<string>> {
    for (const s of specs) if (s.launcher === 'host' && s.pid !== undefined) this.hostPid ??= s.pid;
    const tracked = specs.filter((s) => !this.live.has(s.containerId)).map((s) => this.track(s.containerId));
    const listed = new Promise<Set<string>>((resolve) => (this.onListed = resolve));
    const conn = await this.connection(false);
    let running = new Set<string>();
    if (conn.ok) {
      const answered = await Promise.race([listed, idleSleep(this.opts.launchTimeoutMs ?? 30_000).then(() => undefined)]);
      if (answered) running = answered;
      else this.opts.logger.warn('the executor host did not answer LIST in time; treating its executors as ended');
    } else {
      this.opts.logger.info({ error: conn.error }, 'no executor host is running; its executors have ended');
    }
    this.onListed = undefined;
    const adopted = new Set<string>();
    for (const c of tracked) {
      if (running.has(c.id) && !c.finished) {
        adopted.add(c.id);
        continue;
      }
      await killContainerProcesses([], `${CONTAINER_ENV}=${c.id}`, this.hostPid !== undefined ? [this.hostPid] : []);
      this.end(c, { status: -1, message: 'The executor ended while the agent was down' });
    }
    return adopted;
  }

  /**
   * The agent exits, its executors do not: the host and its instances keep running for the next
   * agent to `recover`, as after a crash (the instances re-subscribe on their own). Only an idle
   * host, with nothing to recover, is shut down. Launches still unanswered are abandoned.
   */
  async detach(): Promise<void> {
    this.closing = true;
    const conn = this.conn;
    this.conn = undefined;
    for (const c of this.live.values()) c.launched?.(err('the agent is exiting'));
    if (conn && !conn.closed) {
      if (this.live.size === 0) {
        conn.send({ type: 'SHUTDOWN_HOST' });
        await Promise.race([new Promise<void>((r) => conn.onClose(() => r())), idleSleep(2000)]);
      }
      conn.close();
    }
  }

  /** Destroys every container, then shuts the host down. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.containers().map((id) => this.destroy(id)));
    const conn = this.conn;
    if (conn && !conn.closed) {
      conn.send({ type: 'SHUTDOWN_HOST' });
      await Promise.race([new Promise<void>((r) => conn.onClose(() => r())), idleSleep(2000)]);
      conn.close();
    }
    this.conn = undefined;
  }

  private track(id: string): HostContainer {
    let finish!: (t: ContainerTermination) => void;
    const done = new Promise<ContainerTermination>((r) => (finish = r));
    const c: HostContainer = { id, taskPids: new Map(), launched: undefined, done, finish, finished: false, destroying: false };
    this.live.set(id, c);
    return c;
  }

  private end(c: HostContainer, t: ContainerTermination): void {
    if (c.finished) return;
    c.finished = true;
    this.live.delete(c.id);
    this.finished.set(c.id, t);
    if (this.finished.size > 1024) this.finished.delete(this.finished.keys().next().value!);
    c.launched?.(err(t.message));
    c.finish(t);
  }

  /** Kills what is left of the container's tasks, then reports it ended (whatever happens). */
  /**
   * `hostGone`: the host died, so a task it spawned but had not yet reported may be running
   * unrecorded; then the processes carrying the container's marker are looked for even when no
   * recorded task process is alive (a full /proc scan, too costly for every ordinary exit).
   */
  private afterKill(c: HostContainer, t: ContainerTermination, hostGone = false): void {
    this.killTasks(c, hostGone)
      .catch((e: unknown) => this.opts.logger.error({ err: e, containerId: c.id }, 'failed to kill task processes'))
      .finally(() => this.end(c, t));
  }

  /** Kills the recorded task processes (and their trees) that are still alive. */
  private async killTasks(c: HostContainer, hostGone: boolean): Promise<void> {
    const roots = [...c.taskPids].map(([pid, starttime]) => ({ pid, starttime }));
    const alive = roots.filter((r) => {
      const p = readProc(r.pid);
      return p !== undefined && p.state !== 'Z' && (r.starttime === undefined || p.starttime === r.starttime);
    });
    if (alive.length === 0 && !hostGone) return;
    const killed = await killContainerProcesses(alive, `${CONTAINER_ENV}=${c.id}`, this.hostPid !== undefined ? [this.hostPid] : []);
    if (killed > 0) this.opts.logger.info({ containerId: c.id, killed }, 'killed task processes left by the executor');
  }

  private received(from: HostConnection, m: HostMessage): void {
    if (from !== this.conn) return;
    switch (m.type) {
      case 'LAUNCHED': {
        const c = this.live.get(m.launched!.container_id);
        this.hostPid = m.launched!.pid;
        c?.launched?.(ok({ pid: m.launched!.pid }));
        return;
      }
      case 'LAUNCH_FAILED': {
        const c = this.live.get(m.launch_failed!.container_id);
        c?.launched?.(err(m.launch_failed!.message));
        return;
      }
      case 'TASK_PROCESS': {
        const c = this.live.get(m.task_process!.container_id);
        if (c) c.taskPids.set(m.task_process!.pid, startTimeOf(m.task_process!.pid));
        return;
      }
      case 'EXITED': {
        const c = this.live.get(m.exited!.container_id);
        if (!c) return;
        const t = { status: m.exited!.status, message: m.exited!.message ?? 'Executor exited' };
        this.afterKill(c, t);
        return;
      }
      case 'INSTANCES':
        this.reconcile(m.instances?.instances ?? []);
        return;
      default:
        this.opts.logger.warn({ type: m.type }, 'unexpected message from the executor host');
    }
  }

  /** After (re)connecting: containers the host no longer runs have ended; ones we do not know are destroyed. */
  private reconcile(instances: internal.HostInstance[]): void {
    const running = new Set(instances.map((i) => i.container_id));
    for (const i of instances) {
      const c = this.live.get(i.container_id);
      if (c) for (const pid of i.task_pids ?? []) if (!c.taskPids.has(pid)) c.taskPids.set(pid, startTimeOf(pid));
    }
    const listed = this.onListed;
    this.onListed = undefined;
    // Recovering: the caller decides about the containers it tracked (they have no launch in flight).
    if (listed) {
      for (const i of instances) {
        if (!this.live.has(i.container_id)) this.conn?.send({ type: 'DESTROY', destroy: { container_id: i.container_id } });
      }
      listed(running);
      return;
    }
    for (const i of instances) {
      if (!this.live.has(i.container_id)) {
        this.opts.logger.info({ containerId: i.container_id }, 'destroying an executor instance this agent does not know');
        this.conn?.send({ type: 'DESTROY', destroy: { container_id: i.container_id } });
      }
    }
    for (const c of [...this.live.values()]) {
      if (!running.has(c.id) && c.launched === undefined) {
        this.afterKill(c, { status: -1, message: 'The executor host no longer runs this executor' });
      }
    }
  }

  private connection(spawnIfMissing: boolean): Promise<Result<HostConnection, string>> {
    if (this.conn && !this.conn.closed) return Promise.resolve(ok(this.conn));
    this.connecting ??= this.connect(spawnIfMissing).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(spawnIfMissing: boolean): Promise<Result<HostConnection, string>> {
    let attempt = await this.tryConnect();
    if (!attempt.ok && spawnIfMissing && !this.closing) {
      const started = this.spawnHost();
      if (!started.ok) return started;
      const deadline = Date.now() + (this.opts.startTimeoutMs ?? 30_000);
      while (!attempt.ok && Date.now() < deadline && !started.value.exited()) {
        await sleep(50);
        attempt = await this.tryConnect();
      }
      if (!attempt.ok) {
        const why = started.value.exited() ? 'it exited during startup' : 'it did not answer in time';
        return err(`the executor host did not start (${why}); see ${this.logPath}`);
      }
    }
    if (!attempt.ok) return attempt;
    const conn = attempt.value;
    this.conn = conn;
    conn.onClose((reason) => this.lost(conn, reason));
    conn.send({ type: 'LIST' });
    return ok(conn);
  }

  private async tryConnect(): Promise<Result<HostConnection, string>> {
    const holder: { conn?: HostConnection } = {};
    const r = await HostConnection.connect(this.socketPath, (m) => holder.conn && this.received(holder.conn, m), this.opts.logger);
    if (!(r instanceof HostConnection)) return err(r.error);
    holder.conn = r;
    return ok(r);
  }

  private spawnHost(): Result<{ exited: () => boolean }, string> {
    const entry = this.opts.entryPoint;
    if (!entry) return err('the executor host (agora-executor-host) is not installed in the launcher directory');
    let log: number | undefined;
    try {
      mkdirSync(this.opts.runtimeDir, { recursive: true });
      log = openSync(this.logPath, 'a');
      const child = spawn(entry.command, [...entry.args, `--socket=${this.socketPath}`], {
        cwd: this.opts.runtimeDir,
        env: { ...(this.opts.env ?? process.env), AGORA_EXECUTOR_HOST_SOCKET: this.socketPath },
        detached: true,
        stdio: ['ignore', log, log],
      });
      let exited = false;
      child.once('exit', () => (exited = true));
      child.once('error', () => (exited = true));
      child.unref();
      this.opts.logger.info({ pid: child.pid, socket: this.socketPath, log: this.logPath }, 'started the executor host');
      return ok({ exited: () => exited });
    } catch (e) {
      return err(`cannot start the executor host: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (log !== undefined) closeSync(log);
    }
  }

  private lost(conn: HostConnection, reason: string): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    for (const c of this.live.values()) c.launched?.(err(`lost the executor host: ${reason}`));
    if (this.closing || this.live.size === 0) return;
    this.opts.logger.warn({ reason }, 'lost the connection to the executor host; checking whether it is still running');
    this.connection(false).then((r) => {
      if (r.ok) return; // INSTANCES will tell which containers ended meanwhile
      this.opts.logger.error({ containers: this.live.size }, 'the executor host is gone; its executors have ended');
      for (const c of [...this.live.values()]) {
        this.afterKill(c, { status: 9, message: 'The executor host exited' }, true);
      }
    }).catch((e: unknown) => this.opts.logger.error({ err: e }, 'bug: reconnecting to the executor host failed'));
  }
}
