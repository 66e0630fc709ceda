/**
 * The Sorter interface (Mesos `sorter/sorter.hpp`): orders the clients competing for resources.
 * The allocator has one role sorter (clients are roles, hierarchical: `a/b` lives under `a` and
 * `a`'s allocation includes its subtree) and one framework sorter per role (clients are the
 * frameworks subscribed to that role, flat).
 *
 * Clients are small integers chosen by the caller (array indexes on the hot path, no string
 * lookups); `path` names the client for tie-breaking and, when hierarchical, places it in the
 * tree. Allocations are scalar quantities; shares are measured against the shared
 * `ClusterTotals`, so one update of the totals reaches every sorter.
 */
import type { ResourceQuantities } from '@agora/resources';
import type { ClusterTotals, NameIndex } from '../names.ts';
import type { Rng } from '../rng.ts';

export interface SorterContext {
  readonly names: NameIndex;
  readonly totals: ClusterTotals;
  /** Resource names ignored when computing shares (`--fair_sharing_excluded_resource_names`). */
  readonly excluded?: ReadonlySet<string>;
  /** Split paths on `/` into a tree (the role sorter). Framework sorters are flat. */
  readonly hierarchical?: boolean;
}

export interface Sorter {
  /** Adds an inactive client. Adding an existing client is a bug. */
  add(client: number, path: string): void;
  /** Removes a client and its allocation. */
  remove(client: number): void;
  contains(client: number): boolean;
  /** Only active clients are returned by `sort()`. */
  activate(client: number): void;
  deactivate(client: number): void;
  isActive(client: number): boolean;
  /** Weight of a path (default 1); a client's share is divided by it. May precede the client. */
  updateWeight(path: string, weight: number): void;
  allocated(client: number, quantities: ResourceQuantities): void;
  unallocated(client: number, quantities: ResourceQuantities): void;
  allocation(client: number): ResourceQuantities;
  /** Sum of every client's allocation. */
  totalAllocation(): ResourceQuantities;
  /** The client's current (weighted) dominant share. */
  share(client: number): number;
  /**
   * Active clients in allocation order. The returned array is a snapshot: later updates never
   * mutate it, so a caller may keep iterating while it records allocations.
   */
  sort(rng: Rng): readonly number[];
  /**
   * Visits the active clients in `sort()` order until `visitor` returns false. The visitor may
   * record allocations for the client it is visiting; the walk still follows the order it
   * started from and visits each client once. Cheaper than `sort()` when the walk stops early.
   */
  visit(rng: Rng, visitor: (client: number) => boolean): void;
  /** Number of clients (active or not). */
  count(): number;
}

export type SorterKind = 'drf' | 'random';
