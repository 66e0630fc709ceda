/**
 * Which cgroup hierarchy is there (`--cgroups-hierarchy`, default /sys/fs/cgroup): a cgroup2
 * mount at that path is the unified hierarchy (v2, controllers listed in cgroup.controllers);
 * otherwise each v1 controller is a mount below it (`<hierarchy>/<controller>`, found through
 * /proc/self/mountinfo, so co-mounted `cpu,cpuacct` works too). Hybrid hosts are v1 unless the
 * operator points the flag at the cgroup2 mount (e.g. /sys/fs/cgroup/unified).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';

export type CgroupLayout =
  /** `others`: every other cgroup mount below the base (named, unified, unused controllers), where runc also creates cgroups. */
  | { version: 1; mounts: Map<string, string>; others?: string[] }
  | { version: 2; mount: string; controllers: Set<string> };

interface Mount {
  point: string;
  fstype: string;
  superOptions: string[];
}

/** /proc/self/mountinfo: fields, then ` - fstype source super-options`. */
export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const point = left[4]?.replace(/\\040/g, ' ');
    if (point === undefined || right[0] === undefined) continue;
    out.push({ point, fstype: right[0], superOptions: (right[2] ?? '').split(',') });
  }
  return out;
}

const V1_CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'freezer', 'cpuset', 'blkio', 'devices', 'hugetlb', 'net_cls', 'perf_event'];

export function detectLayout(hierarchy: string, mountinfo?: string): Result<CgroupLayout, string> {
  let text = mountinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/mountinfo', 'utf8');
    } catch (e) {
      return err(`cannot read /proc/self/mountinfo: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const base = resolve(hierarchy);
  const mounts = parseMountinfo(text);
  const here = mounts.filter((m) => m.point === base).at(-1);
  if (here?.fstype === 'cgroup2') {
    let controllers = new Set<string>();
    try {
      controllers = new Set(readFileSync(`${base}/cgroup.controllers`, 'utf8').trim().split(/\s+/).filter(Boolean));
    } catch {
      // A hierarchy we cannot read lists no controllers; placement, freeze and kill still work.
    }
    return ok({ version: 2, mount: base, controllers });
  }
  const v1 = new Map<string, string>();
  const all = new Set<string>();
  for (const m of mounts) {
    if ((m.fstype !== 'cgroup' && m.fstype !== 'cgroup2') || !m.point.startsWith(`${base}/`)) continue;
    all.add(m.point);
    if (m.fstype === 'cgroup') for (const c of m.superOptions) if (V1_CONTROLLERS.includes(c) && !v1.has(c)) v1.set(c, m.point);
  }
  if (v1.size === 0) return err(`no cgroup hierarchy at '${base}' (neither a cgroup2 mount nor cgroup v1 controllers below it)`);
  return ok({ version: 1, mounts: v1, others: [...all].filter((p) => ![...v1.values()].includes(p)) });
}

/** Whether the layout can give a container this controller (v1: mounted; v2: listed). */
export function hasController(layout: CgroupLayout, controller: string): boolean {
  return layout.version === 1 ? layout.mounts.has(controller) : layout.controllers.has(controller);
}
