/**
 * Matching tasks against offers with @agora/resources: first fit over what is left of an offer.
 *
 * For each item in order, every requested resource is taken from entries the offer's role may
 * use (unreserved, or reserved to the role or an ancestor), reserved entries first so that a
 * framework spends its reservations before shared capacity. Revocable resources are used only
 * when asked; persistent volumes, shared resources and MOUNT/BLOCK disks never are (they are
 * claimed explicitly, not by quantity). An item that does not fit is skipped and later, smaller
 * items may still fit. Amounts are exact (fixed point), so what is placed never exceeds the
 * offer: placed + remaining equals the offer.
 */
import { err, ok, type Offer, type Resource, type Result } from '@agora/protocol';
import { countRanges, Resources, toMilli, type Entry } from '@agora/resources';
import { resourceSpecProblem, type ResourceSpec } from './resource-spec.ts';

export interface MatchOptions {
  /** Role whose resources to use (default: the offer's allocation role, else `*`). */
  role?: string;
  /** Also use revocable resources (default false). */
  revocable?: boolean;
}

export interface Placement<T> {
  readonly item: T;
  /** Wire resources for the TaskInfo, in the format the offer used. */
  readonly resources: Resource[];
  readonly taken: Resources;
}

export interface OfferMatch<T> {
  readonly placed: Placement<T>[];
  readonly unplaced: T[];
  /** What is left of the offer after the placements. */
  readonly remaining: Resources;
}

/** The role an offer is for: `allocation_info.role`, or the resources' own, or `*`. */
export function offerRole(offer: Offer): string {
  return offer.allocation_info?.role ?? offer.resources?.find((r) => r.allocation_info?.role)?.allocation_info?.role ?? '*';
}

/** Offers from frameworks without RESERVATION_REFINEMENT use `role`; answer in the same format. */
function formatOf(offer: Offer): 'PRE_REFINEMENT' | 'POST_REFINEMENT' {
  return offer.resources?.some((r) => r.role !== undefined) ? 'PRE_REFINEMENT' : 'POST_REFINEMENT';
}

/** Entries a quantity request may draw from, reserved ones first. */
function usable(pool: Resources, role: string, opts: MatchOptions): Entry[] {
  const ok = pool.allocatableTo(role).entries.filter((e) => !e.id.shared && !e.id.unique && !e.id.isPersistentVolume && (opts.revocable || !e.id.revocable));
  return [...ok.filter((e) => e.id.isReserved), ...ok.filter((e) => !e.id.isReserved)];
}

/** The first `n` values of a normal-form range list `[b0, e0, b1, e1, …]`. */
function firstRangeValues(ranges: readonly number[], n: number): number[] {
  const out: number[] = [];
  let left = n;
  for (let i = 0; i + 1 < ranges.length && left > 0; i += 2) {
    const b = ranges[i]!;
    const e = ranges[i + 1]!;
    const count = Math.min(e - b + 1, left);
    out.push(b, b + count - 1);
    left -= count;
  }
  return out;
}

/**
 * Takes `spec` out of `pool` for `role`; undefined when it does not fit. Pure: the caller
 * subtracts the result from its pool.
 */
export function takeResources(pool: Resources, spec: ResourceSpec, role: string, opts: MatchOptions = {}): Resources | undefined {
  let avail = pool;
  const pieces: Entry[] = [];
  for (const [name, amount] of Object.entries(spec)) {
    if (amount <= 0) continue;
    const candidates = usable(avail, role, opts).filter((e) => e.id.name === name);
    const kind = candidates[0]?.id.type;
    let need = kind === 'SCALAR' || kind === undefined ? toMilli(amount) : Math.ceil(amount);
    for (const e of candidates) {
      if (need <= 0) break;
      let piece: Entry;
      if (e.id.type === 'SCALAR') {
        const t = Math.min(e.scalar, need);
        piece = { ...e, scalar: t };
        need -= t;
      } else if (e.id.type === 'RANGES') {
        const values = firstRangeValues(e.ranges, need);
        piece = { ...e, ranges: values };
        need -= countRanges(values);
      } else {
        const items = e.items.slice(0, need);
        piece = { ...e, items };
        need -= items.length;
      }
      pieces.push(piece);
      avail = avail.minus(Resources.fromEntries([piece]));
    }
    if (need > 0) return undefined;
  }
  return Resources.fromEntries(pieces);
}

export function matchOffer<T extends { readonly resources: ResourceSpec }>(
  offer: Offer,
  items: readonly T[],
  opts: MatchOptions = {},
): Result<OfferMatch<T>, string> {
  const offered = Resources.fromProto(offer.resources ?? []);
  if (!offered.ok) return err(`offer ${offer.id.value} has invalid resources: ${offered.error}`);
  const role = opts.role ?? offerRole(offer);
  const format = formatOf(offer);
  let remaining = offered.value;
  const placed: Placement<T>[] = [];
  const unplaced: T[] = [];
  for (const item of items) {
    const problem = resourceSpecProblem(item.resources);
    if (problem !== undefined) return err(problem);
    const taken = takeResources(remaining, item.resources, role, opts);
    if (taken === undefined) {
      unplaced.push(item);
      continue;
    }
    remaining = remaining.minus(taken);
    placed.push({ item, resources: taken.toProto(format), taken });
  }
  return ok({ placed, unplaced, remaining });
}

export interface OffersMatch<T> {
  /** Placements per offer ID (offers with none are absent). */
  readonly byOffer: Map<string, { offer: Offer; placed: Placement<T>[] }>;
  readonly unplaced: T[];
  /** Offers with nothing placed on them (decline these). */
  readonly unused: Offer[];
}

/** First fit of each item over several offers, in the order given. */
export function matchOffers<T extends { readonly resources: ResourceSpec }>(
  offers: readonly Offer[],
  items: readonly T[],
  opts: MatchOptions = {},
): Result<OffersMatch<T>, string> {
  const pools: { offer: Offer; remaining: Resources; role: string; format: 'PRE_REFINEMENT' | 'POST_REFINEMENT' }[] = [];
  for (const offer of offers) {
    const r = Resources.fromProto(offer.resources ?? []);
    if (!r.ok) return err(`offer ${offer.id.value} has invalid resources: ${r.error}`);
    pools.push({ offer, remaining: r.value, role: opts.role ?? offerRole(offer), format: formatOf(offer) });
  }
  const byOffer = new Map<string, { offer: Offer; placed: Placement<T>[] }>();
  const unplaced: T[] = [];
  for (const item of items) {
    const problem = resourceSpecProblem(item.resources);
    if (problem !== undefined) return err(problem);
    let done = false;
    for (const pool of pools) {
      const taken = takeResources(pool.remaining, item.resources, pool.role, opts);
      if (taken === undefined) continue;
      pool.remaining = pool.remaining.minus(taken);
      const slot = byOffer.get(pool.offer.id.value) ?? { offer: pool.offer, placed: [] };
      slot.placed.push({ item, resources: taken.toProto(pool.format), taken });
      byOffer.set(pool.offer.id.value, slot);
      done = true;
      break;
    }
    if (!done) unplaced.push(item);
  }
  return ok({ byOffer, unplaced, unused: offers.filter((o) => !byOffer.has(o.id.value)) });
}
