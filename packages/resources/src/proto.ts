/**
 * Entries → wire `Resource` messages in one of Mesos's three formats (`resources_utils.cpp`,
 * `convertResourceFormat`). Keys follow protobuf field-number order, as Mesos's JSON does.
 */
import type { Resource as ProtoResource, ReservationInfo } from '@agora/protocol';
import type { Entry } from './entry.ts';
import type { Reservation } from './identity.ts';
import { UNRESERVED_ROLE } from './roles.ts';

/** POST_REFINEMENT (canonical), PRE_REFINEMENT (frameworks without RESERVATION_REFINEMENT), ENDPOINT (operator API, `*_full`). */
export type ResourceFormat = 'POST_REFINEMENT' | 'PRE_REFINEMENT' | 'ENDPOINT';

function reservationProto(r: Reservation, withTypeAndRole: boolean): ReservationInfo {
  const out: ReservationInfo = {};
  if (withTypeAndRole) {
    out.type = r.type;
    out.role = r.role;
  }
  if (r.principal !== undefined) out.principal = r.principal;
  if (r.labels !== undefined) out.labels = r.labels;
  return out;
}

export function entryToProto(e: Entry, format: ResourceFormat): ProtoResource {
  const id = e.id;
  const out: ProtoResource = { name: id.name, type: id.type };
  if (id.type === 'SCALAR') out.scalar = { value: e.scalar / 1000 };
  else if (id.type === 'RANGES') {
    const range: { begin: number; end: number }[] = [];
    for (let i = 0; i < e.ranges.length; i += 2) range.push({ begin: e.ranges[i]!, end: e.ranges[i + 1]! });
    out.ranges = range.length > 0 ? { range } : {};
  } else out.set = e.items.length > 0 ? { item: [...e.items] } : {};

  const stack = id.reservations;
  if (format !== 'POST_REFINEMENT') {
    if (stack.length > 1 && format === 'PRE_REFINEMENT') {
      throw new Error(`resource ${id.name} has refined reservations, which the PRE_REFINEMENT format cannot express`);
    }
    if (stack.length === 0) out.role = UNRESERVED_ROLE;
    else if (stack.length === 1) out.role = stack[0]!.role;
  }
  if (e.disk !== undefined) out.disk = e.disk;
  if (format !== 'POST_REFINEMENT' && stack.length === 1 && stack[0]!.type === 'DYNAMIC') {
    out.reservation = reservationProto(stack[0]!, false);
  }
  if (id.revocable) out.revocable = {};
  if (id.shared) out.shared = {};
  if (id.allocationRole !== undefined) out.allocation_info = { role: id.allocationRole };
  if (id.providerId !== undefined) out.provider_id = { value: id.providerId };
  if (stack.length > 0 && (format !== 'PRE_REFINEMENT')) out.reservations = stack.map((r) => reservationProto(r, true));
  return out;
}

export function entriesToProto(entries: readonly Entry[], format: ResourceFormat): ProtoResource[] {
  return entries.map((e) => entryToProto(e, format));
}
