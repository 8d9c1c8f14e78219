/**
 * Hands the items memory cannot keep to the overflow store (the disk spool), or counts them
 * dropped under the same reason when there is none. Items spilled within one tick are handed
 * over together in one `accept` (one disk write rather than one per item), hand-overs run
 * one after the other, so the store receives items in the order they were spilled.
 */
import type { DeliveryReporter } from './queue-reporter.ts';
import type { Overflow, SpillReason } from './types.ts';

export class SpillHandOver<T> {
  private readonly overflow: Overflow<T> | undefined;
  private readonly reporter: DeliveryReporter;
  /** Wakes the writers: the store holds new items to replay. */
  private readonly wakeWriters: () => void;
  /** Items collected for the next hand-over, all for the same reason. */
  private items: T[] = [];
  private reason: SpillReason = 'queue_full';
  private scheduled = false;
  /** The hand-overs so far, one after the other. */
  private chain: Promise<void> = Promise.resolve();

  constructor(overflow: Overflow<T> | undefined, reporter: DeliveryReporter, wakeWriters: () => void) {
    this.overflow = overflow;
    this.reporter = reporter;
    this.wakeWriters = wakeWriters;
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
      this.reporter.handedOver(items.length);
      this.wakeWriters();
    } catch (error) {
      const why = (error as { reason?: unknown }).reason;
      this.reporter.dropped(typeof why === 'string' ? why : 'overflow_failed', items.length);
      this.reporter.error(`overflow store could not take ${items.length} items`, error);
    }
  }
}
