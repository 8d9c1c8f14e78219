/**
 * The items a delivery queue holds in memory: waiting in a FIFO, or taken out for a write
 * that has not finished yet. The bounds cover both, so a write that hangs still counts
 * against memory and the queue cannot grow past them whatever the destination does.
 *
 * Two bounds, whichever is reached first: a number of items, and bytes. Items differ in size
 * (a log-event line is about 1 KB, a counter a few dozen bytes), so a count alone would let a
 * queue of large items take far more memory than its config suggests.
 */

/** What an item is taken to hold when its sink cannot say (a log-event line is ~1 KB). */
export const DEFAULT_ITEM_BYTES = 1024;

export interface MemoryBounds<T> {
  /** Most items held (waiting plus in flight). */
  maxItems: number;
  /** Most bytes held (waiting plus in flight; default unbounded). */
  maxBytes?: number;
  /** Bytes one item holds (default DEFAULT_ITEM_BYTES each). */
  sizeOf?: (item: T) => number;
}

export class MemoryQueue<T> {
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private readonly sizeOf: ((item: T) => number) | undefined;
  /** The FIFO: an array with a moving head, since shift() is O(n) on big arrays. */
  private items: T[] = [];
  private head = 0;
  private writing = 0;
  /** Items read back from the overflow store for a write: still in the store, so not in flight. */
  private replaying = 0;
  /** Bytes of the items waiting and of those being written. */
  private held = 0;

  constructor(bounds: MemoryBounds<T>) {
    this.maxItems = Math.max(1, bounds.maxItems);
    this.maxBytes = Math.max(1, bounds.maxBytes ?? Number.POSITIVE_INFINITY);
    this.sizeOf = bounds.sizeOf;
  }

  /** Items waiting to be taken into a batch. */
  get waiting(): number {
    return this.items.length - this.head;
  }

  /**
   * Items taken out of memory for a write not finished yet (a chunk replayed from the overflow
   * store counts against the bounds, but its items are still in the store, not in flight).
   */
  get inFlight(): number {
    return this.writing;
  }

  /** Bytes held: the items waiting and those being written. */
  get bytes(): number {
    return this.held;
  }

  /** True when one more item would go over a bound. */
  get full(): boolean {
    return this.counted >= this.maxItems || this.held >= this.maxBytes;
  }

  /** True when at most half of both bounds is used (where a queue that was full takes items again). */
  get drained(): boolean {
    return this.counted * 2 <= this.maxItems && this.held * 2 <= this.maxBytes;
  }

  /** Items counted against the bounds: waiting, being written, and replayed for a write. */
  private get counted(): number {
    return this.items.length - this.head + this.writing + this.replaying;
  }

  push(item: T): void {
    this.items.push(item);
    this.held += this.sizeOf === undefined ? DEFAULT_ITEM_BYTES : this.sizeOf(item);
  }

  /** Bytes `items` hold. */
  bytesOf(items: readonly T[]): number {
    const sizeOf = this.sizeOf;
    if (sizeOf === undefined) return items.length * DEFAULT_ITEM_BYTES;
    let total = 0;
    for (let i = 0; i < items.length; i++) total += sizeOf(items[i]!);
    return total;
  }

  /**
   * Removes and returns up to `max` of the oldest waiting items, taken for a write: their
   * bytes stay held until `endWrite`.
   */
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

  /** Removes and returns everything waiting, releasing its bytes. */
  takeAll(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.held -= this.bytesOf(rest);
    return rest;
  }

  /**
   * `items` are being written: a batch taken from here (its bytes are still held), or, with
   * `readBack`, a chunk read back from the overflow store (its bytes are added).
   */
  startWrite(items: readonly T[], readBack = false): void {
    if (readBack) {
      this.replaying += items.length;
      this.held += this.bytesOf(items);
    } else this.writing += items.length;
  }

  /** The write of `items` (`readBack` as given to startWrite) has ended: their bytes are released. */
  endWrite(items: readonly T[], readBack = false): void {
    if (readBack) this.replaying -= items.length;
    else this.writing -= items.length;
    this.held -= this.bytesOf(items);
  }
}
