/**
 * Resource conversions of the operations the master applies speculatively (Mesos
 * `getResourceConversions`): what each consumes from an agent's (or an offer's) resources and
 * what it produces. `applyConversions` on the agent's total and the allocator's
 * `updateAllocation` / `updateAvailable` take these.
 *
 *   RESERVE    consumed = `source`, or `resources` with their last reservation popped; converted = `resources`
 *   UNRESERVE  per entry: consumed = the entry; converted = the entry with its last reservation popped
 *   CREATE     per volume: consumed = the volume without persistence and volume info; converted = the volume
 *   DESTROY    per volume: the reverse of CREATE
 * The resources are assumed validated by the master (operation validation is its job); only
 * conversions that cannot be formed are errors.
 */
import { err, ok, type Result } from '@agora/protocol';
import { makeEntry, type Entry } from './entry.ts';
import { Resources } from './resources.ts';

export interface Conversion {
  readonly consumed: Resources;
  readonly converted: Resources;
}

export type ResourceOperation =
  | { readonly type: 'RESERVE'; readonly resources: Resources; readonly source?: Resources }
  | { readonly type: 'UNRESERVE'; readonly resources: Resources }
  | { readonly type: 'CREATE'; readonly volumes: Resources }
  | { readonly type: 'DESTROY'; readonly volumes: Resources };

/** The entry as it was before CREATE: no persistence, no volume, not shared. */
function withoutPersistence(e: Entry): Entry {
  const source = e.disk?.source;
  return makeEntry(e.id.withoutPersistence(), e.scalar, e.ranges, e.items, source === undefined ? undefined : { source }, 1);
}

export function conversionsFor(op: ResourceOperation): Result<Conversion[], string> {
  switch (op.type) {
    case 'RESERVE': {
      if (op.source !== undefined) return ok([{ consumed: op.source, converted: op.resources }]);
      const consumed = op.resources.popReservation();
      return consumed.ok ? ok([{ consumed: consumed.value, converted: op.resources }]) : err(`RESERVE: ${consumed.error}`);
    }
    case 'UNRESERVE': {
      const out: Conversion[] = [];
      for (const e of op.resources.entries) {
        const one = Resources.trusted([e]);
        const popped = one.popReservation();
        if (!popped.ok) return err(`UNRESERVE: ${popped.error}`);
        out.push({ consumed: one, converted: popped.value });
      }
      return ok(out);
    }
    case 'CREATE':
    case 'DESTROY': {
      const out: Conversion[] = [];
      for (const e of op.volumes.entries) {
        if (!e.id.isPersistentVolume) return err(`${op.type}: '${e.id.name}' is not a persistent volume`);
        const volume = Resources.trusted([e]);
        const plain = Resources.trusted([withoutPersistence(e)]);
        out.push(op.type === 'CREATE' ? { consumed: plain, converted: volume } : { consumed: volume, converted: plain });
      }
      return ok(out);
    }
  }
}

/**
 * An agent's total: its configured resources with the checkpointed ones (dynamic reservations,
 * persistent volumes) carved out of them, as Mesos's agent and master both count it. Each
 * checkpointed resource takes back what it was made of — a reservation its unreserved amount, a
 * volume the plain disk it was created from (DESTROY's conversion). Checkpointed resources the
 * configured ones cannot hold (the agent restarted with less) are added on top instead.
 */
export function withCheckpointed(configured: Resources, checkpointed: Resources): Result<Resources, string> {
  if (checkpointed.isEmpty()) return ok(configured);
  const volumes = checkpointed.persistentVolumes();
  const disks = conversionsFor({ type: 'DESTROY', volumes });
  if (!disks.ok) return disks;
  const madeOf = Resources.sum([checkpointed.minus(volumes), ...disks.value.map((c) => c.converted)]).toUnreserved();
  const carved = configured.contains(madeOf) ? configured.minus(madeOf) : configured;
  return ok(carved.plus(checkpointed));
}
