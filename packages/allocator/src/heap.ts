/**
 * An indexed binary min-heap keyed by `expiresAt`. Items record their own position
 * (`heapIndex`), so removing an arbitrary item (a filter cleared by REVIVE) is O(log n) and
 * popping everything that expired by `now` is O(k log n).
 */
export interface HeapItem {
  expiresAt: number;
  heapIndex: number;
}

export class ExpiryHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0 || this.items[i] !== item) return;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.down(i);
    this.up(last.heapIndex);
  }

  /** Removes and returns every item with `expiresAt <= now`, earliest first. */
  popExpired(now: number): T[] {
    const out: T[] = [];
    while (this.items.length > 0 && this.items[0]!.expiresAt <= now) {
      const top = this.items[0]!;
      this.remove(top);
      out.push(top);
    }
    return out;
  }

  /** Items with `expiresAt <= now` without removing them (visits only those subtrees). */
  collectExpired(now: number, out: T[] = []): T[] {
    const visit = (i: number): void => {
      const item = this.items[i];
      if (item === undefined || item.expiresAt > now) return;
      out.push(item);
      visit(2 * i + 1);
      visit(2 * i + 2);
    };
    visit(0);
    return out;
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (parent.expiresAt <= item.expiresAt) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && items[r]!.expiresAt < items[l]!.expiresAt ? r : l;
      if (items[c]!.expiresAt >= item.expiresAt) break;
      items[i] = items[c]!;
      items[i]!.heapIndex = i;
      i = c;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
