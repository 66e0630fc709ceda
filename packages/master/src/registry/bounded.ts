/** A FIFO that keeps only the newest `limit` items (completed tasks, completed frameworks). */
export class BoundedList<T> {
  private items: T[] = [];
  constructor(private readonly limit: number) {}
  push(item: T): void {
    if (this.limit <= 0) return;
    this.items.push(item);
    if (this.items.length > this.limit) this.items.splice(0, this.items.length - this.limit);
  }
  get size(): number {
    return this.items.length;
  }
  values(): readonly T[] {
    return this.items;
  }
  find(pred: (item: T) => boolean): T | undefined {
    return this.items.find(pred);
  }
}
