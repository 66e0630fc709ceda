/**
 * The boundary: wire `Resource` messages → validated entries. Everything Mesos rejects is
 * rejected here with a message naming the entry; nothing is silently repaired (the only
 * normalisations are lossless: ranges sorted and adjacent ones merged, set items sorted,
 * scalars rounded to 0.001 as Mesos does, the pre-refinement format converted to the stack).
 */
import {
  arrayOf, decode, err, formatDecodeError, idProblem, ok, Resource as ResourceDecoder,
  type DiskInfo, type Resource as ProtoResource, type ReservationInfo, type Result,
} from '@agora/protocol';
import { makeEntry, type Entry } from './entry.ts';
import { MAX_SCALAR_UNITS, toMilli } from './fixed.ts';
import { Identity, type DiskIdentity, type Reservation, type ValueKind } from './identity.ts';
import { normalizeRanges, NO_RANGES } from './ranges.ts';
import { isStrictSubrole, roleProblem, UNRESERVED_ROLE } from './roles.ts';
import { normalizeItems, NO_ITEMS } from './sets.ts';

export interface FromProtoOptions {
  /**
   * Role for entries that carry neither `role` nor `reservations` (agent `--default_role`); a
   * role other than `*` statically reserves them. Default `*`.
   */
  readonly defaultRole?: string;
  /** Decode untrusted JSON with the protocol codec first (used by `fromJSON`). */
  readonly decode?: boolean;
}

const ResourceList = arrayOf(ResourceDecoder);

export function entriesFromProto(input: unknown, options: FromProtoOptions): Result<Entry[], string> {
  let list: readonly ProtoResource[];
  if (options.decode) {
    const decoded = decode(ResourceList, input);
    if (!decoded.ok) return err(`invalid resources JSON: ${formatDecodeError(decoded.error)}`);
    list = decoded.value;
  } else {
    if (!Array.isArray(input)) return err('resources must be an array');
    list = input as readonly ProtoResource[];
  }
  const defaultRole = options.defaultRole ?? UNRESERVED_ROLE;
  const problem = roleProblem(defaultRole);
  if (problem !== undefined) return err(`invalid default role: ${problem}`);
  const out: Entry[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    const entry = entryFromProto(r, defaultRole);
    if (!entry.ok) {
      const name = typeof r?.name === 'string' && r.name !== '' ? `'${r.name}' ` : '';
      return err(`resource ${name}at index ${i} is invalid: ${entry.error}`);
    }
    out.push(entry.value);
  }
  return ok(out);
}

function reservationStack(r: ProtoResource, defaultRole: string): Result<Reservation[], string> {
  const stack = r.reservations ?? [];
  if (stack.length === 0) {
    // Pre-refinement format: `role` (default `*`) and an optional dynamic `reservation`.
    const role = r.role ?? defaultRole;
    const problem = roleProblem(role);
    if (problem !== undefined) return err(problem);
    if (r.reservation !== undefined) {
      if (r.reservation.type !== undefined) return err("'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field");
      if (r.reservation.role !== undefined) return err("'Resource.ReservationInfo.role' must not be set for the 'Resource.reservation' field");
      if (role === UNRESERVED_ROLE) return err('role "*" cannot be dynamically reserved');
      return ok([reservationOf('DYNAMIC', role, r.reservation)]);
    }
    return ok(role === UNRESERVED_ROLE ? [] : [{ type: 'STATIC', role }]);
  }

  const out: Reservation[] = [];
  for (const res of stack) {
    if (res.type === undefined || res.type === 'UNKNOWN') return err("reservation 'type' must be STATIC or DYNAMIC");
    if (res.role === undefined) return err("reservation 'role' must be set");
    const problem = roleProblem(res.role);
    if (problem !== undefined) return err(problem);
    if (res.role === UNRESERVED_ROLE) return err('role "*" cannot be reserved');
    out.push(reservationOf(res.type, res.role, res));
  }
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.type === 'STATIC') return err('a refined reservation cannot be STATIC');
    if (!isStrictSubrole(out[i]!.role, out[i - 1]!.role)) {
      return err(`role '${out[i]!.role}' is not a refinement of '${out[i - 1]!.role}'`);
    }
  }
  // The pre-refinement fields may accompany a single reservation (ENDPOINT format) if consistent.
  if (out.length === 1) {
    const only = out[0]!;
    if (r.role !== undefined && r.role !== only.role) {
      return err(`'role' '${r.role}' does not match the role '${only.role}' in 'reservations'`);
    }
    if (only.type === 'STATIC' && r.reservation !== undefined) {
      return err("'reservation' must not be set when the single reservation is STATIC");
    }
    if (only.type === 'DYNAMIC') {
      if ((r.role !== undefined) !== (r.reservation !== undefined)) {
        return err("'role' and 'reservation' must both be set or both be unset for a single DYNAMIC reservation");
      }
      if (r.reservation !== undefined) {
        const legacy = reservationOf('DYNAMIC', only.role, r.reservation);
        if (legacy.principal !== only.principal) return err("'reservation.principal' does not match 'reservations'");
        if (JSON.stringify(legacy.labels ?? null) !== JSON.stringify(only.labels ?? null)) {
          return err("'reservation.labels' do not match 'reservations'");
        }
      }
    }
  } else if (r.role !== undefined || r.reservation !== undefined) {
    return err("'role' and 'reservation' must not be set with more than one reservation");
  }
  return ok(out);
}

function reservationOf(type: 'STATIC' | 'DYNAMIC', role: string, src: ReservationInfo): Reservation {
  const out: { type: 'STATIC' | 'DYNAMIC'; role: string; principal?: string; labels?: ReservationInfo['labels'] } = { type, role };
  if (src.principal !== undefined) out.principal = src.principal;
  if (src.labels !== undefined) out.labels = src.labels;
  return out;
}

function diskIdentity(name: string, disk: DiskInfo, reserved: boolean, revocable: boolean): Result<DiskIdentity, string> {
  if (name !== 'disk') return err(`DiskInfo should not be set for ${name} resource`);
  const id: { -readonly [K in keyof DiskIdentity]: DiskIdentity[K] } = {};
  const src = disk.source;
  if (src !== undefined) {
    if (src.type === 'UNKNOWN') return err("unsupported 'DiskInfo.Source.Type' UNKNOWN");
    if ((src.type === 'BLOCK' || src.type === 'RAW') && src.mount !== undefined) return err(`Mount should not be set for ${src.type} disk source`);
    if ((src.type === 'BLOCK' || src.type === 'RAW') && src.path !== undefined) return err(`Path should not be set for ${src.type} disk source`);
    id.sourceType = src.type;
    if (src.path?.root !== undefined) id.sourcePathRoot = src.path.root;
    if (src.mount?.root !== undefined) id.sourceMountRoot = src.mount.root;
    if (src.vendor !== undefined) id.sourceVendor = src.vendor;
    if (src.id !== undefined) id.sourceId = src.id;
    if (src.profile !== undefined) id.sourceProfile = src.profile;
  }
  if (disk.persistence !== undefined) {
    if (revocable) return err('Persistent volumes cannot be created from revocable resources');
    if (!reserved) return err('Persistent volumes cannot be created from unreserved resources');
    if (disk.volume === undefined) return err("Expecting 'volume' to be set for persistent volume");
    if (disk.volume.host_path !== undefined) return err("Expecting 'host_path' to be unset for persistent volume");
    const problem = idProblem(disk.persistence.id);
    if (problem !== undefined) return err(`Invalid persistence ID for persistent volume: '${disk.persistence.id}' ${problem}`);
    id.persistenceId = disk.persistence.id;
  } else if (disk.volume !== undefined) {
    return err('Non-persistent volume not supported');
  } else if (src === undefined) {
    return err('DiskInfo is set but empty');
  }
  return ok(id);
}

export function entryFromProto(r: ProtoResource, defaultRole: string = UNRESERVED_ROLE): Result<Entry, string> {
  if (typeof r !== 'object' || r === null) return err('not a Resource object');
  if (typeof r.name !== 'string' || r.name === '') return err('Empty resource name');
  const type = r.type as string;
  if (type === 'TEXT') return err('Unsupported resource type TEXT');
  if (type !== 'SCALAR' && type !== 'RANGES' && type !== 'SET') return err('Invalid resource type');
  const kind = type as ValueKind;

  let scalar = 0;
  let ranges = NO_RANGES;
  let items = NO_ITEMS;
  if (kind === 'SCALAR') {
    if (r.scalar === undefined || r.ranges !== undefined || r.set !== undefined) return err('Invalid scalar resource: type SCALAR needs exactly a scalar value');
    const v = r.scalar.value;
    if (typeof v !== 'number' || !Number.isFinite(v)) return err('Invalid scalar resource: value must be a finite number');
    if (v < 0) return err(`Invalid scalar resource: negative value ${v}`);
    if (v > MAX_SCALAR_UNITS) return err(`Invalid scalar resource: value ${v} is too large`);
    scalar = toMilli(v);
    if (v !== 0 && scalar === 0) return err(`Invalid scalar resource: value ${v} rounds to 0 at 0.001 precision`);
  } else if (kind === 'RANGES') {
    if (r.ranges === undefined || r.scalar !== undefined || r.set !== undefined) return err('Invalid ranges resource: type RANGES needs exactly a ranges value');
    const norm = normalizeRanges((r.ranges.range ?? []).map((x) => [x.begin, x.end] as const));
    if ('error' in norm) return err(`Invalid ranges resource: ${norm.error}`);
    ranges = norm.ranges;
  } else {
    if (r.set === undefined || r.scalar !== undefined || r.ranges !== undefined) return err('Invalid set resource: type SET needs exactly a set value');
    const norm = normalizeItems(r.set.item ?? []);
    if ('error' in norm) return err(`Invalid set resource: ${norm.error}`);
    items = norm.items;
  }

  const stack = reservationStack(r, defaultRole);
  if (!stack.ok) return err(`Invalid reservation: ${stack.error}`);

  let allocationRole: string | undefined;
  if (r.allocation_info !== undefined) {
    allocationRole = r.allocation_info.role;
    if (allocationRole === undefined) return err("'allocation_info.role' must be set");
    const problem = roleProblem(allocationRole);
    // `*` is a valid allocation role: it is the role of frameworks that name none.
    if (problem !== undefined) return err(`Invalid allocation role: ${problem}`);
  }

  const revocable = r.revocable !== undefined;
  const shared = r.shared !== undefined;
  let disk: DiskIdentity | undefined;
  if (r.disk !== undefined) {
    const d = diskIdentity(r.name, r.disk, stack.value.length > 0, revocable);
    if (!d.ok) return d;
    disk = d.value;
  }
  if (shared) {
    if (r.name !== 'disk') return err(`Resource ${r.name} cannot be shared`);
    if (disk?.persistenceId === undefined) return err('Only persistent volumes can be shared');
  }
  if (r.provider_id !== undefined && (typeof r.provider_id.value !== 'string' || r.provider_id.value === '')) {
    return err("'provider_id.value' must be a non-empty string");
  }

  const id = Identity.of({
    name: r.name, type: kind, reservations: stack.value, allocationRole, disk,
    providerId: r.provider_id?.value, revocable, shared,
  });
  return ok(makeEntry(id, scalar, ranges, items, r.disk));
}
