/**
 * OfferLedger: the master's book of outstanding offers (pure; the master owns the timers).
 * Offers are indexed by ID, framework and agent, and by expiry for `--offer_timeout`. Removal on
 * accept, decline or rescind returns the offer so the master can recover its resources.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { Resources } from '@agora/resources';
import { ExpiryHeap, type HeapItem } from './heap.ts';

export interface OutstandingOffer {
  readonly id: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  readonly resources: Resources;
  /** ms */
  readonly created: number;
  /** ms; undefined when offers do not time out. */
  readonly expires?: number;
}

interface Slot extends HeapItem {
  readonly offer: OutstandingOffer;
}

export class OfferLedger {
  private readonly byId = new Map<string, Slot>();
  private readonly byFramework = new Map<string, Set<string>>();
  private readonly byAgent = new Map<string, Set<string>>();
  private readonly timeouts = new ExpiryHeap<Slot>();

  get size(): number {
    return this.byId.size;
  }

  add(offer: OutstandingOffer): Result<void, string> {
    if (this.byId.has(offer.id)) return err(`offer ${offer.id} is already outstanding`);
    const slot: Slot = { offer, expiresAt: offer.expires ?? Infinity, heapIndex: -1 };
    this.byId.set(offer.id, slot);
    index(this.byFramework, offer.frameworkId, offer.id);
    index(this.byAgent, offer.agentId, offer.id);
    if (offer.expires !== undefined) this.timeouts.push(slot);
    return ok(undefined);
  }

  get(id: string): OutstandingOffer | undefined {
    return this.byId.get(id)?.offer;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Accept, decline or rescind: the offer leaves the ledger (undefined if it was not there). */
  remove(id: string): OutstandingOffer | undefined {
    const slot = this.byId.get(id);
    if (slot === undefined) return undefined;
    this.byId.delete(id);
    unindex(this.byFramework, slot.offer.frameworkId, id);
    unindex(this.byAgent, slot.offer.agentId, id);
    this.timeouts.remove(slot);
    return slot.offer;
  }

  ofFramework(frameworkId: string): OutstandingOffer[] {
    return this.collect(this.byFramework.get(frameworkId));
  }

  ofAgent(agentId: string): OutstandingOffer[] {
    return this.collect(this.byAgent.get(agentId));
  }

  /** Outstanding offers whose timeout passed by `now` (still in the ledger), earliest first. */
  expired(now: number): OutstandingOffer[] {
    return this.timeouts.collectExpired(now).map((s) => s.offer).sort((a, b) => a.expires! - b.expires! || (a.id < b.id ? -1 : 1));
  }

  /** When the next offer times out (for the master's timer), or undefined. */
  nextExpiry(): number | undefined {
    return this.timeouts.peek()?.expiresAt;
  }

  private collect(ids: Set<string> | undefined): OutstandingOffer[] {
    if (ids === undefined) return [];
    return [...ids].map((id) => this.byId.get(id)!.offer);
  }
}

function index(map: Map<string, Set<string>>, key: string, id: string): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(id);
}

function unindex(map: Map<string, Set<string>>, key: string, id: string): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(id);
  if (set.size === 0) map.delete(key);
}
