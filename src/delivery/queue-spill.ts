/**
 * Hands the items memory cannot keep to the overflow store (the disk spool), or counts them
 * dropped under the same reason when there is none.
 *
 * Group commit: one hand-over runs at a time, and whatever is spilled while it runs is handed
 * over together in the next one. Under a flood that means a few large disk writes instead of
 * one per item: handing over each item on its own (one promise, closure and write per item)
 * capped the spool at about 12,000 items/s on a 2-core machine and held tens of MB of heap
 * in waiting hand-overs. The store receives items in the order they were spilled.
 */
import type { DeliveryReporter } from './queue-reporter.ts';
import type { Overflow, SpillReason } from './types.ts';

/** What waits to be written to the store is bounded too (see `spill`). */
export interface SpillBacklog<T> {
  /** Most bytes collected or being handed over at once. */
  maxBytes: number;
  bytesOf(items: readonly T[]): number;
}

/** Items collected for one hand-over: one `accept` has one reason. */
interface Group<T> {
  reason: SpillReason;
  items: T[];
  /** Whether the items go back to the sink's `release` once the store took them. */
  release: boolean;
  /** Their bytes, as counted into the backlog. */
  bytes: number;
}

export class SpillHandOver<T> {
  private readonly overflow: Overflow<T> | undefined;
  private readonly reporter: DeliveryReporter;
  /** Wakes the writers: the store holds new items to replay. */
  private readonly wakeWriters: () => void;
  private readonly backlog: SpillBacklog<T> | undefined;
  /** Tells the sink items are no longer held (see DeliverySink.release). */
  private readonly release: (items: readonly T[]) => void;
  /** Bytes collected or handed over and not yet taken by the store. */
  private backlogBytes = 0;
  /** Collected and not handed over yet, oldest first. */
  private groups: Group<T>[] = [];
  private collected = 0;
  /** Items spilled so far, and how many of them the store took or refused. */
  private spilledCount = 0;
  private settledCount = 0;
  private waiters: { upTo: number; resolve: () => void }[] = [];
  private pumping = false;

  constructor(
    overflow: Overflow<T> | undefined,
    reporter: DeliveryReporter,
    wakeWriters: () => void,
    backlog?: SpillBacklog<T>,
    release: (items: readonly T[]) => void = () => {},
  ) {
    this.overflow = overflow;
    this.reporter = reporter;
    this.wakeWriters = wakeWriters;
    this.backlog = backlog;
    this.release = release;
  }

  /** Items collected but not handed over yet. */
  get pending(): number {
    return this.collected;
  }

  /** Settles when every item spilled so far has been handed over or counted (never rejects). */
  get handedOver(): Promise<void> {
    const upTo = this.spilledCount;
    if (this.settledCount >= upTo) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upTo, resolve }));
  }

  /**
   * `release` false: the items may still be read by someone else (a write abandoned at the
   * close deadline), so the sink is not told they are free.
   */
  spill(items: readonly T[], reason: SpillReason, release = true): void {
    if (items.length === 0) return;
    if (!this.overflow) {
      this.reporter.dropped(reason, items.length);
      if (release) this.release(items);
      return;
    }
    // When items arrive faster than the store writes them (the CPU is saturated by intake),
    // those waiting for the store would grow without bound: beyond the backlog's bytes they
    // are dropped, counted as `spool_backlog`. What is left at shutdown is always handed over.
    const bytes = this.backlog?.bytesOf(items) ?? 0;
    if (this.backlog && reason !== 'shutdown' && this.backlogBytes + bytes > this.backlog.maxBytes) {
      this.reporter.dropped('spool_backlog', items.length);
      if (release) this.release(items);
      return;
    }
    this.backlogBytes += bytes;
    const last = this.groups.at(-1);
    if (last?.reason === reason && last.release === release) {
      for (const item of items) last.items.push(item);
      last.bytes += bytes;
    } else this.groups.push({ reason, items: items.slice(), release, bytes });
    this.collected += items.length;
    this.spilledCount += items.length;
    if (!this.pumping) {
      this.pumping = true;
      void this.pump(this.overflow);
    }
  }

  /** Hands the groups over one at a time until none is left. */
  private async pump(overflow: Overflow<T>): Promise<void> {
    // One microtask first, so that what is spilled in the same tick joins the first hand-over.
    await Promise.resolve();
    while (this.groups.length > 0) {
      const group = this.groups.shift()!;
      this.collected -= group.items.length;
      await this.accept(overflow, group);
    }
    this.pumping = false;
  }

  private async accept(overflow: Overflow<T>, { items, reason, release, bytes }: Group<T>): Promise<void> {
    try {
      await overflow.accept(items, reason);
      this.reporter.handedOver(items.length, reason === 'disk_first');
      this.wakeWriters();
    } catch (error) {
      const why = (error as { reason?: unknown }).reason;
      this.reporter.dropped(typeof why === 'string' ? why : 'overflow_failed', items.length);
      this.reporter.error(`overflow store could not take ${items.length} items`, error);
    } finally {
      this.backlogBytes -= bytes;
      // The store has copied the items (or refused them): their memory is free.
      if (release) this.release(items);
      this.settle(items.length);
    }
  }

  private settle(count: number): void {
    this.settledCount += count;
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.upTo <= this.settledCount);
    this.waiters = this.waiters.filter((w) => w.upTo > this.settledCount);
    for (const waiter of ready) waiter.resolve();
  }
}
