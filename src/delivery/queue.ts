/**
 * The delivery queue every push sink sits behind: a bounded in-memory FIFO, batching by size
 * and time, retry with exponential backoff and jitter, splitting of rejected batches, an
 * optional overflow store (the disk spool) for what memory cannot hold, and a flush
 * with a deadline on close. Every item ends up delivered, in the overflow store, or counted
 * as dropped with a reason; drops and errors are logged, rate-limited.
 *
 * One write is in flight per queue (or `concurrency` writes, when configured), so a slow or
 * dead destination never gets a pile of parallel requests and the order of batches is kept.
 *
 * The parts, one job each:
 * - queue-memory.ts: the items held in memory (FIFO and in-flight writes) and their bound
 * - queue-batcher.ts: when waiting items become a batch (size or time)
 * - queue-writer.ts: one batch to the sink, with retries (queue-backoff.ts) and the
 *   splitting of refused batches (queue-rejections.ts)
 * - queue-spill.ts: the hand-over to the overflow store; queue-replay.ts: replay from it
 * - queue-writer-loop.ts: the writers, memory batches and replay taking turns
 * - queue-flush.ts: what flush() waits for; queue-reporter.ts: counts and rate-limited logs
 * This file admits items, and flushes and closes the queue.
 */
import type { Logger } from '../logging/logger.ts';
import { Backoff, type RetryOptions } from './queue-backoff.ts';
import { Batcher } from './queue-batcher.ts';
import { FlushAccounting } from './queue-flush.ts';
import { MemoryQueue } from './queue-memory.ts';
import { Replayer } from './queue-replay.ts';
import { DeliveryReporter } from './queue-reporter.ts';
import { SpillHandOver } from './queue-spill.ts';
import { deliveryStats } from './queue-stats.ts';
import { BatchWriter } from './queue-writer.ts';
import { WriterLoop, WriterWakeup } from './queue-writer-loop.ts';
import type { DeliverySink, DeliveryStats, Overflow, SpillReason } from './types.ts';

export { backoffDelay, type RetryOptions } from './queue-backoff.ts';

export interface DeliveryQueueOptions<T> {
  /** Destination name used in logs and stats, e.g. `InfluxDB v1 at http://host:8086 db=SenseOps`. */
  name: string;
  sink: DeliverySink<T>;
  /** Most items held in memory (waiting plus in flight). */
  maxQueued: number;
  /**
   * Most bytes held in memory (waiting plus in flight; default unbounded), as the sink's
   * `sizeOf` counts them (DEFAULT_ITEM_BYTES per item when it has none).
   */
  maxQueuedBytes?: number;
  /**
   * Every item goes to the overflow store first and is written from there (peek, write,
   * commit), so that a crash at any moment loses nothing that was accepted; memory holds only
   * the chunk being written. Needs an overflow store (ignored without one).
   */
  diskFirst?: boolean;
  /** Most items per write (`influxdbConfig.maxBatchSize` for InfluxDB). */
  maxBatchSize: number;
  /** Longest time an item waits for a batch to fill before it is written anyway. */
  flushIntervalMs: number;
  retry: RetryOptions;
  overflow?: Overflow<T>;
  log: Logger;
  /** Parallel writes (default 1; more loses the ordering of batches). */
  concurrency?: number;
  /** Least time between two log lines about drops and errors (default 10 s). */
  reportIntervalMs?: number;
  /** Random source for jitter, for tests (default Math.random). */
  random?: () => number;
}

export interface DeliveryQueue<T> {
  enqueue(item: T): void;
  enqueueMany(items: readonly T[]): void;
  /** Resolves when every item enqueued before the call is delivered, spooled or dropped. */
  flush(): Promise<void>;
  /**
   * Stops intake and writes what is left; after `deadlineMs` the write in flight is aborted
   * and the rest goes to the overflow store (or is counted dropped, reason `shutdown`).
   */
  close(deadlineMs: number): Promise<void>;
  stats(): DeliveryStats;
}

/**
 * Bytes waiting for the overflow store, as a multiple of the memory bound, before drops. With
 * group commit (queue-spill.ts) the disk spool kept up with 60,000 events/s and this never
 * filled (bench/overload-rss.ts); it bounds what a slow disk can make the queue hold: the
 * memory bound plus twice that.
 */
const SPILL_BACKLOG_FACTOR = 2;

/** How long a sink may take to give up a write after it was aborted at the close deadline. */
const ABORT_GRACE_MS = 100;

export function createDeliveryQueue<T>(options: DeliveryQueueOptions<T>): DeliveryQueue<T> {
  const queue = new Queue(options);
  // Plain functions, so that callers may pass them around on their own.
  return {
    enqueue: (item) => queue.enqueue(item),
    enqueueMany: (items) => queue.enqueueMany(items),
    flush: () => queue.flush(),
    close: (deadlineMs) => queue.close(deadlineMs),
    stats: () => queue.stats(),
  };
}

/** The queue proper: it admits items, flushes and closes; the parts do the rest. */
class Queue<T> implements DeliveryQueue<T> {
  private readonly name: string;
  private readonly log: Logger;
  private readonly overflow: Overflow<T> | undefined;
  private readonly memory: MemoryQueue<T>;
  private readonly diskFirst: boolean;
  private readonly flushes = new FlushAccounting();
  private readonly wakeup = new WriterWakeup();
  /** Aborts the writes in flight (and their backoffs) at the close deadline. */
  private readonly abort = new AbortController();
  private readonly reporter: DeliveryReporter;
  private readonly batcher: Batcher<T>;
  private readonly spill: SpillHandOver<T>;
  private readonly loop: WriterLoop<T>;
  private readonly writers: Promise<void>[];
  private readonly release: (items: readonly T[]) => void;
  private closing = false;
  private closed = false;
  /** The queue was full and has not drained to half yet (see spillReason). */
  private refilling = false;

  constructor(options: DeliveryQueueOptions<T>) {
    this.name = options.name;
    this.log = options.log.child({ destination: options.name });
    this.overflow = options.overflow;
    this.memory = new MemoryQueue({
      maxItems: options.maxQueued,
      maxBytes: options.maxQueuedBytes,
      sizeOf: options.sink.sizeOf?.bind(options.sink),
    });
    this.diskFirst = options.diskFirst === true && options.overflow !== undefined;
    const wakeWriters = () => this.wakeup.wakeAll();
    this.reporter = new DeliveryReporter({
      name: options.name,
      log: this.log,
      intervalMs: options.reportIntervalMs ?? 10_000,
      stats: () => this.stats(),
    });
    this.batcher = new Batcher(this.memory, options.maxBatchSize, options.flushIntervalMs, wakeWriters);
    // What waits for the store is bounded too, more loosely than the queue: a burst spilled in
    // one go must fit, only a store that keeps falling behind makes it drop.
    const backlog = options.maxQueuedBytes
      ? {
          maxBytes: SPILL_BACKLOG_FACTOR * options.maxQueuedBytes,
          bytesOf: (items: readonly T[]) => this.memory.bytesOf(items),
        }
      : undefined;
    this.release = options.sink.release?.bind(options.sink) ?? (() => {});
    this.spill = new SpillHandOver(this.overflow, this.reporter, wakeWriters, backlog, this.release);
    this.loop = this.createWriterLoop(options);
    this.overflow?.onAvailable?.(wakeWriters);
    const concurrency = Math.max(1, options.concurrency ?? 1);
    this.writers = Array.from({ length: concurrency }, () => this.loop.run());
  }

  enqueue(item: T): void {
    if (this.admit(item)) this.batcher.itemsAdded();
  }

  enqueueMany(items: readonly T[]): void {
    let any = false;
    for (const item of items) any = this.admit(item) || any;
    if (any) this.batcher.itemsAdded();
  }

  flush(): Promise<void> {
    if (this.flushes.allSettled) return this.spill.handedOver;
    return new Promise<void>((resolve) => {
      this.flushes.whenAllSettled(() => resolve(this.spill.handedOver));
      this.wakeup.wakeAll();
    });
  }

  async close(deadlineMs: number): Promise<void> {
    if (this.closed) return;
    // Intake stops; the writers take partial batches at once and end when memory is empty.
    this.closing = true;
    this.batcher.stopTimer();
    this.wakeup.wakeAll();
    await settleWithin(Promise.all(this.writers), deadlineMs, this.abort);
    this.loop.abandonWrites();
    // Anything still waiting (only when aborted) goes to the overflow store or is dropped.
    const rest = this.memory.takeAll();
    this.spill.spill(rest, 'shutdown');
    this.flushes.itemsSettled(rest.length);
    await this.spill.handedOver;
    this.closed = true;
    this.reporter.reportNow();
    this.log.info(`delivery to ${this.name} closed`, { ...this.stats() });
  }

  stats(): DeliveryStats {
    const spooled = this.overflow ? this.overflow.size() + this.spill.pending : 0;
    return deliveryStats(this.reporter.counts, this.memory, spooled);
  }

  private createWriterLoop(options: DeliveryQueueOptions<T>): WriterLoop<T> {
    const { memory, flushes, reporter, overflow } = this;
    const signal = this.abort.signal;
    const random = options.random ?? Math.random;
    const backoff = new Backoff(options.retry, random, signal, () => flushes.anyoneWaiting);
    const writer = new BatchWriter(options.sink, signal, backoff, reporter);
    const chunkSize = options.maxBatchSize;
    const batching = this.diskFirst
      ? { maxWaitMs: options.flushIntervalMs, wake: () => this.wakeup.wakeAll() }
      : undefined;
    const replayer =
      overflow &&
      new Replayer({
        overflow,
        memory,
        writer,
        backoff,
        reporter,
        chunkSize,
        batching,
        release: this.release,
      });
    return new WriterLoop({
      memory,
      batcher: this.batcher,
      writer,
      replayer,
      spill: this.spill,
      flushes,
      wakeup: this.wakeup,
      closing: () => this.closing,
      release: this.release,
    });
  }

  /** Takes an item into memory, or spills it; true when taken. */
  private admit(item: T): boolean {
    const reason = this.spillReason();
    if (reason) {
      this.spill.spill([item], reason);
      return false;
    }
    this.memory.push(item);
    this.flushes.itemAccepted();
    return true;
  }

  /** Why a new item cannot go into memory now, if it cannot. */
  private spillReason(): SpillReason | undefined {
    if (this.closing) return 'shutdown';
    if (this.diskFirst) return 'disk_first';
    // Once full, the queue takes items again only when drained to half. Taking one item
    // whenever a slot frees up would interleave kept and spilled items finely, and the kept
    // ones would each pin a slab of the encoder's (line-bytes.ts): at 60,000 events/s into
    // InfluxDB 1.x a 32 MB queue held 140 MB of slabs that way. In long runs they pin few.
    if (this.memory.full) {
      this.refilling = true;
      return 'queue_full';
    }
    if (this.refilling) {
      if (!this.memory.drained) return 'queue_full';
      this.refilling = false;
    }
    // While the destination fails, everything goes to disk at once (the batch that failed
    // went there too, and is retried from there): memory would be lost to a crash during
    // the outage, the disk spool is not.
    if (this.overflow && this.reporter.failing && this.overflow.accepting?.() !== false) {
      return 'destination_down';
    }
    return undefined;
  }
}

/**
 * Waits for `work`, at most `deadlineMs`: then aborts the writes in flight. A sink that
 * ignores the abort gets a short grace, then its batch is accounted for by the caller (it
 * may still land: at-least-once).
 */
async function settleWithin(
  work: Promise<unknown>,
  deadlineMs: number,
  abort: AbortController,
): Promise<void> {
  let deadline: NodeJS.Timeout | undefined;
  let grace: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    deadline = setTimeout(
      () => {
        abort.abort();
        grace = setTimeout(resolve, ABORT_GRACE_MS);
      },
      Math.max(0, deadlineMs),
    );
  });
  try {
    await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(deadline);
    clearTimeout(grace);
  }
}
