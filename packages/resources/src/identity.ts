/**
 * The identity of a resource entry: everything except its value. Two entries merge on `plus`
 * exactly when their identities are equal (Mesos's `addable`): name, type, reservation stack,
 * allocation role, disk identity (source and persistence ID; `volume` is ignored as in Mesos),
 * provider, revocable and shared.
 *
 * Identities are interned (one object per distinct key, in a module-level table), so comparing
 * two identities is a pointer comparison and derived facts (reservation role, flags) are computed
 * once. The table only grows with the number of *distinct* identities in the process (roles ×
 * reservation variants × persistent volumes), not with the number of values built from them.
 * Transitions (allocate to a role, push/pop a reservation, …) are memoised on the identity.
 */
import type { Labels } from '@agora/protocol';
import { resourceNameId } from './names.ts';
import { isInSubtree, isStrictSubrole } from './roles.ts';

export type ValueKind = 'SCALAR' | 'RANGES' | 'SET';
export type ReservationKind = 'STATIC' | 'DYNAMIC';

/** One entry of a reservation stack; the last entry is the role the resource is reserved for. */
export interface Reservation {
  readonly type: ReservationKind;
  readonly role: string;
  readonly principal?: string;
  readonly labels?: Labels;
}

/** The identity-relevant parts of a DiskInfo (source and persistence ID). */
export interface DiskIdentity {
  readonly sourceType?: 'PATH' | 'MOUNT' | 'BLOCK' | 'RAW' | 'UNKNOWN';
  readonly sourcePathRoot?: string;
  readonly sourceMountRoot?: string;
  readonly sourceVendor?: string;
  readonly sourceId?: string;
  readonly sourceProfile?: string;
  readonly persistenceId?: string;
}

/** Summary bits, OR-ed over the entries of a Resources value (see `Resources.flags`). */
export const Flag = {
  RESERVED: 1,
  UNRESERVED: 2,
  REVOCABLE: 4,
  SHARED: 8,
  REFINED: 16,
  NON_SCALAR: 32,
  ALLOCATED: 64,
  PERSISTENT_VOLUME: 128,
  DISK_INFO: 256,
  PROVIDER: 512,
  DYNAMIC: 1024,
} as const;

export interface IdentitySpec {
  readonly name: string;
  readonly type: ValueKind;
  readonly reservations: readonly Reservation[];
  readonly allocationRole?: string;
  readonly disk?: DiskIdentity;
  readonly providerId?: string;
  readonly revocable: boolean;
  readonly shared: boolean;
}

const table = new Map<string, Identity>();

function labelsKey(labels: Labels | undefined): unknown {
  if (labels === undefined) return null;
  const list = (labels.labels ?? []).map((l) => [l.key, l.value ?? null] as const);
  return list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : String(a[1]) < String(b[1]) ? -1 : 1));
}

function reservationKey(r: Reservation): unknown {
  return [r.type, r.role, r.principal ?? null, labelsKey(r.labels)];
}

function diskKey(d: DiskIdentity | undefined): unknown {
  if (d === undefined) return null;
  return [d.sourceType ?? null, d.sourcePathRoot ?? null, d.sourceMountRoot ?? null, d.sourceVendor ?? null, d.sourceId ?? null, d.sourceProfile ?? null, d.persistenceId ?? null];
}

export class Identity {
  readonly key: string;
  readonly name: string;
  /** `resourceNameId(name)`. */
  readonly nameId: number;
  readonly type: ValueKind;
  readonly reservations: readonly Reservation[];
  readonly allocationRole: string | undefined;
  readonly disk: DiskIdentity | undefined;
  readonly providerId: string | undefined;
  readonly revocable: boolean;
  readonly shared: boolean;
  /** The current reservation role (last stack entry), undefined when unreserved. */
  readonly reservationRole: string | undefined;
  readonly isScalar: boolean;
  /**
   * Entries with this identity never merge with each other: non-shared persistent volumes,
   * MOUNT and BLOCK disks, and RAW disks with an ID (Mesos's exclusivity rules).
   */
  readonly unique: boolean;
  readonly flags: number;
  private readonly memo = new Map<string, Identity>();
  private byAllocationRole: Map<string, Identity> | undefined;
  private unallocatedId: Identity | undefined;

  private constructor(spec: IdentitySpec, key: string) {
    this.key = key;
    this.name = spec.name;
    this.nameId = resourceNameId(spec.name);
    this.type = spec.type;
    this.reservations = Object.freeze([...spec.reservations]);
    this.allocationRole = spec.allocationRole;
    this.disk = spec.disk;
    this.providerId = spec.providerId;
    this.revocable = spec.revocable;
    this.shared = spec.shared;
    const n = this.reservations.length;
    this.reservationRole = n > 0 ? this.reservations[n - 1]!.role : undefined;
    this.isScalar = spec.type === 'SCALAR';
    const persistent = spec.disk?.persistenceId !== undefined;
    const src = spec.disk?.sourceType;
    this.unique = !spec.shared && (persistent || src === 'MOUNT' || src === 'BLOCK' || (src === 'RAW' && spec.disk?.sourceId !== undefined));
    let f = n > 0 ? Flag.RESERVED : Flag.UNRESERVED;
    if (n > 0 && this.reservations[n - 1]!.type === 'DYNAMIC') f |= Flag.DYNAMIC;
    if (n > 1) f |= Flag.REFINED;
    if (spec.revocable) f |= Flag.REVOCABLE;
    if (spec.shared) f |= Flag.SHARED;
    if (!this.isScalar) f |= Flag.NON_SCALAR;
    if (spec.allocationRole !== undefined) f |= Flag.ALLOCATED;
    if (persistent) f |= Flag.PERSISTENT_VOLUME;
    if (spec.disk !== undefined) f |= Flag.DISK_INFO;
    if (spec.providerId !== undefined) f |= Flag.PROVIDER;
    this.flags = f;
  }

  /** The interned identity for a spec (inputs are assumed validated). */
  static of(spec: IdentitySpec): Identity {
    const key = JSON.stringify([
      spec.name, spec.type, spec.reservations.map(reservationKey), spec.allocationRole ?? null, diskKey(spec.disk),
      spec.providerId ?? null, spec.revocable ? 1 : 0, spec.shared ? 1 : 0,
    ]);
    let id = table.get(key);
    if (id === undefined) {
      id = new Identity(spec, key);
      table.set(key, id);
    }
    return id;
  }

  private spec(): IdentitySpec {
    return {
      name: this.name, type: this.type, reservations: this.reservations, allocationRole: this.allocationRole,
      disk: this.disk, providerId: this.providerId, revocable: this.revocable, shared: this.shared,
    };
  }

  private derive(memoKey: string, change: (spec: IdentitySpec) => IdentitySpec): Identity {
    let id = this.memo.get(memoKey);
    if (id === undefined) {
      id = Identity.of(change(this.spec()));
      this.memo.set(memoKey, id);
    }
    return id;
  }

  get isReserved(): boolean {
    return this.reservations.length > 0;
  }

  get isDynamicallyReserved(): boolean {
    return (this.flags & Flag.DYNAMIC) !== 0;
  }

  get isStaticallyReserved(): boolean {
    return this.reservations.length > 0 && (this.flags & Flag.DYNAMIC) === 0;
  }

  get hasRefinedReservations(): boolean {
    return this.reservations.length > 1;
  }

  get isPersistentVolume(): boolean {
    return (this.flags & Flag.PERSISTENT_VOLUME) !== 0;
  }

  /** Unreserved, or reserved to `role` or one of its ancestors (Mesos's `isAllocatableTo`). */
  isAllocatableTo(role: string): boolean {
    const r = this.reservationRole;
    return r === undefined || r === role || isStrictSubrole(role, r);
  }

  /** Reserved to `role` or one of its descendants. */
  isReservedToSubtree(role: string): boolean {
    return this.reservationRole !== undefined && isInSubtree(this.reservationRole, role);
  }

  withAllocationRole(role: string | undefined): Identity {
    if (role === this.allocationRole) return this;
    if (role === undefined) return (this.unallocatedId ??= Identity.of({ ...this.spec(), allocationRole: undefined }));
    // The hot transition (every offer): a direct map keyed by role, no key string to build.
    let id = this.byAllocationRole?.get(role);
    if (id === undefined) {
      id = Identity.of({ ...this.spec(), allocationRole: role });
      (this.byAllocationRole ??= new Map()).set(role, id);
    }
    return id;
  }

  withReservations(reservations: readonly Reservation[]): Identity {
    return this.derive(`r:${JSON.stringify(reservations.map(reservationKey))}`, (s) => ({ ...s, reservations }));
  }

  pushed(reservation: Reservation): Identity {
    return this.derive(`p:${JSON.stringify(reservationKey(reservation))}`, (s) => ({ ...s, reservations: [...s.reservations, reservation] }));
  }

  popped(): Identity {
    return this.derive('pop', (s) => ({ ...s, reservations: s.reservations.slice(0, -1) }));
  }

  unreserved(): Identity {
    if (this.reservations.length === 0) return this;
    return this.derive('u', (s) => ({ ...s, reservations: [] }));
  }

  /** The same resource without persistence (what a CREATE consumes and a DESTROY returns). */
  withoutPersistence(): Identity {
    return this.derive('np', (s) => {
      const d = s.disk;
      const rest = d === undefined ? undefined : { ...d, persistenceId: undefined };
      const keep = rest !== undefined && rest.sourceType !== undefined;
      return { ...s, disk: keep ? rest : undefined, shared: false };
    });
  }
}

export function reservationsEqual(a: Reservation, b: Reservation): boolean {
  return JSON.stringify(reservationKey(a)) === JSON.stringify(reservationKey(b));
}
