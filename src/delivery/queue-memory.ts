/**
 * The items a delivery queue holds in memory: waiting in a FIFO, or taken out for a write
 * that has not finished yet. The bound covers both, so a write that hangs still counts
 * against memory and the queue cannot grow past `maxItems` whatever the destination does.
 */
export class MemoryQueue<T> {
  private readonly maxItems: number;
  /** The FIFO: an array with a moving head, since shift() is O(n) on big arrays. */
  private items: T[] = [];
  private head = 0;
  private writing = 0;

  constructor(maxItems: number) {
    this.maxItems = Math.max(1, maxItems);
  }

  /** Items waiting to be taken into a batch. */
  get waiting(): number {
    return this.items.length - this.head;
  }

  /** Items taken out for a write (memory batches and replayed chunks) not finished yet. */
  get inFlight(): number {
    return this.writing;
  }

  /** True when one more item would go over the bound. */
  get full(): boolean {
    return this.items.length - this.head + this.writing >= this.maxItems;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns up to `max` of the oldest waiting items. */
  take(max: number): T[] {
    const count = Math.min(this.waiting, max);
    const batch = this.items.slice(this.head, this.head + count);
    this.head += count;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      // Most of the array is consumed: copy the rest so the consumed part can be collected.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /** Removes and returns everything waiting. */
  takeAll(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }

  /** `count` items (taken from here or read back from the overflow store) are being written. */
  startWrite(count: number): void {
    this.writing += count;
  }

  /** A write of `count` items has ended, however it ended. */
  endWrite(count: number): void {
    this.writing -= count;
  }
}
