/**
 * Writing the checkpoints (Mesos's Slave/Framework/Executor::checkpoint* calls): the core calls
 * these hooks for frameworks with `checkpoint: true` only, at the moments Mesos checkpoints —
 * registration (AgentInfo, boot ID), an executor's creation (FrameworkInfo, ExecutorInfo, the
 * run), its launch (the forked PID and its start time), each task handed to it (Task), and each
 * status update and acknowledgement (the StatusUpdateStore below). When an executor or framework
 * is removed, its meta directory goes with it.
 *
 * Every write is atomic and durable (files.ts). A failed write is logged as an error: the agent
 * keeps running, but that piece may not survive a restart (Mesos aborts instead).
 */
import { readFileSync } from 'node:fs';
import { ok, type AgentInfo, type ExecutorInfo, type FrameworkInfo, type internal, type Resource, type Result, type Task } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { ExecutorKind } from '../containerizer/containerizer.ts';
import type { StatusUpdateStore, StreamKey } from '../status-updates/store.ts';
import { appendRecord, removeTree, replaceSymlink, writeAtomic } from './files.ts';
import { BOOT_ID_FILE, type MetaLayout } from './paths.ts';
import { ackRecord, updateRecord } from './records.ts';

/** The run being checkpointed: where the core's executor record lives. */
export interface RunRef {
  frameworkId: string;
  executorId: string;
  containerId: string;
}

export interface CheckpointHooks {
  agentRegistered(info: AgentInfo): void;
  /** CHECKPOINT_RESOURCES: the agent's dynamic reservations and volumes (for every framework). */
  resourcesUpdated(resources: readonly Resource[]): void;
  frameworkUpdated(info: FrameworkInfo): void;
  executorCreated(framework: FrameworkInfo, info: ExecutorInfo, run: RunRef, kind: ExecutorKind): void;
  executorLaunched(run: RunRef, kind: ExecutorKind, pid: number, starttime: number | undefined, launcher: string | undefined): void;
  taskAdded(run: RunRef, task: Task): void;
  executorRemoved(run: RunRef): void;
  frameworkRemoved(frameworkId: string): void;
}

/** The current boot's ID, or undefined where the system has none. */
export function currentBootId(): string | undefined {
  try {
    return readFileSync(BOOT_ID_FILE, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export class Checkpointer implements CheckpointHooks, StatusUpdateStore {
  private agentId: string | undefined;
  /** What each framework.info holds, so an unchanged one is not written again (each write is two fsyncs). */
  private readonly frameworkInfos = new Map<string, string>();

  constructor(
    private readonly layout: MetaLayout,
    private readonly logger: Logger,
    private readonly bootId: string | undefined = currentBootId(),
  ) {}

  /** The agent ID the checkpoints go under (set at registration, or by recovery). */
  setAgentId(agentId: string): void {
    this.agentId = agentId;
  }

  private check(r: Result<void, string>, what: string): Result<void, string> {
    if (!r.ok) this.logger.error({ error: r.error, what }, 'failed to checkpoint');
    return r;
  }

  private runDir(run: RunRef): string | undefined {
    return this.agentId === undefined ? undefined : this.layout.runDir(this.agentId, run.frameworkId, run.executorId, run.containerId);
  }

  agentRegistered(info: AgentInfo): void {
    const id = info.id?.value;
    if (id === undefined) return;
    this.agentId = id;
    if (this.bootId !== undefined) this.check(writeAtomic(this.layout.bootIdFile(), `${this.bootId}\n`), 'boot_id');
    this.check(writeAtomic(this.layout.agentInfoFile(id), JSON.stringify(info)), 'slave.info');
    this.check(replaceSymlink(id, this.layout.latestAgentLink()), 'slaves/latest');
  }

  resourcesUpdated(resources: readonly Resource[]): void {
    this.check(writeAtomic(this.layout.resourcesFile(), JSON.stringify(resources)), 'resources.info');
  }

  frameworkUpdated(info: FrameworkInfo): void {
    if (this.agentId === undefined || info.id === undefined) return;
    const json = JSON.stringify(info);
    if (this.frameworkInfos.get(info.id.value) === json) return;
    const r = this.check(writeAtomic(this.layout.frameworkInfoFile(this.agentId, info.id.value), json), 'framework.info');
    if (r.ok) this.frameworkInfos.set(info.id.value, json);
  }

  executorCreated(framework: FrameworkInfo, info: ExecutorInfo, run: RunRef, kind: ExecutorKind): void {
    const dir = this.runDir(run);
    if (dir === undefined) return;
    this.frameworkUpdated(framework);
    this.check(writeAtomic(this.layout.executorInfoFile(this.agentId!, run.frameworkId, run.executorId), JSON.stringify(info)), 'executor.info');
    this.check(writeAtomic(this.layout.runInfoFile(dir), JSON.stringify({ kind })), 'run.info');
    this.check(replaceSymlink(run.containerId, `${this.layout.runsDir(this.agentId!, run.frameworkId, run.executorId)}/latest`), 'runs/latest');
  }

  executorLaunched(run: RunRef, kind: ExecutorKind, pid: number, starttime: number | undefined, launcher: string | undefined): void {
    const dir = this.runDir(run);
    if (dir === undefined) return;
    // The start time first: a forked.pid without it is never adopted (the PID alone proves nothing).
    const info = { kind, ...(launcher !== undefined ? { launcher } : {}), ...(starttime !== undefined ? { starttime } : {}) };
    this.check(writeAtomic(this.layout.runInfoFile(dir), JSON.stringify(info)), 'run.info');
    this.check(writeAtomic(this.layout.forkedPidFile(dir), `${pid}\n`), 'forked.pid');
  }

  taskAdded(run: RunRef, task: Task): void {
    const dir = this.runDir(run);
    if (dir === undefined) return;
    this.check(writeAtomic(this.layout.taskInfoFile(dir, task.task_id.value), JSON.stringify(task)), 'task.info');
  }

  executorRemoved(run: RunRef): void {
    if (this.agentId === undefined) return;
    this.check(removeTree(this.layout.executorDir(this.agentId, run.frameworkId, run.executorId)), 'remove executor');
  }

  frameworkRemoved(frameworkId: string): void {
    if (this.agentId === undefined) return;
    this.frameworkInfos.delete(frameworkId);
    this.check(removeTree(this.layout.frameworkDir(this.agentId, frameworkId)), 'remove framework');
  }

  // ───────────────────────────── StatusUpdateStore ─────────────────────────────

  private updatesFile(key: StreamKey): string | undefined {
    if (key.executorId === undefined || key.containerId === undefined) return undefined;
    const dir = this.runDir({ frameworkId: key.frameworkId, executorId: key.executorId, containerId: key.containerId });
    return dir === undefined ? undefined : this.layout.taskUpdatesFile(dir, key.taskId);
  }

  recordUpdate(key: StreamKey, update: internal.StatusUpdate): Result<void, string> {
    const file = this.updatesFile(key);
    // Updates of tasks no executor holds (e.g. a kill of an unknown task) have no run to live in.
    if (file === undefined) return ok(undefined);
    return this.check(appendRecord(file, updateRecord(update)), 'task.updates');
  }

  recordAck(key: StreamKey, uuid: string): Result<void, string> {
    const file = this.updatesFile(key);
    if (file === undefined) return ok(undefined);
    return this.check(appendRecord(file, ackRecord(uuid)), 'task.updates');
  }

  /** The stream ended; its records stay until the executor's meta directory is removed. */
  remove(): void {}
}
