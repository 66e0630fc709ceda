/**
 * Finding and killing every process of a container, without cgroups: the container's root
 * processes, their descendants (by parent PID), everything in their sessions and process groups,
 * and every process carrying the container's marker in its environment (AGORA_CONTAINER_ID) —
 * which is what catches a grandchild that called setsid() and was re-parented to init.
 *
 * Safety: the agent itself, PID 1, and the agent's own session and process group are never
 * targets, and a root given with its start time is only used if that PID still has it (a PID the
 * kernel has reused for someone else is left alone). Zombies are ignored (they are already dead).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  state: string;
  /** Start time in clock ticks after boot (field 22 of /proc/<pid>/stat). */
  starttime: number;
}

export interface Root {
  pid: number;
  /** The start time recorded when the PID was learned; protects against PID reuse. */
  starttime?: number;
}

/** Parses /proc/<pid>/stat; the command name may contain spaces and parentheses. */
export function parseStat(text: string): ProcInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state); field n is f[n - 3].
  const ppid = Number(f[1]);
  const pgid = Number(f[2]);
  const sid = Number(f[3]);
  const starttime = Number(f[19]);
  if (![pid, ppid, pgid, sid, starttime].every(Number.isFinite)) return undefined;
  return { pid, ppid, pgid, sid, state: f[0] ?? '?', starttime };
}

export function readProc(pid: number): ProcInfo | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) out.push(p);
  }
  return out;
}

function hasMarker(pid: number, marker: string): boolean {
  try {
    const env = readFileSync(`/proc/${pid}/environ`);
    return env.includes(Buffer.from(`\0${marker}\0`)) || env.subarray(0, marker.length + 1).equals(Buffer.from(`${marker}\0`));
  } catch {
    return false;
  }
}

/** The start time of a live process, to record alongside its PID. */
export function startTimeOf(pid: number): number | undefined {
  return readProc(pid)?.starttime;
}

/**
 * Every live process of the container. `marker` is `NAME=value` (e.g. `AGORA_CONTAINER_ID=<id>`).
 * `exclude` lists PIDs never to return (e.g. the executor host, which runs many containers).
 */
export function findContainerProcesses(roots: readonly Root[], marker: string | undefined, exclude: readonly number[] = []): ProcInfo[] {
  const all = listProcesses();
  const self = all.find((p) => p.pid === process.pid) ?? readProc(process.pid);
  const protectedPids = new Set<number>([1, process.pid, ...exclude]);
  const protectedGroups = new Set<number>(self ? [self.sid, self.pgid] : []);
  for (const pid of exclude) {
    const p = all.find((q) => q.pid === pid);
    if (p) {
      protectedGroups.add(p.sid);
      protectedGroups.add(p.pgid);
    }
  }
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const children = new Map<number, ProcInfo[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const found = new Map<number, ProcInfo>();
  const groups = new Set<number>();
  const add = (p: ProcInfo) => {
    if (protectedPids.has(p.pid) || found.has(p.pid)) return;
    found.set(p.pid, p);
    if (!protectedGroups.has(p.sid) && p.sid > 1) groups.add(p.sid);
    if (!protectedGroups.has(p.pgid) && p.pgid > 1) groups.add(p.pgid);
  };
  for (const r of roots) {
    const p = byPid.get(r.pid);
    if (p && (r.starttime === undefined || r.starttime === p.starttime)) add(p);
  }
  if (marker !== undefined) {
    for (const p of all) if (!found.has(p.pid) && !protectedPids.has(p.pid) && hasMarker(p.pid, marker)) add(p);
  }
  // Close over descendants and session/group membership until nothing new appears.
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of [...found.values()]) {
      for (const c of children.get(p.pid) ?? []) {
        if (!found.has(c.pid) && !protectedPids.has(c.pid)) {
          add(c);
          changed = true;
        }
      }
    }
    for (const p of all) {
      if (!found.has(p.pid) && !protectedPids.has(p.pid) && (groups.has(p.sid) || groups.has(p.pgid))) {
        add(p);
        changed = true;
      }
    }
  }
  return [...found.values()].filter((p) => p.state !== 'Z' && p.state !== 'X');
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * SIGKILLs the container's processes until none is left (a process may fork between the scan and
 * the kill, so it scans again). Returns how many processes were signalled.
 */
export async function killContainerProcesses(roots: readonly Root[], marker: string | undefined, exclude: readonly number[] = [], maxRounds = 50): Promise<number> {
  let killed = 0;
  for (let round = 0; round < maxRounds; round++) {
    const targets = findContainerProcesses(roots, marker, exclude);
    if (targets.length === 0) return killed;
    // Stop first so nothing forks while the rest of the tree is being killed.
    for (const p of targets) trySignal(p.pid, 'SIGSTOP');
    for (const p of targets) {
      if (trySignal(p.pid, 'SIGKILL')) killed++;
    }
    await pause(round < 3 ? 2 : 20);
  }
  return killed;
}

function trySignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
