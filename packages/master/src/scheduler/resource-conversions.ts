/**
 * Validation of RESERVE, UNRESERVE, CREATE and DESTROY (Mesos validation.cpp `operation::validate`)
 * and the conversion each makes (`consumed` becomes `converted`), shared by the two ways they
 * arrive: inside a framework's ACCEPT (scheduler/resource-operations.ts; resources carry the
 * offer's allocation role) and as operator calls (operator/resource-calls.ts; unallocated
 * resources). Pure: the caller parses the wire resources (`parse`), applies the conversion and
 * decides what an error means (a dropped operation, a 400).
 *
 * Errors start with `what` (`RESERVE`, or the call's field such as `reserve_resources.resources`).
 */
import { err, ok, type Resource, type Result } from '@agora/protocol';
import type { Resources } from '@agora/resources';
import type { AgentRecord } from '../registry/agent.ts';

export type Conversion = { consumed: Resources; converted: Resources };
export type ParseResources = (list: readonly Resource[], what: string) => Result<Resources, string>;
export type Reservation = NonNullable<Resource['reservations']>[number];

/** What the agent must remember across restarts: dynamic reservations and persistent volumes. */
export function checkpointed(total: Resources): Resource[] {
  return total
    .toProto('POST_REFINEMENT')
    .filter((r) => r.reservations?.some((x) => x.type === 'DYNAMIC') || r.disk?.persistence !== undefined);
}

function lastReservation(r: Resource): Reservation | undefined {
  const stack = r.reservations ?? [];
  return stack[stack.length - 1];
}

/**
 * RESERVE: every resource's last reservation is DYNAMIC (`check` adds the caller's rules on it:
 * role and principal); persistent volumes are never reserved. Consumes the resources with that
 * reservation popped, or `source` when given (a re-reservation of already reserved resources).
 */
export function reserveConversion(
  list: readonly Resource[],
  what: string,
  parse: ParseResources,
  check?: (last: Reservation) => string | undefined,
  source?: readonly Resource[],
): Result<Conversion, string> {
  if (list.length === 0) return err(`${what}: no resources given`);
  const parsed = parse(list, what);
  if (!parsed.ok) return err(parsed.error);
  for (const r of parsed.value.toProto('POST_REFINEMENT')) {
    const last = lastReservation(r);
    if (!last || last.type !== 'DYNAMIC') return err(`${what}: resource '${r.name}' must carry a DYNAMIC reservation`);
    const problem = check?.(last);
    if (problem) return err(`${what}: ${problem}`);
    if (r.disk?.persistence) return err(`${what}: a persistent volume cannot be reserved; reserve the disk, then CREATE the volume`);
  }
  if (source !== undefined && source.length > 0) {
    const from = parse(source, what);
    if (!from.ok) return err(from.error);
    if (!from.value.toUnreserved().equals(parsed.value.toUnreserved())) {
      return err(`${what}: the 'source' resources ${from.value.toString()} are not the 'resources' ${parsed.value.toString()} with other reservations`);
    }
    return ok({ consumed: from.value, converted: parsed.value });
  }
  const popped = parsed.value.popReservation();
  if (!popped.ok) return err(`${what}: ${popped.error}`);
  return ok({ consumed: popped.value, converted: parsed.value });
}

/** UNRESERVE: dynamically reserved resources, not persistent volumes (destroy those first). */
export function unreserveConversion(list: readonly Resource[], what: string, parse: ParseResources): Result<Conversion, string> {
  if (list.length === 0) return err(`${what}: no resources given`);
  const parsed = parse(list, what);
  if (!parsed.ok) return err(parsed.error);
  for (const r of parsed.value.toProto('POST_REFINEMENT')) {
    const last = lastReservation(r);
    if (!last || last.type !== 'DYNAMIC') return err(`${what}: resource '${r.name}' is not dynamically reserved`);
    if (r.disk?.persistence) return err(`${what}: persistent volume '${r.disk.persistence.id}' must be destroyed first`);
  }
  const target = parsed.value.popReservation();
  if (!target.ok) return err(`${what}: ${target.error}`);
  return ok({ consumed: parsed.value, converted: target.value });
}

/** The disk a volume is carved from: the same resource without persistence and volume. */
function stripVolume(list: readonly Resource[]): Resource[] {
  return list.map((r) => {
    const copy: Resource = { ...r };
    if (copy.disk) {
      const disk = { ...copy.disk };
      delete disk.persistence;
      delete disk.volume;
      if (Object.keys(disk).length === 0) delete copy.disk;
      else copy.disk = disk;
    }
    return copy;
  });
}

/**
 * CREATE: reserved `disk` with `disk.persistence.id` and a relative read-write
 * `disk.volume.container_path`; the persistence ID is new on the agent.
 */
export function createConversion(agent: AgentRecord, volumes: readonly Resource[], what: string, parse: ParseResources): Result<Conversion, string> {
  if (volumes.length === 0) return err(`${what}: no volumes given`);
  const parsed = parse(volumes, what);
  if (!parsed.ok) return err(parsed.error);
  const existing = new Set(agent.total.toProto('POST_REFINEMENT').map((r) => r.disk?.persistence?.id).filter((x) => x !== undefined));
  for (const r of parsed.value.toProto('POST_REFINEMENT')) {
    const id = r.disk?.persistence?.id;
    if (r.name !== 'disk' || id === undefined) return err(`${what}: every volume must be a 'disk' resource with 'disk.persistence.id'`);
    const path = r.disk?.volume?.container_path;
    if (!path) return err(`${what}: volume '${id}' needs 'disk.volume.container_path'`);
    if (path.startsWith('/')) return err(`${what}: volume '${id}': 'disk.volume.container_path' must be relative, got '${path}'`);
    if (r.disk?.volume?.mode === 'RO') return err(`${what}: volume '${id}': read-only persistent volumes are not supported ('disk.volume.mode')`);
    if (!lastReservation(r)) return err(`${what}: volume '${id}' must be on reserved disk`);
    if (existing.has(id)) return err(`${what}: persistence ID '${id}' already exists on agent ${agent.id}`);
    existing.add(id);
  }
  const source = parse(stripVolume(volumes), what);
  if (!source.ok) return err(source.error);
  return ok({ consumed: source.value, converted: parsed.value });
}

/** DESTROY: volumes named by `disk.persistence.id`, back to the reserved disk they came from. */
export function destroyConversion(volumes: readonly Resource[], what: string, parse: ParseResources): Result<Conversion, string> {
  if (volumes.length === 0) return err(`${what}: no volumes given`);
  const parsed = parse(volumes, what);
  if (!parsed.ok) return err(parsed.error);
  for (const r of parsed.value.toProto('POST_REFINEMENT')) {
    if (r.disk?.persistence?.id === undefined) return err(`${what}: every volume must have 'disk.persistence.id'`);
  }
  const target = parse(stripVolume(volumes), what);
  if (!target.ok) return err(target.error);
  return ok({ consumed: parsed.value, converted: target.value });
}

/** Why the volumes cannot be destroyed now: a live task on the agent uses one of them. */
export function volumeInUse(agent: AgentRecord, volumes: Resources, what: string): string | undefined {
  const ids = new Set(volumes.toProto('POST_REFINEMENT').map((r) => r.disk?.persistence?.id).filter((x) => x !== undefined));
  for (const t of agent.allTasks()) {
    if (t.released) continue;
    for (const r of t.resources.persistentVolumes().toProto('POST_REFINEMENT')) {
      const id = r.disk?.persistence?.id;
      if (id !== undefined && ids.has(id)) return `${what}: persistent volume '${id}' is in use by task ${t.task.task_id.value}`;
    }
  }
  return undefined;
}
