/**
 * Resources: an immutable multiset of resource entries with Mesos's arithmetic.
 *
 * Contracts:
 *  - Values are immutable and always valid: validation happens at the boundaries (`parse`,
 *    `fromJSON`, `fromProto`); operations trust their inputs and never re-validate.
 *  - Entries with equal identity are merged (except exclusive disks and non-shared persistent
 *    volumes, which stay separate); empty entries never appear. Order is first-insertion order.
 *  - `minus` never fails: per entry, scalars clamp at zero, ranges and sets remove what overlaps,
 *    and entries with no matching identity are ignored. Subtracting something that is not
 *    contained is a caller bug that this clamping hides, so callers check `contains` first
 *    wherever over-subtraction would matter (the allocator does).
 *  - Derived facts (`quantities()`, `flags`) are computed once per value and cached, which is
 *    safe because values never change; hot paths use them to skip work.
 */
import { err, ok, type Resource as ProtoResource, type Result } from '@agora/protocol';
import {
  addable, addEntry, entryContains, isEmptyEntry, subtractable, subtractEntry, withIdentity, withScalar, type Entry,
} from './entry.ts';
import { Flag, type Reservation } from './identity.ts';
import { ResourceQuantities } from './quantities.ts';
import { countRanges, NO_RANGES, addRanges, type Ranges } from './ranges.ts';
import { isStrictSubrole, roleProblem, UNRESERVED_ROLE } from './roles.ts';
import { entriesFromProto, type FromProtoOptions } from './validate.ts';
import { entriesToProto, type ResourceFormat } from './proto.ts';
import { entriesFromText, entriesToText } from './text.ts';
import { entriesToLegacy, type LegacyResources } from './legacy.ts';

function addInto(out: Entry[], e: Entry): void {
  if (isEmptyEntry(e)) return;
  for (let i = 0; i < out.length; i++) {
    const o = out[i]!;
    if (addable(o, e)) {
      out[i] = addEntry(o, e);
      return;
    }
  }
  out.push(e);
}

function flagsOf(entries: readonly Entry[]): number {
  let f = 0;
  for (let i = 0; i < entries.length; i++) f |= entries[i]!.id.flags;
  return f;
}

export class Resources {
  static readonly EMPTY: Resources = new Resources([]);

  /** OR of the entries' identity flags (see `Flag`): a cheap summary for hot paths. */
  readonly flags: number;
  private quantitiesCache: ResourceQuantities | undefined;

  private constructor(readonly entries: readonly Entry[]) {
    this.flags = flagsOf(entries);
  }

  /** Wraps entries that are already merged, non-empty and valid (internal use). */
  static trusted(entries: readonly Entry[]): Resources {
    return entries.length === 0 ? Resources.EMPTY : new Resources(entries);
  }

  /** Merges arbitrary valid entries (combining equal identities, dropping empty ones). */
  static fromEntries(entries: readonly Entry[]): Resources {
    const out: Entry[] = [];
    for (const e of entries) addInto(out, e);
    return Resources.trusted(out);
  }

  /**
   * Validates wire resources (either format; pre-refinement `role`/`reservation` are converted to
   * the reservation stack). The error names the offending entry.
   */
  static fromProto(list: readonly ProtoResource[], options: FromProtoOptions = {}): Result<Resources, string> {
    const entries = entriesFromProto(list, options);
    return entries.ok ? ok(Resources.fromEntries(entries.value)) : entries;
  }

  /** Decodes and validates a JSON array of wire resources (as agents and operators send them). */
  static fromJSON(json: unknown, defaultRole: string = UNRESERVED_ROLE): Result<Resources, string> {
    const entries = entriesFromProto(json, { defaultRole, decode: true });
    return entries.ok ? ok(Resources.fromEntries(entries.value)) : entries;
  }

  /**
   * Parses Mesos's text format (`cpus:4;mem:8192;ports:[31000-32000];disk(role):100;foo:{a,b}`),
   * also accepting what `toString()` prints, or a JSON array (tried first, as Mesos does).
   * `defaultRole` statically reserves entries that name no role; `*` means unreserved.
   */
  static parse(text: string, defaultRole: string = UNRESERVED_ROLE): Result<Resources, string> {
    const trimmed = text.trim();
    if (trimmed.startsWith('[')) {
      try {
        const json: unknown = JSON.parse(trimmed);
        if (Array.isArray(json)) return Resources.fromJSON(json, defaultRole);
      } catch {
        // Not JSON: fall through to the text format.
      }
    }
    const entries = entriesFromText(trimmed, defaultRole);
    return entries.ok ? ok(Resources.fromEntries(entries.value)) : entries;
  }

  static sum(list: Iterable<Resources>): Resources {
    let acc = Resources.EMPTY;
    for (const r of list) acc = acc.plus(r);
    return acc;
  }

  get size(): number {
    return this.entries.length;
  }

  isEmpty(): boolean {
    return this.entries.length === 0;
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  // ───────────────────────── arithmetic ─────────────────────────

  plus(other: Resources): Resources {
    if (other.entries.length === 0) return this;
    if (this.entries.length === 0) return other;
    const out = this.entries.slice();
    for (const e of other.entries) addInto(out, e);
    return Resources.trusted(out);
  }

  /** See the class contract: clamps per entry, ignores what is not present. */
  minus(other: Resources): Resources {
    if (other.entries.length === 0 || this.entries.length === 0) return this;
    if (other === this) return Resources.EMPTY;
    const out = this.entries.slice();
    for (const e of other.entries) {
      for (let i = 0; i < out.length; i++) {
        const o = out[i]!;
        if (!subtractable(o, e)) continue;
        const r = subtractEntry(o, e);
        if (isEmptyEntry(r)) out.splice(i, 1);
        else out[i] = r;
        break;
      }
    }
    return Resources.trusted(out);
  }

  contains(other: Resources): boolean {
    if (other === this || other.entries.length === 0) return true;
    let pool: Entry[] | undefined;
    for (const e of other.entries) {
      const src = pool ?? this.entries;
      let found = -1;
      for (let i = 0; i < src.length; i++) {
        if (entryContains(src[i]!, e)) {
          found = i;
          break;
        }
      }
      if (found < 0) return false;
      // Exclusive entries match one-to-one: the same volume cannot satisfy two requests.
      if (e.id.unique) {
        pool ??= this.entries.slice();
        pool.splice(found, 1);
      }
    }
    return true;
  }

  equals(other: Resources): boolean {
    if (other === this) return true;
    return this.entries.length === other.entries.length && this.contains(other) && other.contains(this);
  }

  // ───────────────────────── filters ─────────────────────────

  filter(predicate: (entry: Entry) => boolean): Resources {
    const out: Entry[] = [];
    for (const e of this.entries) if (predicate(e)) out.push(e);
    return out.length === this.entries.length ? this : Resources.trusted(out);
  }

  /** Reserved entries; with a role, only those whose current reservation role is exactly `role`. */
  reserved(role?: string): Resources {
    if (!this.has(Flag.RESERVED)) return Resources.EMPTY;
    return role === undefined ? this.filter((e) => e.id.isReserved) : this.filter((e) => e.id.reservationRole === role);
  }

  unreserved(): Resources {
    if (!this.has(Flag.RESERVED)) return this;
    return this.filter((e) => !e.id.isReserved);
  }

  /** Unreserved entries plus those reserved to `role` or one of its ancestors. */
  allocatableTo(role: string): Resources {
    if (!this.has(Flag.RESERVED)) return this;
    return this.filter((e) => e.id.isAllocatableTo(role));
  }

  /** Entries reserved to `role` or one of its descendants. */
  reservedToSubtree(role: string): Resources {
    if (!this.has(Flag.RESERVED)) return Resources.EMPTY;
    return this.filter((e) => e.id.isReservedToSubtree(role));
  }

  /** Reserved entries grouped by their current reservation role. */
  reservations(): Map<string, Resources> {
    return this.groupBy((e) => e.id.reservationRole);
  }

  revocable(): Resources {
    return this.has(Flag.REVOCABLE) ? this.filter((e) => e.id.revocable) : Resources.EMPTY;
  }

  nonRevocable(): Resources {
    return this.has(Flag.REVOCABLE) ? this.filter((e) => !e.id.revocable) : this;
  }

  shared(): Resources {
    return this.has(Flag.SHARED) ? this.filter((e) => e.id.shared) : Resources.EMPTY;
  }

  nonShared(): Resources {
    return this.has(Flag.SHARED) ? this.filter((e) => !e.id.shared) : this;
  }

  scalars(): Resources {
    return this.has(Flag.NON_SCALAR) ? this.filter((e) => e.id.isScalar) : this;
  }

  nonScalars(): Resources {
    return this.has(Flag.NON_SCALAR) ? this.filter((e) => !e.id.isScalar) : Resources.EMPTY;
  }

  persistentVolumes(): Resources {
    return this.has(Flag.PERSISTENT_VOLUME) ? this.filter((e) => e.id.isPersistentVolume) : Resources.EMPTY;
  }

  /** Entries whose allocation role is `role` or one of its descendants. */
  allocatedToSubtree(role: string): Resources {
    if (!this.has(Flag.ALLOCATED)) return Resources.EMPTY;
    return this.filter((e) => e.id.allocationRole !== undefined && (e.id.allocationRole === role || isStrictSubrole(e.id.allocationRole, role)));
  }

  named(name: string): Resources {
    return this.filter((e) => e.id.name === name);
  }

  // ───────────────────────── reservations ─────────────────────────

  /**
   * Pushes a reservation onto every entry's stack (RESERVE): onto unreserved entries, or as a
   * DYNAMIC refinement of the current reservation role. Violations are errors, not fixes.
   */
  pushReservation(reservation: Reservation): Result<Resources, string> {
    const problem = roleProblem(reservation.role);
    if (problem !== undefined) return err(problem);
    if (reservation.role === UNRESERVED_ROLE) return err('role "*" cannot be reserved');
    const out: Entry[] = [];
    for (const e of this.entries) {
      const current = e.id.reservationRole;
      if (current !== undefined) {
        if (reservation.type !== 'DYNAMIC') return err('a refined reservation cannot be STATIC');
        if (!isStrictSubrole(reservation.role, current)) {
          return err(`role '${reservation.role}' is not a refinement of '${current}'`);
        }
      }
      out.push(withIdentity(e, e.id.pushed(reservation)));
    }
    return ok(Resources.fromEntries(out));
  }

  /** Pops the last reservation of every entry (UNRESERVE); every entry must be reserved. */
  popReservation(): Result<Resources, string> {
    const out: Entry[] = [];
    for (const e of this.entries) {
      if (!e.id.isReserved) return err(`cannot pop a reservation from unreserved resource '${e.id.name}'`);
      out.push(withIdentity(e, e.id.popped()));
    }
    return ok(Resources.fromEntries(out));
  }

  /** The same resources with every reservation removed. */
  toUnreserved(): Resources {
    if (!this.has(Flag.RESERVED)) return this;
    return Resources.fromEntries(this.entries.map((e) => withIdentity(e, e.id.unreserved())));
  }

  /**
   * Flattens every reservation stack: to unreserved (no role, or `*`), or to a single STATIC
   * reservation for `role` (useful to compare quantities "as if reserved to role").
   */
  flatten(role?: string): Resources {
    if (role === undefined || role === UNRESERVED_ROLE) return this.toUnreserved();
    const stack: readonly Reservation[] = [{ type: 'STATIC', role }];
    return Resources.fromEntries(this.entries.map((e) => withIdentity(e, e.id.withReservations(stack))));
  }

  // ───────────────────────── allocation ─────────────────────────

  /** Sets `allocation_info.role` on every entry. */
  allocate(role: string): Resources {
    if (this.entries.length === 0) return this;
    const current = this.allocationRole();
    if (current === role) return this;
    // With no allocation role or a single one, relabelling is one-to-one: no entries collide.
    const mapped = this.entries.map((e) => withIdentity(e, e.id.withAllocationRole(role)));
    return current !== undefined || !this.has(Flag.ALLOCATED) ? Resources.trusted(mapped) : Resources.fromEntries(mapped);
  }

  unallocate(): Resources {
    if (!this.has(Flag.ALLOCATED)) return this;
    const mapped = this.entries.map((e) => withIdentity(e, e.id.withAllocationRole(undefined)));
    return this.allocationRole() !== undefined ? Resources.trusted(mapped) : Resources.fromEntries(mapped);
  }

  /** Entries grouped by allocation role (unallocated entries are left out). */
  allocations(): Map<string, Resources> {
    return this.groupBy((e) => e.id.allocationRole);
  }

  /** The single allocation role of all entries, or undefined when absent or mixed. */
  allocationRole(): string | undefined {
    let role: string | undefined;
    for (const e of this.entries) {
      const r = e.id.allocationRole;
      if (r === undefined || (role !== undefined && r !== role)) return undefined;
      role = r;
    }
    return role;
  }

  private groupBy(key: (e: Entry) => string | undefined): Map<string, Resources> {
    const groups = new Map<string, Entry[]>();
    for (const e of this.entries) {
      const k = key(e);
      if (k === undefined) continue;
      let list = groups.get(k);
      if (list === undefined) groups.set(k, (list = []));
      list.push(e);
    }
    const out = new Map<string, Resources>();
    for (const [k, list] of groups) out.set(k, Resources.trusted(list));
    return out;
  }

  // ───────────────────────── quantities ─────────────────────────

  /** Scalar quantities by name (shared resources counted once), cached per value. */
  quantities(): ResourceQuantities {
    let q = this.quantitiesCache;
    if (q === undefined) {
      // Insertion into short sorted arrays: values hold a handful of names, so this beats maps.
      const names: string[] = [];
      const milli: number[] = [];
      for (const e of this.entries) {
        if (!e.id.isScalar || e.scalar <= 0) continue;
        const name = e.id.name;
        let i = names.length;
        while (i > 0 && names[i - 1]! > name) i--;
        if (i > 0 && names[i - 1] === name) milli[i - 1] = milli[i - 1]! + e.scalar;
        else {
          names.splice(i, 0, name);
          milli.splice(i, 0, e.scalar);
        }
      }
      q = ResourceQuantities.fromSortedMilli(names, milli);
      this.quantitiesCache = q;
    }
    return q;
  }

  /**
   * True when, for every name in `q`, the amount here is at least the quantity. Sets count their
   * items and ranges their values (so `ports:2` asks for two ports), as in Mesos.
   */
  containsQuantities(q: ResourceQuantities): boolean {
    const names = q.names;
    for (let j = 0; j < names.length; j++) {
      const name = names[j]!;
      let have = 0;
      for (const e of this.entries) {
        if (e.id.name !== name) continue;
        if (e.id.isScalar) have += e.scalar;
        else if (e.id.type === 'SET') have += e.items.length * 1000;
        else have += countRanges(e.ranges) * 1000;
      }
      if (have < q.milli[j]!) return false;
    }
    return true;
  }

  /** Total scalar amount of `name` in units (0 when absent). */
  scalar(name: string): number {
    let m = 0;
    for (const e of this.entries) if (e.id.isScalar && e.id.name === name) m += e.scalar;
    return m / 1000;
  }

  /** Union of the range values named `name` (e.g. `ports`). */
  ranges(name: string): Ranges {
    let r: Ranges = NO_RANGES;
    for (const e of this.entries) if (e.id.type === 'RANGES' && e.id.name === name) r = addRanges(r, e.ranges);
    return r;
  }

  /**
   * Caps scalar entries to `limit` (in milli-units per name), in entry order: entries are shrunk
   * to what remains, indivisible disks (exclusive or persistent) are kept whole or dropped.
   * Names absent from `limit` are kept (`missing: 'keep'`, a limit) or dropped (`'drop'`, a
   * target). Non-scalar entries pass through.
   */
  capScalars(limit: ResourceQuantities, missing: 'keep' | 'drop'): Resources {
    let changed = false;
    const out: Entry[] = [];
    let used: Map<string, number> | undefined;
    for (const e of this.entries) {
      if (!e.id.isScalar) {
        out.push(e);
        continue;
      }
      const name = e.id.name;
      if (!limit.has(name)) {
        if (missing === 'keep') out.push(e);
        else changed = true;
        continue;
      }
      used ??= new Map();
      const left = limit.getMilli(name) - (used.get(name) ?? 0);
      if (e.scalar <= left) {
        out.push(e);
        used.set(name, (used.get(name) ?? 0) + e.scalar);
        continue;
      }
      changed = true;
      if (left <= 0 || e.id.unique || e.id.shared) continue;
      out.push(withScalar(e, left));
      used.set(name, (used.get(name) ?? 0) + left);
    }
    return changed ? Resources.trusted(out) : this;
  }

  /**
   * Applies conversions in order (`consumed` → `converted`), e.g. the effect of RESERVE or
   * CREATE on an agent's resources. Fails when a `consumed` part is not contained.
   */
  applyConversions(conversions: readonly { readonly consumed: Resources; readonly converted: Resources }[]): Result<Resources, string> {
    let result = this.plus(Resources.EMPTY);
    for (const c of conversions) {
      if (!result.contains(c.consumed)) return err(`${result.toString()} does not contain ${c.consumed.toString()}`);
      result = result.minus(c.consumed).plus(c.converted);
    }
    return ok(result);
  }

  // ───────────────────────── output ─────────────────────────

  /**
   * Wire form. POST_REFINEMENT: the reservation stack only. PRE_REFINEMENT: `role` (`*` when
   * unreserved) plus `reservation` for a dynamic one; refined reservations cannot be expressed,
   * so asking for them is a caller bug and throws. ENDPOINT: both forms for a single
   * reservation, the stack alone for refined ones (what `/state` `*_full` shows).
   */
  toProto(format: ResourceFormat = 'POST_REFINEMENT'): ProtoResource[] {
    return entriesToProto(this.entries, format);
  }

  /** Mesos-style text (`cpus:4; mem(reservations: [(STATIC,eng)]):512`), parseable by `parse`. */
  toString(): string {
    return entriesToText(this.entries);
  }

  /**
   * The legacy flat map of `/master/state`: scalars summed by name, ranges as `[a-b, c-d]`, sets
   * as `{a, b}`; `cpus`, `gpus`, `mem`, `disk` always present; revocable names get `_revocable`.
   */
  toLegacyJSON(): LegacyResources {
    return entriesToLegacy(this.entries);
  }

  toJSON(): ProtoResource[] {
    return this.toProto('POST_REFINEMENT');
  }
}
