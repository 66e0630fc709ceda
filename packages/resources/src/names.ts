/**
 * Process-wide dense ids for resource names (`cpus` → 0, `mem` → 1, …), assigned on first
 * sight. Identities and quantities cache their ids, so consumers that keep per-name vectors
 * (the allocator's DRF and quota accounting) index arrays instead of hashing strings. The table
 * only grows with the number of distinct resource names, which is small.
 */
const ids = new Map<string, number>();
const list: string[] = [];

export function resourceNameId(name: string): number {
  let id = ids.get(name);
  if (id === undefined) {
    id = list.length;
    ids.set(name, id);
    list.push(name);
  }
  return id;
}

/** Every name seen so far, indexed by id. */
export function resourceNames(): readonly string[] {
  return list;
}
