/**
 * RESERVE, UNRESERVE, CREATE and DESTROY inside an ACCEPT (Mesos `Master::_accept` and
 * validation.cpp `operation::validate`). The master applies them speculatively: what is left of
 * the offer is converted, the allocator's view (allocation and agent total) is converted, and the
 * agent receives its new checkpointed resources (dynamic reservations and persistent volumes),
 * which it keeps across restarts and reports when it re-registers.
 *
 * An invalid operation is dropped with a reason (Mesos drops it silently, or reports
 * OPERATION_ERROR when the operation has an ID; operation feedback is not implemented, so an
 * operation with an ID is refused).
 */
import { err, ok, type OfferOperation, type Resource, type Result } from '@agora/protocol';
import type { Resources } from '@agora/resources';
import type { Master } from '../master.ts';
import type { AgentRecord } from '../registry/agent.ts';
import type { FrameworkRecord } from '../registry/framework.ts';
import { normalizeResources } from './launch-validation.ts';

type Conversion = { consumed: Resources; converted: Resources };

export function applyResourceOperation(
  m: Master,
  fw: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  op: OfferOperation,
  remaining: Resources,
): Result<Resources, string> {
  if (op.id) return err(`operation feedback ('Offer.Operation.id') is not supported for ${op.type}`);
  let conv: Result<Conversion, string>;
  switch (op.type) {
    case 'RESERVE':
      conv = reserve(fw, role, op.reserve!.resources ?? []);
      break;
    case 'UNRESERVE':
      conv = unreserve(role, op.unreserve!.resources ?? []);
      break;
    case 'CREATE':
      conv = create(agent, role, op.create!.volumes ?? []);
      break;
    case 'DESTROY':
      conv = destroy(agent, role, op.destroy!.volumes ?? []);
      break;
    default:
      return err(`${op.type} is not supported`);
  }
  if (!conv.ok) return conv;
  const { consumed, converted } = conv.value;
  if (!remaining.contains(consumed)) {
    return err(`${op.type}: the remaining offered resources ${remaining.toString()} do not contain ${consumed.toString()}`);
  }
  agent.total = agent.total.minus(consumed.unallocate()).plus(converted.unallocate());
  m.allocator.updateAllocation(fw.id, agent.id, remaining, [conv.value]);
  m.sendToAgent(agent, { type: 'CHECKPOINT_RESOURCES', checkpoint_resources: { resources: checkpointed(agent.total) } });
  return ok(remaining.minus(consumed).plus(converted));
}

/** What the agent must remember across restarts: dynamic reservations and persistent volumes. */
export function checkpointed(total: Resources): Resource[] {
  return total
    .toProto('POST_REFINEMENT')
    .filter((r) => r.reservations?.some((x) => x.type === 'DYNAMIC') || r.disk?.persistence !== undefined);
}

function lastReservation(r: Resource) {
  const stack = r.reservations ?? [];
  return stack[stack.length - 1];
}

function reserve(fw: FrameworkRecord, role: string, list: readonly Resource[]): Result<Conversion, string> {
  if (list.length === 0) return err('RESERVE: no resources given');
  const parsed = normalizeResources(list, role, 'RESERVE');
  if (!parsed.ok) return err(parsed.error);
  for (const r of parsed.value.toProto('POST_REFINEMENT')) {
    const last = lastReservation(r);
    if (!last || last.type !== 'DYNAMIC') return err(`RESERVE: resource '${r.name}' must carry a DYNAMIC reservation`);
    if (last.role !== role) return err(`RESERVE: reservation role '${last.role}' does not match the offer's allocation role '${role}'`);
    if (!fw.roles.has(role)) return err(`RESERVE: role '${role}' is not one of the framework's roles`);
    if ((fw.info.principal ?? undefined) !== (last.principal ?? undefined)) {
      return err(`RESERVE: reservation principal '${last.principal ?? ''}' does not match the framework's principal '${fw.info.principal ?? ''}'`);
    }
    if (r.disk?.persistence) return err('RESERVE: a persistent volume cannot be reserved; reserve the disk, then CREATE the volume');
  }
  const source = parsed.value.popReservation();
  if (!source.ok) return err(`RESERVE: ${source.error}`);
  return ok({ consumed: source.value, converted: parsed.value });
}

function unreserve(role: string, list: readonly Resource[]): Result<Conversion, string> {
  if (list.length === 0) return err('UNRESERVE: no resources given');
  const parsed = normalizeResources(list, role, 'UNRESERVE');
  if (!parsed.ok) return err(parsed.error);
  for (const r of parsed.value.toProto('POST_REFINEMENT')) {
    const last = lastReservation(r);
    if (!last || last.type !== 'DYNAMIC') return err(`UNRESERVE: resource '${r.name}' is not dynamically reserved`);
    if (r.disk?.persistence) return err(`UNRESERVE: persistent volume '${r.disk.persistence.id}' must be destroyed first`);
  }
  const target = parsed.value.popReservation();
  if (!target.ok) return err(`UNRESERVE: ${target.error}`);
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

function create(agent: AgentRecord, role: string, volumes: readonly Resource[]): Result<Conversion, string> {
  if (volumes.length === 0) return err('CREATE: no volumes given');
  const parsed = normalizeResources(volumes, role, 'CREATE');
  if (!parsed.ok) return err(parsed.error);
  const existing = new Set(agent.total.toProto('POST_REFINEMENT').map((r) => r.disk?.persistence?.id).filter((x) => x !== undefined));
  for (const r of parsed.value.toProto('POST_REFINEMENT')) {
    const id = r.disk?.persistence?.id;
    if (r.name !== 'disk' || id === undefined) return err("CREATE: every volume must be a 'disk' resource with 'disk.persistence.id'");
    if (!lastReservation(r)) return err(`CREATE: volume '${id}' must be on reserved disk`);
    if (existing.has(id)) return err(`CREATE: persistence ID '${id}' already exists on agent ${agent.id}`);
    existing.add(id);
  }
  const source = normalizeResources(stripVolume(volumes), role, 'CREATE');
  if (!source.ok) return err(source.error);
  return ok({ consumed: source.value, converted: parsed.value });
}

function destroy(agent: AgentRecord, role: string, volumes: readonly Resource[]): Result<Conversion, string> {
  if (volumes.length === 0) return err('DESTROY: no volumes given');
  const parsed = normalizeResources(volumes, role, 'DESTROY');
  if (!parsed.ok) return err(parsed.error);
  const ids = new Set<string>();
  for (const r of parsed.value.toProto('POST_REFINEMENT')) {
    const id = r.disk?.persistence?.id;
    if (id === undefined) return err('DESTROY: every volume must have disk.persistence.id');
    ids.add(id);
  }
  for (const t of agent.allTasks()) {
    if (t.released) continue;
    for (const r of t.resources.persistentVolumes().toProto('POST_REFINEMENT')) {
      const id = r.disk?.persistence?.id;
      if (id !== undefined && ids.has(id)) return err(`DESTROY: persistent volume '${id}' is in use by task ${t.task.task_id.value}`);
    }
  }
  const target = normalizeResources(stripVolume(volumes), role, 'DESTROY');
  if (!target.ok) return err(target.error);
  return ok({ consumed: parsed.value, converted: target.value });
}
