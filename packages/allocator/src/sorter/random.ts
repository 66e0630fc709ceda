/**
 * The random sorter (Mesos `sorter/random`): at every level of the tree, siblings are put in a
 * weighted random order (a sibling with weight 2 tends to come first twice as often as one
 * with weight 1), drawn from the injected rng on every `sort()`. Allocations are still tracked
 * so that `allocation()` and shares can be reported.
 */
import type { Rng } from '../rng.ts';
import { SorterTree, type SorterNode } from './tree.ts';

export class RandomSorter extends SorterTree {
  sort(rng: Rng): readonly number[] {
    const out: number[] = [];
    this.collect(this.root, (prefix) => weightedShuffle(prefix, rng), out);
    return out;
  }
}

/** Efraimidis–Spirakis: sort by u^(1/w) descending, u uniform in (0, 1]. */
function weightedShuffle(nodes: SorterNode[], rng: Rng): SorterNode[] {
  const keyed = nodes.map((n) => ({ n, k: Math.pow(1 - rng(), 1 / n.weight) }));
  keyed.sort((a, b) => b.k - a.k || (a.n.path < b.n.path ? -1 : 1));
  return keyed.map((x) => x.n);
}
