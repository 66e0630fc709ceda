/**
 * Offer filters (Mesos `RefusedOfferFilter`): a decline refuses some resources of an agent for
 * one (framework, role) until an expiry. A later offer is filtered when the refused resources
 * contain it, so offering *more* breaks through.
 *
 * Indexes: per agent (`agent.filterHeads` / `agent.refusedBy`, by client id) for the cycle's lookup, per
 * client (an intrusive doubly linked list) for REVIVE/deactivation/removal, and an expiry heap
 * so expiring costs O(expired · log n) rather than a scan.
 *
 * Filters on one agent usually refuse identical resources (every framework declined the same
 * remainder), so refused sets are shared per agent and each remembers its last containment
 * verdict: checking a thousand filters against one candidate offer costs one containment test
 * plus pointer comparisons.
 */
import type { Resources } from '@agora/resources';
import { ExpiryHeap, type HeapItem } from './heap.ts';
import type { AgentState, Client } from './model.ts';

export class RefusedSet {
  private lastOffer: Resources | null = null;
  private lastResult = false;

  constructor(readonly resources: Resources) {}

  /** refused ⊇ offer, memoised on the offer object (values are immutable). */
  covers(offer: Resources): boolean {
    if (offer !== this.lastOffer) {
      this.lastOffer = offer;
      this.lastResult = this.resources.contains(offer);
    }
    return this.lastResult;
  }
}

export class OfferFilter implements HeapItem {
  heapIndex = -1;
  /** Next filter of the same client on the same agent. */
  nextSame: OfferFilter | null = null;
  prevOfClient: OfferFilter | null = null;
  nextOfClient: OfferFilter | null = null;

  constructor(
    readonly client: Client,
    readonly agent: AgentState,
    readonly refused: RefusedSet,
    public expiresAt: number,
  ) {}
}

export class FilterStore {
  private readonly heap = new ExpiryHeap<OfferFilter>();

  get size(): number {
    return this.heap.size;
  }

  add(client: Client, agent: AgentState, refused: Resources, expiresAt: number): OfferFilter {
    let set = agent.lastRefused;
    if (set === undefined || !(set.resources === refused || set.resources.equals(refused))) {
      set = new RefusedSet(refused);
      agent.lastRefused = set;
    }
    const f = new OfferFilter(client, agent, set, expiresAt);
    const head = agent.filterHeads[client.id];
    if (head !== undefined) f.nextSame = head;
    this.setHead(agent, client.id, f);
    agent.filterCount++;
    f.nextOfClient = client.filterHead;
    if (client.filterHead !== null) client.filterHead.prevOfClient = f;
    client.filterHead = f;
    client.filterCount++;
    agent.filterGen++;
    this.heap.push(f);
    return f;
  }

  private setHead(agent: AgentState, id: number, head: OfferFilter | null): void {
    if (head === null) {
      agent.filterHeads[id] = undefined;
      agent.refusedBy[id] = undefined;
    } else {
      agent.filterHeads[id] = head;
      agent.refusedBy[id] = head.nextSame === null ? head.refused : null;
    }
  }

  remove(f: OfferFilter): void {
    if (f.heapIndex < 0) return;
    this.heap.remove(f);
    this.unlink(f);
  }

  removeClient(client: Client): void {
    while (client.filterHead !== null) this.remove(client.filterHead);
  }

  removeAgent(agent: AgentState): void {
    const heads = agent.filterHeads;
    for (let id = 0; id < heads.length; id++) {
      for (let f = heads[id] ?? null; f !== null; ) {
        const next: OfferFilter | null = f.nextSame;
        this.remove(f);
        f = next;
      }
    }
  }

  /** Removes every filter that expired by `now`; returns how many. */
  expire(now: number): number {
    const gone = this.heap.popExpired(now);
    for (const f of gone) this.unlink(f);
    return gone.length;
  }

  /** Unlinks a filter (already out of the heap) from the agent chain and the client list. */
  private unlink(f: OfferFilter): void {
    const { agent, client } = f;
    const head = agent.filterHeads[client.id] ?? null;
    if (head === f) {
      this.setHead(agent, client.id, f.nextSame);
    } else {
      for (let p = head; p !== null; p = p.nextSame) {
        if (p.nextSame === f) {
          p.nextSame = f.nextSame;
          break;
        }
      }
      this.setHead(agent, client.id, head);
    }
    agent.filterCount--;
    if (f.prevOfClient !== null) f.prevOfClient.nextOfClient = f.nextOfClient;
    else client.filterHead = f.nextOfClient;
    if (f.nextOfClient !== null) f.nextOfClient.prevOfClient = f.prevOfClient;
    f.prevOfClient = f.nextOfClient = f.nextSame = null;
    client.filterCount--;
    agent.filterGen++;
  }

  /** Does a filter of `client` on `agent` refuse all of `offer`? (The hot path: one load, one compare.) */
  filters(client: Client, agent: AgentState, offer: Resources): boolean {
    const set = agent.refusedBy[client.id];
    if (set === undefined) return false;
    if (set !== null) return set.covers(offer);
    return this.matching(client, agent, offer) !== undefined;
  }

  /** The first filter of `client` on `agent` whose refused resources contain `offer`. */
  matching(client: Client, agent: AgentState, offer: Resources): OfferFilter | undefined {
    for (let f = agent.filterHeads[client.id] ?? null; f !== null; f = f.nextSame) {
      if (f.refused.covers(offer)) return f;
    }
    return undefined;
  }

  /** Every filter of a client (for snapshots and queries). */
  *ofClient(client: Client): Iterable<OfferFilter> {
    for (let f = client.filterHead; f !== null; f = f.nextOfClient) yield f;
  }
}
