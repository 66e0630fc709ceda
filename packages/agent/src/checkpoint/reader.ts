/**
 * Reading the checkpoints back (Mesos's slave/state.cpp): the agent to recover, its frameworks,
 * their executors' latest runs, and each run's tasks with their replayed status update streams.
 *
 * Strict (`--strict`, the default): the first corrupt or unreadable piece makes the whole read an
 * error, so the agent refuses to start and says which file. Non-strict: a corrupt piece is
 * skipped (a framework with a corrupt framework.info, an executor with a corrupt executor.info or
 * run, a task with a corrupt task.info or task.updates), each skip is reported in `problems`, and
 * the rest is recovered.
 *
 * Missing is not corrupt. Every file is written atomically into a directory created just before
 * it, and a tree is removed file by file, so an agent killed at any moment can leave a directory
 * without its file: a framework without framework.info, an executor without executor.info, a run
 * without run.info or forked.pid, a task without task.info or task.updates. As in Mesos, such a
 * piece was never complete (or was being removed): it is left out, strict or not, and named in
 * `incomplete` — an agent must always be able to restart after a SIGKILL. The master learns of a
 * task left out this way when the agent re-registers without it (it is reconciled as lost).
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import {
  AgentInfo, decode, err, ExecutorInfo, formatDecodeError, FrameworkInfo, ok, parseJson, Resource, Task, type Decoder, type Result,
} from '@agora/protocol';
import type { ExecutorKind } from '../containerizer/containerizer.ts';
import { replayUpdates, type ReplayedStream } from './records.ts';
import type { MetaLayout } from './paths.ts';

export interface RecoveredTask {
  task: Task;
  stream: ReplayedStream;
}

export interface RunInfo {
  kind: ExecutorKind;
  /** Which launcher ran it ('host' or 'process'); absent when the launch never completed. */
  launcher?: string;
  /** The executor's start time (clock ticks after boot), recorded with its PID. */
  starttime?: number;
}

export interface RecoveredRun {
  containerId: string;
  info: RunInfo;
  pid: number | undefined;
  starttime: number | undefined;
  tasks: RecoveredTask[];
}

export interface RecoveredExecutor {
  info: ExecutorInfo;
  run: RecoveredRun | undefined;
}

export interface RecoveredFramework {
  info: FrameworkInfo;
  executors: RecoveredExecutor[];
}

export interface RecoveredState {
  bootId: string | undefined;
  /** The checkpointed resources (reservations, volumes) the master gave this agent. */
  resources: Resource[];
  agentId: string;
  agentInfo: AgentInfo;
  frameworks: RecoveredFramework[];
}

export interface ReadResult {
  /** Undefined when there is nothing to recover (a fresh work dir). */
  state: RecoveredState | undefined;
  /** What was skipped (non-strict only; strict stops at the first). */
  problems: string[];
  /** Pieces left out because a crash left them unwritten or half-removed (not errors; logged). */
  incomplete: string[];
}

class Corrupt {
  constructor(readonly message: string) {}
}

/** A piece whose file is missing: left out, never fatal. */
class Incomplete {
  constructor(readonly message: string) {}
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Corrupt(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function readMessage<T>(path: string, type: Decoder<T>, missing: 'corrupt' | 'incomplete' = 'incomplete'): T {
  const text = readText(path);
  if (text === undefined) throw missing === 'corrupt' ? new Corrupt(`${path} is missing`) : new Incomplete(`${path} is missing`);
  const json = parseJson(text);
  if (!json.ok) throw new Corrupt(`${path} is corrupt: ${json.error.message}`);
  const m = decode(type, json.value);
  if (!m.ok) throw new Corrupt(`${path} is corrupt: ${formatDecodeError(m.error)}`);
  return m.value;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n !== 'latest' && !n.startsWith('.'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Corrupt(`cannot list ${dir}: ${(e as Error).message}`);
  }
}

function readNumber(path: string): number | undefined {
  const text = readText(path);
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n) || n <= 0) throw new Corrupt(`${path} is corrupt: '${text.trim().slice(0, 40)}' is not a positive integer`);
  return n;
}

const KINDS: readonly string[] = ['command', 'custom', 'default'];

function readRunInfo(path: string): RunInfo {
  const text = readText(path);
  if (text === undefined) throw new Incomplete(`${path} is missing`);
  const json = parseJson(text);
  const v = json.ok ? (json.value as { kind?: unknown; launcher?: unknown; starttime?: unknown }) : undefined;
  if (
    !v || typeof v !== 'object' || typeof v.kind !== 'string' || !KINDS.includes(v.kind) || (v.launcher !== undefined && typeof v.launcher !== 'string')
    || (v.starttime !== undefined && !(typeof v.starttime === 'number' && Number.isSafeInteger(v.starttime) && v.starttime >= 0))
  ) {
    throw new Corrupt(`${path} is corrupt`);
  }
  return {
    kind: v.kind as ExecutorKind,
    ...(v.launcher !== undefined ? { launcher: v.launcher as string } : {}),
    ...(v.starttime !== undefined ? { starttime: v.starttime as number } : {}),
  };
}

export function readCheckpoint(layout: MetaLayout, opts: { strict: boolean }): Result<ReadResult, string> {
  const problems: string[] = [];
  const incomplete: string[] = [];
  /** Runs `fn`; a Corrupt in it is fatal (strict) or skipped and recorded (non-strict); an Incomplete is skipped. */
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof Incomplete) {
        incomplete.push(e.message);
        return undefined;
      }
      if (!(e instanceof Corrupt)) throw e;
      if (opts.strict) throw e;
      problems.push(e.message);
      return undefined;
    }
  };
  try {
    const link = layout.latestAgentLink();
    if (!existsSync(link)) return ok({ state: undefined, problems, incomplete });
    let agentId: string;
    try {
      agentId = basename(readlinkSync(link));
    } catch (e) {
      throw new Corrupt(`${link} is not a readable link: ${(e as Error).message}`);
    }
    // Without its AgentInfo the agent cannot be recovered at all, strict or not.
    const agentInfo = readMessage(layout.agentInfoFile(agentId), AgentInfo, 'corrupt');
    const bootId = readText(layout.bootIdFile())?.trim();
    const resources = attempt(() => readResources(layout.resourcesFile())) ?? [];
    const frameworks: RecoveredFramework[] = [];
    for (const fid of list(layout.frameworksDir(agentId))) {
      const fw = attempt(() => {
        const info = readMessage(layout.frameworkInfoFile(agentId, fid), FrameworkInfo);
        if (info.id?.value !== fid) throw new Corrupt(`${layout.frameworkInfoFile(agentId, fid)} names framework '${info.id?.value ?? ''}'`);
        return { info, executors: [] as RecoveredExecutor[] };
      });
      if (!fw) continue;
      for (const eid of list(layout.executorsDir(agentId, fid))) {
        const ex = attempt(() => readExecutor(layout, agentId, fid, eid, attempt));
        if (ex) fw.executors.push(ex);
      }
      frameworks.push(fw);
    }
    return ok({ state: { bootId, resources, agentId, agentInfo, frameworks }, problems, incomplete });
  } catch (e) {
    if (e instanceof Corrupt || e instanceof Incomplete) return err(e.message);
    throw e;
  }
}

function readResources(path: string): Resource[] {
  const text = readText(path);
  if (text === undefined) return [];
  const json = parseJson(text);
  if (!json.ok || !Array.isArray(json.value)) throw new Corrupt(`${path} is corrupt: not a JSON array`);
  return json.value.map((v, i) => {
    const r = decode(Resource, v);
    if (!r.ok) throw new Corrupt(`${path} is corrupt: resource ${i}: ${formatDecodeError(r.error)}`);
    return r.value;
  });
}

function readExecutor(layout: MetaLayout, agentId: string, fid: string, eid: string, attempt: <T>(fn: () => T) => T | undefined): RecoveredExecutor {
  const infoFile = layout.executorInfoFile(agentId, fid, eid);
  const info = readMessage(infoFile, ExecutorInfo);
  if (info.executor_id.value !== eid) throw new Corrupt(`${infoFile} names executor '${info.executor_id.value}'`);
  const runsDir = layout.runsDir(agentId, fid, eid);
  const latestLink = `${runsDir}/latest`;
  let containerId: string | undefined;
  if (existsSync(latestLink)) {
    try {
      containerId = basename(readlinkSync(latestLink));
    } catch (e) {
      throw new Corrupt(`${latestLink} is not a readable link: ${(e as Error).message}`);
    }
    // Only a removal cut short leaves the link without its run.
    if (!existsSync(layout.runDir(agentId, fid, eid, containerId))) throw new Incomplete(`${latestLink} points at a run that does not exist`);
  } else {
    // A crash between creating the run and linking it: the only run there is.
    const runs = list(runsDir);
    // Several runs and no link: only a removal cut short (the link is replaced, never removed, otherwise).
    if (runs.length > 1) throw new Incomplete(`${runsDir} has ${runs.length} runs and no 'latest' link`);
    containerId = runs[0];
  }
  if (containerId === undefined) return { info, run: undefined };
  const run = layout.runDir(agentId, fid, eid, containerId);
  // A run without run.info was never launched (it is written before the launch), or is being removed.
  const runInfo = attempt(() => readRunInfo(layout.runInfoFile(run)));
  if (runInfo === undefined) return { info, run: undefined };
  const pid = readNumber(layout.forkedPidFile(run));
  const starttime = pid === undefined ? undefined : runInfo.starttime;
  const tasks: RecoveredTask[] = [];
  for (const tid of list(layout.tasksDir(run))) {
    const t = attempt(() => {
      const task = readMessage(layout.taskInfoFile(run, tid), Task);
      if (task.task_id.value !== tid) throw new Corrupt(`${layout.taskInfoFile(run, tid)} names task '${task.task_id.value}'`);
      const updatesFile = layout.taskUpdatesFile(run, tid);
      const stream = replayUpdates(readText(updatesFile) ?? '');
      if (!stream.ok) throw new Corrupt(`${updatesFile} is corrupt: ${stream.error}`);
      return { task, stream: stream.value };
    });
    if (t) tasks.push(t);
  }
  return { info, run: { containerId, info: runInfo, pid, starttime, tasks } };
}
