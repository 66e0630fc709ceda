/**
 * The sorter tree shared by both sorters (Mesos's DRFSorter node structure). Clients are leaves;
 * internal nodes aggregate their subtree's allocation. A client that also has children (`a`
 * with `a/b`) is represented by a virtual leaf `a/.` under the internal node `a`.
 *
 * Invariants kept for every internal node:
 *  1. `children[0, activeCount)` holds internal nodes and active leaves, the rest inactive leaves;
 *  2. unless `dirty`, that prefix is sorted by DRF order: share, then allocation count, then path.
 *
 * Incremental DRF: an allocation walks from the leaf to the root updating vectors and shares and
 * moves each changed node to its new place among its siblings (binary search + one block move),
 * instead of re-sorting everything. Only changes that can move many shares at once (cluster
 * totals, weights, structure) set `dirty`, and the next `sort()` re-sorts the whole tree once.
 */
import type { ResourceQuantities } from '@agora/resources';
import { addVec, toQuantities, type QVec } from '../names.ts';
import type { Rng } from '../rng.ts';
import type { Sorter, SorterContext } from './sorter.ts';

/** Adds quantities into a dense vector by name id (no intermediate vector). */
function addQuantities(v: QVec, q: ResourceQuantities, sign: 1 | -1): void {
  const ids = q.ids;
  const milli = q.milli;
  for (let k = 0; k < ids.length; k++) {
    const i = ids[k]!;
    while (v.length <= i) v.push(0);
    v[i] = v[i]! + sign * milli[k]!;
  }
}

const ACTIVE = 0;
const INACTIVE = 1;
const INTERNAL = 2;

export class SorterNode {
  children: SorterNode[] = [];
  activeCount = 0;
  byName: Map<string, SorterNode> | undefined;
  alloc: QVec = [];
  share = 0;
  count = 0;
  weight = 1;
  client = -1;
  visited = 0;

  constructor(
    readonly name: string,
    readonly path: string,
    public parent: SorterNode | null,
    public kind: number,
  ) {
    if (kind === INTERNAL) this.byName = new Map();
  }

  get isLeaf(): boolean {
    return this.kind !== INTERNAL;
  }

  /** The client's path (a virtual leaf `a/.` belongs to client `a`). */
  get clientPath(): string {
    return this.name === '.' ? this.parent!.path : this.path;
  }
}

/** DRF order: lower share first, then fewer allocations, then path. */
export function compareDrf(a: SorterNode, b: SorterNode): number {
  if (a.share !== b.share) return a.share < b.share ? -1 : 1;
  if (a.count !== b.count) return a.count < b.count ? -1 : 1;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export abstract class SorterTree implements Sorter {
  protected readonly root = new SorterNode('', '', null, INTERNAL);
  protected readonly leaves: (SorterNode | undefined)[] = [];
  private readonly weights = new Map<string, number>();
  private clients = 0;
  protected dirty = false;
  private seenTotals = -1;
  private orderStale = true;
  private order: readonly number[] = [];
  /** Internal nodes other than the root: 0 means the order is just the root's sorted prefix. */
  private internals = 0;
  private visitStamp = 0;

  constructor(protected readonly ctx: SorterContext) {}

  // ───────────────────────── structure ─────────────────────────

  add(client: number, path: string): void {
    if (this.leaves[client] !== undefined) throw new Error(`sorter: client ${client} (${path}) added twice`);
    const tokens = this.ctx.hierarchical ? path.split('/') : [path];
    let current = this.root;
    let t = 0;
    for (;;) {
      if (t === tokens.length) {
        current = this.attach(current, '.', INACTIVE);
        break;
      }
      if (current.isLeaf) {
        // A client path below an existing client: the leaf becomes internal, its client moves
        // to a virtual leaf `.` keeping its allocation.
        const oldKind = current.kind;
        const parent = current.parent!;
        this.detach(current);
        current.kind = INTERNAL;
        current.byName = new Map();
        this.internals++;
        this.place(parent, current);
        const virt = this.attach(current, '.', oldKind);
        virt.client = current.client;
        virt.alloc = current.alloc.slice();
        virt.count = current.count;
        this.leaves[virt.client] = virt;
        current.client = -1;
        break;
      }
      const child = current.byName!.get(tokens[t]!);
      if (child === undefined) break;
      current = child;
      t++;
    }
    for (; t < tokens.length; t++) current = this.attach(current, tokens[t]!, t === tokens.length - 1 ? INACTIVE : INTERNAL);
    current.client = client;
    this.leaves[client] = current;
    this.clients++;
    this.dirty = true;
    this.orderStale = true;
  }

  remove(client: number): void {
    const leaf = this.leaf(client);
    this.leaves[client] = undefined;
    this.clients--;
    const alloc = leaf.alloc;
    let current: SorterNode = leaf;
    while (current !== this.root) {
      const parent = current.parent!;
      addVec(parent.alloc, alloc, -1);
      if (current.isLeaf || current.children.length === 0) {
        if (!current.isLeaf) this.internals--;
        this.detach(current);
        current.parent = null;
      } else if (current.children.length === 1 && current.children[0]!.name === '.') {
        // Only the virtual leaf remains: fold it back into `current`.
        const virt = current.children[0]!;
        this.detach(current);
        current.children = [];
        current.activeCount = 0;
        current.byName = undefined;
        current.kind = virt.kind;
        this.internals--;
        current.client = virt.client;
        current.count = virt.count;
        this.leaves[current.client] = current;
        this.place(parent, current);
      }
      current = parent;
    }
    this.dirty = true;
    this.orderStale = true;
  }

  contains(client: number): boolean {
    return this.leaves[client] !== undefined;
  }

  count(): number {
    return this.clients;
  }

  activate(client: number): void {
    const leaf = this.leaf(client);
    if (leaf.kind !== INACTIVE) return;
    this.detach(leaf);
    leaf.kind = ACTIVE;
    this.place(leaf.parent!, leaf);
    this.orderStale = true;
  }

  deactivate(client: number): void {
    const leaf = this.leaf(client);
    if (leaf.kind !== ACTIVE) return;
    this.detach(leaf);
    leaf.kind = INACTIVE;
    this.place(leaf.parent!, leaf);
    this.orderStale = true;
  }

  isActive(client: number): boolean {
    return this.leaf(client).kind === ACTIVE;
  }

  updateWeight(path: string, weight: number): void {
    this.weights.set(path, weight);
    const node = this.findPath(path);
    if (node !== undefined) node.weight = weight;
    this.dirty = true;
    this.orderStale = true;
  }

  // ───────────────────────── allocations ─────────────────────────

  allocated(client: number, quantities: ResourceQuantities): void {
    this.change(client, quantities, 1);
  }

  unallocated(client: number, quantities: ResourceQuantities): void {
    this.change(client, quantities, -1);
  }

  allocation(client: number): ResourceQuantities {
    return toQuantities(this.leaf(client).alloc, this.ctx.names);
  }

  totalAllocation(): ResourceQuantities {
    return toQuantities(this.root.alloc, this.ctx.names);
  }

  share(client: number): number {
    return this.computeShare(this.leaf(client));
  }

  private change(client: number, quantities: ResourceQuantities, sign: 1 | -1): void {
    const leaf = this.leaf(client);
    this.checkTotals();
    const clean = !this.dirty;
    for (let node: SorterNode = leaf; node !== this.root; node = node.parent!) {
      addQuantities(node.alloc, quantities, sign);
      if (sign > 0) node.count++;
      if (clean && node.kind !== INACTIVE) {
        node.share = this.computeShare(node);
        this.reposition(node);
      }
    }
    addQuantities(this.root.alloc, quantities, sign);
    this.orderStale = true;
  }

  // ───────────────────────── ordering ─────────────────────────

  abstract sort(rng: Rng): readonly number[];

  /** Walks a snapshot of `sort()`; orderings without a cheaper live walk use this. */
  visit(rng: Rng, visitor: (client: number) => boolean): void {
    const order = this.sort(rng);
    for (let i = 0; i < order.length; i++) if (!visitor(order[i]!)) return;
  }

  /**
   * The live DRF walk for flat trees: the order is the root's sorted prefix, walked in place. A
   * visited client that receives an allocation moves right and is skipped if met again; the
   * others keep their relative order, so the walk sees exactly the order it started from,
   * without building a snapshot (the common walk stops at the first client).
   */
  protected drfVisit(visitor: (client: number) => boolean): boolean {
    if (this.internals !== 0) return false;
    this.ensureSorted();
    const stamp = ++this.visitStamp;
    const arr = this.root.children;
    let i = 0;
    while (i < this.root.activeCount) {
      const node = arr[i]!;
      if (node.visited === stamp) {
        i++;
        continue;
      }
      node.visited = stamp;
      if (!visitor(node.client)) return true;
      if (arr[i] === node) i++;
    }
    return true;
  }

  /** Active leaves in DRF order (re-sorting first if needed); a fresh array when anything changed. */
  protected drfOrder(): readonly number[] {
    this.ensureSorted();
    if (this.orderStale) {
      const out: number[] = [];
      this.flatten(this.root, out);
      this.order = out;
      this.orderStale = false;
    }
    return this.order;
  }

  /** Re-sorts every level if something invalidated the incremental order. */
  private ensureSorted(): void {
    this.checkTotals();
    if (this.dirty) {
      this.resort(this.root);
      this.dirty = false;
      this.orderStale = true;
    }
  }

  /** Active leaves, pre-order, each level's prefix in the order `arrange` gives. */
  protected collect(node: SorterNode, arrange: (prefix: SorterNode[]) => SorterNode[], out: number[]): void {
    const prefix = arrange(node.children.slice(0, node.activeCount));
    for (const child of prefix) {
      if (child.kind === ACTIVE) out.push(child.client);
      else if (child.kind === INTERNAL) this.collect(child, arrange, out);
    }
  }

  private flatten(node: SorterNode, out: number[]): void {
    const children = node.children;
    for (let i = 0; i < node.activeCount; i++) {
      const child = children[i]!;
      if (child.kind === ACTIVE) out.push(child.client);
      else this.flatten(child, out);
    }
  }

  private resort(node: SorterNode): void {
    const children = node.children;
    for (let i = 0; i < node.activeCount; i++) children[i]!.share = this.computeShare(children[i]!);
    const prefix = children.slice(0, node.activeCount).sort(compareDrf);
    for (let i = 0; i < prefix.length; i++) {
      children[i] = prefix[i]!;
      if (prefix[i]!.kind === INTERNAL) this.resort(prefix[i]!);
    }
  }

  private checkTotals(): void {
    if (this.seenTotals !== this.ctx.totals.version) {
      this.seenTotals = this.ctx.totals.version;
      this.dirty = true;
      this.orderStale = true;
    }
  }

  protected computeShare(node: SorterNode): number {
    const total = this.ctx.totals.vec;
    const alloc = node.alloc;
    const excluded = this.ctx.excluded;
    const names = this.ctx.names.names;
    let share = 0;
    const n = Math.min(alloc.length, total.length);
    for (let i = 0; i < n; i++) {
      const t = total[i]!;
      if (t <= 0) continue;
      if (excluded !== undefined && excluded.size > 0 && excluded.has(names[i]!)) continue;
      const s = alloc[i]! / t;
      if (s > share) share = s;
    }
    return share / node.weight;
  }

  /**
   * Moves `node` (in its parent's sorted prefix) to its DRF position: a binary search, then one
   * removal and one insertion (`splice`; V8's `copyWithin` on object arrays is far slower).
   */
  private reposition(node: SorterNode): void {
    const parent = node.parent!;
    const arr = parent.children;
    const n = parent.activeCount;
    const i = arr.indexOf(node);
    if (i > 0 && compareDrf(node, arr[i - 1]!) < 0) {
      let lo = 0;
      let hi = i - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareDrf(node, arr[mid]!) < 0) hi = mid;
        else lo = mid + 1;
      }
      arr.splice(i, 1);
      arr.splice(lo, 0, node);
    } else if (i + 1 < n && compareDrf(arr[i + 1]!, node) < 0) {
      let lo = i + 1;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (compareDrf(arr[mid]!, node) < 0) lo = mid;
        else hi = mid - 1;
      }
      arr.splice(i, 1);
      arr.splice(lo, 0, node);
    }
  }

  // ───────────────────────── helpers ─────────────────────────

  private leaf(client: number): SorterNode {
    const leaf = this.leaves[client];
    if (leaf === undefined) throw new Error(`sorter: unknown client ${client}`);
    return leaf;
  }

  private findPath(path: string): SorterNode | undefined {
    let node = this.root;
    for (const token of this.ctx.hierarchical ? path.split('/') : [path]) {
      const next = node.byName?.get(token);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  private attach(parent: SorterNode, name: string, kind: number): SorterNode {
    const path = parent === this.root ? name : `${parent.path}/${name}`;
    const node = new SorterNode(name, path, parent, kind);
    if (kind === INTERNAL) this.internals++;
    if (name !== '.') node.weight = this.weights.get(path) ?? 1;
    parent.byName ??= new Map();
    parent.byName.set(name, node);
    this.place(parent, node);
    return node;
  }

  /** Inserts `node` into its parent's children in the region its kind belongs to. */
  private place(parent: SorterNode, node: SorterNode): void {
    node.parent = parent;
    parent.byName ??= new Map();
    parent.byName.set(node.name, node);
    if (node.kind === INACTIVE) {
      parent.children.push(node);
      return;
    }
    parent.children.splice(parent.activeCount, 0, node);
    parent.activeCount++;
    if (!this.dirty) {
      node.share = this.computeShare(node);
      this.reposition(node);
    }
  }

  /** Removes `node` from its parent's children (keeps `parent` set). */
  private detach(node: SorterNode): void {
    const parent = node.parent!;
    const arr = parent.children;
    const i = arr.indexOf(node);
    if (i < 0) throw new Error(`sorter: ${node.path} is not a child of ${parent.path}`);
    arr.splice(i, 1);
    if (i < parent.activeCount) parent.activeCount--;
    parent.byName?.delete(node.name);
  }
}
