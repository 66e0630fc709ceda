/**
 * When each scheduled job is next due, as a min-heap with lazy deletion: the engine asks "which
 * jobs are due at `now`?" and "when is the next one?" hundreds of times a second, and with
 * 10,000 jobs a scan per question would cost more than the launches.
 */
interface Item {
  readonly at: number;
  readonly name: string;
}

export class DueQueue {
  private heap: Item[] = [];
  private readonly current = new Map<string, number>();

  get size(): number {
    return this.current.size;
  }

  get(name: string): number | undefined {
    return this.current.get(name);
  }

  set(name: string, at: number): void {
    if (this.current.get(name) === at) return;
    this.current.set(name, at);
    this.push({ at, name });
    if (this.heap.length > 2 * this.current.size + 1024) this.rebuild();
  }

  delete(name: string): void {
    this.current.delete(name);
  }

  /** The earliest due instant (Infinity when nothing is scheduled). */
  peek(): number {
    this.dropStale();
    return this.heap[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  /** Names due at or before `now` (each once), removed from the queue: the caller sets them again. */
  takeDue(now: number): string[] {
    const out: string[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.at > now) return out;
      this.pop();
      this.current.delete(top.name);
      out.push(top.name);
    }
  }

  private dropStale(): void {
    while (this.heap.length > 0 && this.current.get(this.heap[0]!.name) !== this.heap[0]!.at) this.pop();
  }

  private rebuild(): void {
    this.heap = [...this.current].map(([name, at]) => ({ at, name })).sort((a, b) => a.at - b.at);
  }

  private push(item: Item): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= item.at) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = item;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.at < h[l]!.at ? r : l;
      if (h[c]!.at >= last.at) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}
