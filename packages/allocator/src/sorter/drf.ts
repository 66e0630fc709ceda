/**
 * The DRF sorter (Mesos `sorter/drf`): clients in ascending weighted dominant share, where a
 * client's share is max over scalar resources of allocation / cluster total, divided by its
 * weight; ties go to fewer allocations, then to the path. Hierarchical: siblings are compared
 * at each level and the order is a pre-order walk, so a role's subtree competes as one.
 */
import type { Rng } from '../rng.ts';
import { SorterTree } from './tree.ts';

export class DrfSorter extends SorterTree {
  sort(_rng?: Rng): readonly number[] {
    return this.drfOrder();
  }

  override visit(rng: Rng, visitor: (client: number) => boolean): void {
    if (!this.drfVisit(visitor)) super.visit(rng, visitor);
  }
}
