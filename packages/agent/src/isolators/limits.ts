/**
 * A container's limits: the sum of its executor's and its tasks' resources (as Mesos does), with
 * Mesos's minimums (0.01 cpus, 32 MB of memory) for a container that asked for less.
 */
import type { Resource } from '@agora/protocol';

export interface ContainerLimits {
  cpus: number;
  memBytes: number;
  /** undefined: no disk resource, no quota. */
  diskBytes: number | undefined;
  /** Port ranges, inclusive. */
  ports: Array<[number, number]>;
}

export const MIN_CPUS = 0.01;
export const MIN_MEM_BYTES = 32 * 1024 * 1024;
const MB = 1024 * 1024;

export function containerLimits(resources: readonly Resource[]): ContainerLimits {
  let cpus = 0;
  let mem = 0;
  let disk: number | undefined;
  const ports: Array<[number, number]> = [];
  for (const r of resources) {
    const v = r.scalar?.value ?? 0;
    if (r.name === 'cpus') cpus += v;
    else if (r.name === 'mem') mem += v;
    else if (r.name === 'disk') disk = (disk ?? 0) + v;
    else if (r.name === 'ports') for (const range of r.ranges?.range ?? []) ports.push([range.begin, range.end]);
  }
  return {
    cpus: Math.max(cpus, MIN_CPUS),
    memBytes: Math.max(Math.round(mem * MB), MIN_MEM_BYTES),
    diskBytes: disk === undefined ? undefined : Math.round(disk * MB),
    ports,
  };
}

export const inPorts = (port: number, ranges: ReadonlyArray<[number, number]>): boolean => ranges.some(([b, e]) => port >= b && port <= e);

/** 64 MB, 1.5 GB: Mesos's Bytes formatting for messages. */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [['GB', 1024 ** 3], ['MB', MB], ['KB', 1024]];
  for (const [unit, size] of units) if (bytes >= size && bytes % (size / 1024) === 0) return `${+(bytes / size).toFixed(3)}${unit}`;
  for (const [unit, size] of units) if (bytes >= size) return `${+(bytes / size).toFixed(3)}${unit}`;
  return `${bytes}B`;
}
