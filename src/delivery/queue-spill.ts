/**
 * Hands the items memory cannot keep to the overflow store (the disk spool), or counts them
 * dropped under the same reason when there is none. Items spilled within one tick are handed
 * over together in one `accept` (one disk write rather than one per item), hand-overs run
 * one after the other, so the store receives items in the order they were spilled.
 */
import type { DeliveryReporter } from './queue-reporter.ts';
import type { Overflow, SpillReason } from './types.ts';

/** What waits to be written to the store is bounded too (see `spill`). */
export interface SpillBacklog<T> {
  /** Most bytes collected or being handed over at once. */
  maxBytes: number;
  bytesOf(items: readonly T[]): number;
}

export class SpillHandOver<T> {
  private readonly overflow: Overflow<T> | undefined;
  private readonly reporter: DeliveryReporter;
  /** Wakes the writers: the store holds new items to replay. */
  private readonly wakeWriters: () => void;
  private readonly backlog: SpillBacklog<T> | undefined;
  /** Bytes collected or handed over and not yet taken by the store. */
  private backlogBytes = 0;
  /** Items collected for the next hand-over, all for the same reason. */
  private items: T[] = [];
  private reason: SpillReason = 'queue_full';
  private scheduled = false;
  /** The hand-overs so far, one after the other. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    overflow: Overflow<T> | undefined,
    reporter: DeliveryReporter,
    wakeWriters: () => void,
    backlog?: SpillBacklog<T>,
  ) {
    this.overflow = overflow;
    this.reporter = reporter;
    this.wakeWriters = wakeWriters;
    this.backlog = backlog;
  }

  /** Items collected but not handed over yet. */
  get pending(): number {
    return this.items.length;
  }

  /** Settles when every hand-over started so far has finished (never rejects). */
  get handedOver(): Promise<void> {
    return this.chain;
  }

  spill(items: T[], reason: SpillReason): void {
    if (items.length === 0) return;
    if (!this.overflow) {
      this.reporter.dropped(reason, items.length);
      return;
    }
    // When items arrive faster than the store writes them (the CPU is saturated by intake),
    // those waiting for the store would grow without bound: beyond the backlog's bytes they
    // are dropped, counted as `spool_backlog`. What is left at shutdown is always handed over.
    const bytes = this.backlog?.bytesOf(items) ?? 0;
    if (this.backlog && reason !== 'shutdown' && this.backlogBytes + bytes > this.backlog.maxBytes) {
      this.reporter.dropped('spool_backlog', items.length);
      return;
    }
    this.backlogBytes += bytes;
    // One accept has one reason: items for another reason start a new hand-over.
    if (this.items.length > 0 && this.reason !== reason) this.handOverNow();
    this.reason = reason;
    for (const item of items) this.items.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.handOverNow());
    }
  }

  /** Starts handing over what was collected, without waiting for the end of the tick. */
  handOverNow(): void {
    this.scheduled = false;
    const items = this.items;
    const overflow = this.overflow;
    if (items.length === 0 || !overflow) return;
    this.items = [];
    const reason = this.reason;
    this.chain = this.chain.then(() => this.accept(overflow, items, reason));
  }

  private async accept(overflow: Overflow<T>, items: T[], reason: SpillReason): Promise<void> {
    try {
      await overflow.accept(items, reason);
      this.reporter.handedOver(items.length, reason === 'disk_first');
      this.wakeWriters();
    } catch (error) {
      const why = (error as { reason?: unknown }).reason;
      this.reporter.dropped(typeof why === 'string' ? why : 'overflow_failed', items.length);
      this.reporter.error(`overflow store could not take ${items.length} items`, error);
    } finally {
      if (this.backlog) this.backlogBytes -= this.backlog.bytesOf(items);
    }
  }
}
