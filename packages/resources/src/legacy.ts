/**
 * The flat resource map of Mesos's legacy JSON endpoints (`/master/state`, `/slaves`):
 * `{"cpus":2,"gpus":0,"mem":1024,"disk":0,"ports":"[31000-32000]"}`.
 */
import type { Entry } from './entry.ts';
import { addRanges, formatRanges, NO_RANGES, type Ranges } from './ranges.ts';
import { addItems, formatItems, NO_ITEMS, type Items } from './sets.ts';

export type LegacyResources = Record<string, number | string>;

export function entriesToLegacy(entries: readonly Entry[]): LegacyResources {
  const scalars = new Map<string, number>([['cpus', 0], ['gpus', 0], ['mem', 0], ['disk', 0]]);
  const ranges = new Map<string, Ranges>();
  const sets = new Map<string, Items>();
  const order: string[] = [];
  const seen = new Set<string>(['cpus', 'gpus', 'mem', 'disk']);
  for (const e of entries) {
    const key = e.id.revocable ? `${e.id.name}_revocable` : e.id.name;
    if (!seen.has(key)) {
      seen.add(key);
      order.push(key);
    }
    if (e.id.type === 'SCALAR') scalars.set(key, (scalars.get(key) ?? 0) + e.scalar);
    else if (e.id.type === 'RANGES') ranges.set(key, addRanges(ranges.get(key) ?? NO_RANGES, e.ranges));
    else sets.set(key, addItems(sets.get(key) ?? NO_ITEMS, e.items));
  }
  const out: LegacyResources = {};
  for (const key of ['cpus', 'gpus', 'mem', 'disk', ...order]) {
    const r = ranges.get(key);
    const s = sets.get(key);
    if (r !== undefined) out[key] = formatRanges(r);
    else if (s !== undefined) out[key] = formatItems(s);
    else out[key] = (scalars.get(key) ?? 0) / 1000;
  }
  return out;
}
