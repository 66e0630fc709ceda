/** Small formatting helpers shared by the table commands. */
import type { FlatResources } from './master-state.ts';

/** 0.1 → "0.1", 2 → "2", 0.30000000000000004 → "0.3" (Mesos keeps three decimals). */
export function num(x: number | string | undefined): string {
  if (x === undefined) return '-';
  if (typeof x === 'string') return x;
  return String(Math.round(x * 1000) / 1000);
}

/** Megabytes the way people read them: 512 MB, 1.5 GB, 247 GB, 1.2 TB. */
export function mb(x: number | string | undefined): string {
  if (x === undefined || typeof x === 'string') return x ?? '-';
  const round = (v: number) => String(v >= 100 ? Math.round(v) : Math.round(v * 10) / 10);
  if (x >= 1024 * 1024) return `${round(x / 1024 / 1024)} TB`;
  if (x >= 1024) return `${round(x / 1024)} GB`;
  return `${num(x)} MB`;
}

/** `used/total` for one resource of two flat maps. */
export function usage(used: FlatResources | undefined, total: FlatResources | undefined, name: string, unit: (x: number | string | undefined) => string = num): string {
  return `${unit(used?.[name] ?? 0)}/${unit(total?.[name])}`;
}

/** How long ago an epoch-seconds time was, in one unit: "5s", "3m", "2h", "4d". */
export function ago(seconds: number | undefined, nowMs: number): string {
  if (seconds === undefined) return '-';
  const s = Math.max(0, Math.floor(nowMs / 1000 - seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** `TASK_RUNNING` → `RUNNING` for tables (JSON keeps Mesos's names). */
export const bareState = (state: string | undefined): string => (state ?? '-').replace(/^TASK_/, '');
