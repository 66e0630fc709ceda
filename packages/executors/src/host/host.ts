/**
 * The executor host (ADR 0003): one long-lived process per agent running Agora's executors —
 * command executors, and default executors for task groups (LAUNCH `kind: DEFAULT`) — as
 * in-process instances, each with its own ExecutorDriver and its own executor-API subscription.
 * The agent drives it over a Unix socket with `internal.ExecutorHostMessage` lines:
 *
 *   agent → host   LAUNCH {container_id, env, kind?}  start an instance  → LAUNCHED {pid} | LAUNCH_FAILED {message}
 *                  DESTROY {container_id}       SIGKILL its task groups, end it        → EXITED (status 9)
 *                  LIST                         what is running                         → INSTANCES
 *                  SHUTDOWN_HOST                destroy every instance, close, exit
 *   host → agent   TASK_PROCESS {container_id, pid}   each task process spawned (so the agent can kill it without us)
 *                  EXITED {container_id, status, message}   an instance ended: waitpid-style status, exit code << 8 or signal
 *
 * Contracts:
 *  - Replies (LAUNCHED, LAUNCH_FAILED, INSTANCES) go to the asking connection; TASK_PROCESS and
 *    EXITED go to every open connection. EXITED messages that find no connection are kept (up to
 *    `maxPendingExits`, oldest dropped first) and delivered to the next one, so an agent that
 *    restarts learns what ended while it was away.
 *  - The host outlives any connection: instances keep running and reconnect to the agent's
 *    executor API on their own; a new connection may come at any time.
 *  - A malformed line closes that connection only. Finished instances are forgotten at once.
 */
import type { Server, Socket } from 'node:net';
import { unlink } from 'node:fs/promises';
import { ok, type Result, type internal } from '@agora/protocol';
import { startCommandExecutor, type CommandExecutorHandle, type CommandExecutorOptions } from '../command/start.ts';
import type { CommandExecutorExit } from '../command/command-executor.ts';
import { startDefaultExecutor } from '../default/start.ts';
import { LineChannel } from './line-channel.ts';
import { listenUnix } from './unix-socket.ts';

export const DEFAULT_MAX_PENDING_EXITS = 1024;
/** The waitpid-style status reported for a destroyed instance: killed by SIGKILL. */
export const DESTROYED_STATUS = 9;

/** Starts an instance of the executor `kind` names (absent: a command executor). */
export type StartInstance = (env: Record<string, string>, opts: CommandExecutorOptions, kind: internal.HostExecutorKind) => Result<CommandExecutorHandle, string>;

/** The host's default: the command executor, or the default executor for `kind: DEFAULT`. */
export const startAgoraExecutor: StartInstance = (env, opts, kind) => (kind === 'DEFAULT' ? startDefaultExecutor(env, opts) : startCommandExecutor(env, opts));

export interface ExecutorHostOptions {
  socketPath: string;
  /** Options for every instance (tests inject fetch/clock); `onTaskProcess` and `log` are the host's. */
  executorOptions?: Omit<CommandExecutorOptions, 'onTaskProcess' | 'log'>;
  /** How an instance is started (default: `startAgoraExecutor`). */
  startInstance?: StartInstance;
  /** Host-level diagnostics. */
  log?: (line: string) => void;
  /** Per-instance diagnostics, prefixed with the container ID; default: none. */
  instanceLog?: (containerId: string, line: string) => void;
  maxPendingExits?: number;
  maxLineBytes?: number;
}

export interface ExecutorHostHandle {
  readonly socketPath: string;
  readonly pid: number;
  /** The running instances, as LIST reports them. */
  instances(): internal.HostInstance[];
  /** Destroys every instance, closes every connection and the socket. Idempotent. */
  close(): Promise<void>;
  /** Resolves once the host has closed (close() or SHUTDOWN_HOST). */
  readonly closed: Promise<void>;
}

interface Instance {
  readonly containerId: string;
  readonly handle: CommandExecutorHandle;
}

/** waitpid-style: exit code in the high byte, or the terminating signal. */
export const exitStatus = (exit: CommandExecutorExit): number => (exit.destroyed ? DESTROYED_STATUS : (exit.code & 0xff) << 8);

class ExecutorHost {
  private readonly instances = new Map<string, Instance>();
  private readonly connections = new Set<LineChannel>();
  private pendingExits: internal.ExecutorHostMessage[] = [];
  private server: Server | undefined;
  private closing: Promise<void> | undefined;
  private resolveClosed!: () => void;
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  private readonly log: (line: string) => void;
  private readonly startInstance: StartInstance;

  constructor(private readonly opts: ExecutorHostOptions) {
    this.log = opts.log ?? (() => undefined);
    this.startInstance = opts.startInstance ?? startAgoraExecutor;
  }

  async listen(): Promise<Result<void, string>> {
    const server = await listenUnix(this.opts.socketPath, (socket) => this.accept(socket));
    if (!server.ok) return server;
    this.server = server.value;
    this.log(`listening on ${this.opts.socketPath}`);
    return ok(undefined);
  }

  list(): internal.HostInstance[] {
    return [...this.instances.values()].map((i) => ({
      container_id: i.containerId,
      executor_id: i.handle.executorId,
      framework_id: i.handle.frameworkId,
      ...(i.handle.taskPids().length > 0 ? { task_pids: i.handle.taskPids() } : {}),
    }));
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.log(`shutting down (${this.instances.size} instances)`);
    const ends = [...this.instances.values()].map((i) => {
      i.handle.destroy();
      return i.handle.done;
    });
    await Promise.all(ends);
    // Let the EXITED lines reach the agent before the connections close.
    for (const c of this.connections) c.end();
    this.connections.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await unlink(this.opts.socketPath).catch(() => undefined);
    this.resolveClosed();
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const channel: LineChannel = new LineChannel(socket, {
      ...(this.opts.maxLineBytes !== undefined ? { maxLineBytes: this.opts.maxLineBytes } : {}),
      onMessage: (m) => this.handle(channel, m),
      onClose: (reason) => {
        this.connections.delete(channel);
        this.log(reason === undefined ? 'agent connection closed' : `closed an agent connection: ${reason}`);
      },
    });
    this.connections.add(channel);
    this.log('agent connected');
    const backlog = this.pendingExits;
    this.pendingExits = [];
    for (const m of backlog) channel.send(m);
  }

  private handle(from: LineChannel, m: internal.ExecutorHostMessage): void {
    switch (m.type) {
      case 'LAUNCH':
        return this.launch(from, m.launch!);
      case 'DESTROY':
        return this.destroy(from, m.destroy!.container_id);
      case 'LIST':
        from.send({ type: 'INSTANCES', instances: { instances: this.list() } });
        return;
      case 'SHUTDOWN_HOST':
        void this.close();
        return;
      default:
        // Messages only the host sends: the peer does not speak the protocol.
        from.close(`unexpected ${m.type} from the agent`);
    }
  }

  private launch(from: LineChannel, launch: internal.HostLaunch): void {
    const containerId = launch.container_id;
    const failed = (message: string) => from.send({ type: 'LAUNCH_FAILED', launch_failed: { container_id: containerId, message } });
    if (this.closing) return void failed('the executor host is shutting down');
    if (this.instances.has(containerId)) return void failed(`container ${containerId} already has a running executor instance`);
    const instanceLog = this.opts.instanceLog;
    const started = this.startInstance(launch.env, {
      ...this.opts.executorOptions,
      onTaskProcess: (pid) => this.broadcast({ type: 'TASK_PROCESS', task_process: { container_id: containerId, pid } }),
      ...(instanceLog ? { log: (line: string) => instanceLog(containerId, line) } : {}),
    }, launch.kind ?? 'COMMAND');
    if (!started.ok) return void failed(started.error);
    const instance: Instance = { containerId, handle: started.value };
    this.instances.set(containerId, instance);
    from.send({ type: 'LAUNCHED', launched: { container_id: containerId, pid: process.pid } });
    void instance.handle.done.then((exit) => {
      this.instances.delete(containerId);
      this.broadcast({ type: 'EXITED', exited: { container_id: containerId, status: exitStatus(exit), message: exit.message } }, true);
    });
  }

  private destroy(from: LineChannel, containerId: string): void {
    const instance = this.instances.get(containerId);
    if (instance !== undefined) {
      instance.handle.destroy(); // EXITED follows from its `done`
      return;
    }
    // Keep "EXITED follows DESTROY" true even for an instance that is already gone.
    from.send({ type: 'EXITED', exited: { container_id: containerId, status: DESTROYED_STATUS, message: 'no executor instance with this container ID (already exited)' } });
  }

  private broadcast(m: internal.ExecutorHostMessage, keepIfUndelivered = false): void {
    let delivered = false;
    for (const c of this.connections) delivered = c.send(m) || delivered;
    if (delivered || !keepIfUndelivered) return;
    this.pendingExits.push(m);
    const max = this.opts.maxPendingExits ?? DEFAULT_MAX_PENDING_EXITS;
    if (this.pendingExits.length > max) this.pendingExits.splice(0, this.pendingExits.length - max);
  }
}

/** Starts listening; an error value if the socket cannot be used (e.g. another host owns it). */
export async function startExecutorHost(opts: ExecutorHostOptions): Promise<Result<ExecutorHostHandle, string>> {
  const host = new ExecutorHost(opts);
  const listening = await host.listen();
  if (!listening.ok) return listening;
  return ok({
    socketPath: opts.socketPath,
    pid: process.pid,
    instances: () => host.list(),
    close: () => host.close(),
    closed: host.closed,
  });
}
