/**
 * The delivery queue every push sink sits behind: a bounded in-memory FIFO, batching by size
 * and time, retry with exponential backoff and jitter, splitting of rejected batches, an
 * optional overflow store (the disk spool) for what memory cannot hold, and a flush
 * with a deadline on close. Every item ends up delivered, in the overflow store, or counted
 * as dropped with a reason; drops and errors are logged, rate-limited.
 *
 * One write is in flight per queue (or `concurrency` writes, when configured), so a slow or
 * dead destination never gets a pile of parallel requests and the order of batches is kept.
 */
import type { Logger } from '../logging/logger.ts';
import {
  DeliveryError,
  type DeliverySink,
  type DeliveryStats,
  type DropReason,
  type Overflow,
  type SpillReason,
} from './types.ts';

export interface RetryOptions {
  /** First backoff delay. */
  initialMs: number;
  /** Largest backoff delay; the delay doubles per failed attempt up to this. */
  maxMs: number;
  /**
   * Share of the delay that is random: 0 = none, 1 (or true) = "full jitter" (a uniformly
   * random delay between 0 and the exponential value), which spreads the retries of many
   * agents after a shared outage.
   */
  jitter: number | boolean;
}

export interface DeliveryQueueOptions<T> {
  /** Destination name used in logs and stats, e.g. `InfluxDB v1 at http://host:8086 db=SenseOps`. */
  name: string;
  sink: DeliverySink<T>;
  /** Most items held in memory (waiting plus in flight). */
  maxQueued: number;
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

/** How long a sink may take to give up a write after it was aborted at the close deadline. */
const ABORT_GRACE_MS = 100;

export function createDeliveryQueue<T>(options: DeliveryQueueOptions<T>): DeliveryQueue<T> {
  const { sink, overflow, maxBatchSize, flushIntervalMs } = options;
  const maxQueued = Math.max(1, options.maxQueued);
  const log = options.log.child({ destination: options.name });
  const random = options.random ?? Math.random;
  const reportIntervalMs = options.reportIntervalMs ?? 10_000;

  // FIFO of waiting items: an array with a moving head (shift() is O(n) on big arrays).
  let buffer: T[] = [];
  let head = 0;
  const waiting = () => buffer.length - head;

  let inFlight = 0;
  let delivered = 0;
  let retried = 0;
  let overflowed = 0;
  const dropped: Record<string, number> = {};
  let lastError: { message: string; at: string } | undefined;

  // Flush bookkeeping: items that entered the memory queue, and those settled since.
  let accepted = 0;
  let settled = 0;
  let flushWaiters: { target: number; resolve: () => void }[] = [];

  let closing = false;
  let closed = false;
  const abort = new AbortController();
  let flushDue = false;
  let flushTimer: NodeJS.Timeout | undefined;
  let wakers: (() => void)[] = [];
  let preferReplay = false;
  let replaying = false;

  // Overflow hand-over: items are collected and handed over once per tick, in order.
  let spillItems: T[] = [];
  let spillReason: SpillReason = 'queue_full';
  let spillChain: Promise<void> = Promise.resolve();
  let spillScheduled = false;

  // ---- reporting -------------------------------------------------------------------------
  let reported: Record<string, number> = {};
  let reportedOverflowed = 0;
  let lastReportAt = 0;
  let reportTimer: NodeJS.Timeout | undefined;
  let failing = false;

  function report(): void {
    reportTimer = undefined;
    lastReportAt = Date.now();
    const newDrops: Record<string, number> = {};
    for (const [reason, count] of Object.entries(dropped)) {
      const delta = count - (reported[reason] ?? 0);
      if (delta > 0) newDrops[reason] = delta;
    }
    reported = { ...dropped };
    const s = stats();
    if (overflowed > reportedOverflowed) {
      log.warn(
        `delivery to ${options.name}: ${overflowed - reportedOverflowed} items moved to the overflow store`,
        {
          ...s,
        },
      );
      reportedOverflowed = overflowed;
    }
    if (Object.keys(newDrops).length > 0) {
      log.warn(`delivery to ${options.name}: items dropped`, {
        newDrops,
        ...s,
        ...(newDrops.rejected && lastRejection ? { lastRejection } : {}),
      });
    } else if (failing && lastError) {
      log.warn(`delivery to ${options.name} still failing: ${lastError.message}`, { ...s });
    }
  }
  function noteChange(): void {
    if (reportTimer) return;
    const wait = lastReportAt + reportIntervalMs - Date.now();
    if (wait <= 0) report();
    else {
      reportTimer = setTimeout(report, wait);
      reportTimer.unref();
    }
  }

  /** Rejected items are counted and reported with the latest reason, rate-limited like
   * every drop (a batch of bad points must not turn into one log line per point). */
  let lastRejection: string | undefined;
  function rejected(count: number, message: string): void {
    lastRejection = message;
    drop('rejected', count);
  }

  function drop(reason: DropReason, count: number): void {
    if (count <= 0) return;
    dropped[reason] = (dropped[reason] ?? 0) + count;
    noteChange();
  }

  // ---- overflow --------------------------------------------------------------------------
  function spill(items: T[], reason: SpillReason): void {
    if (items.length === 0) return;
    if (!overflow) {
      drop(reason, items.length);
      return;
    }
    if (spillItems.length > 0 && spillReason !== reason) scheduleSpillNow();
    spillReason = reason;
    for (const item of items) spillItems.push(item);
    if (!spillScheduled) {
      spillScheduled = true;
      queueMicrotask(scheduleSpillNow);
    }
  }
  function scheduleSpillNow(): void {
    spillScheduled = false;
    const items = spillItems;
    const reason = spillReason;
    if (items.length === 0 || !overflow) return;
    spillItems = [];
    spillChain = spillChain.then(async () => {
      try {
        await overflow.accept(items, reason);
        overflowed += items.length;
        noteChange();
        wakeWriter();
      } catch (error) {
        const why = (error as { reason?: unknown }).reason;
        drop(typeof why === 'string' ? why : 'overflow_failed', items.length);
        log.error(`delivery to ${options.name}: overflow store could not take ${items.length} items`, {
          error: errorMessage(error),
        });
      }
    });
  }

  // ---- intake ----------------------------------------------------------------------------
  function push(item: T): boolean {
    if (closing) {
      spill([item], 'shutdown');
      return false;
    }
    if (waiting() + inFlight >= maxQueued) {
      spill([item], 'queue_full');
      return false;
    }
    // While the destination fails, what cannot go in the next batch goes to disk at once:
    // memory would be lost to a crash during the outage, the disk spool is not.
    if (failing && overflow && waiting() >= maxBatchSize) {
      spill([item], 'destination_down');
      return false;
    }
    buffer.push(item);
    accepted++;
    return true;
  }
  function afterPush(): void {
    if (waiting() >= maxBatchSize) wakeWriter();
    else if (waiting() > 0 && !flushTimer && !flushDue) {
      flushTimer = setTimeout(() => {
        flushTimer = undefined;
        flushDue = true;
        wakeWriter();
      }, flushIntervalMs);
      flushTimer.unref();
    }
  }

  function wakeWriter(): void {
    const ws = wakers;
    wakers = [];
    for (const w of ws) w();
  }

  // ---- writer ----------------------------------------------------------------------------
  function takeMemoryBatch(): T[] | undefined {
    const n = waiting();
    if (n === 0) return undefined;
    if (n < maxBatchSize && !flushDue && !closing && flushWaiters.length === 0) return undefined;
    const count = Math.min(n, maxBatchSize);
    const batch = buffer.slice(head, head + count);
    head += count;
    if (head === buffer.length) {
      buffer = [];
      head = 0;
    } else if (head > 4096 && head * 2 > buffer.length) {
      buffer = buffer.slice(head);
      head = 0;
    }
    if (waiting() === 0) {
      flushDue = false;
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
    } else if (waiting() < maxBatchSize && !flushDue) afterPush();
    return batch;
  }

  /** Memory batches being written, so that close() can account for a write that never ends. */
  const jobs = new Set<{ batch: T[]; done: boolean }>();
  function finishJob(job: { batch: T[]; done: boolean }, left: T[]): void {
    job.done = true;
    jobs.delete(job);
    inFlight -= job.batch.length;
    spill(left, 'shutdown');
    settle(job.batch.length);
  }

  function settle(count: number): void {
    settled += count;
    if (flushWaiters.length === 0) return;
    const still: typeof flushWaiters = [];
    for (const w of flushWaiters) {
      if (settled >= w.target) w.resolve();
      else still.push(w);
    }
    flushWaiters = still;
  }

  async function writerLoop(): Promise<void> {
    for (;;) {
      const canReplay = overflow !== undefined && !closing && !replaying && overflow.size() > 0;
      let batch: T[] | undefined;
      if (!(canReplay && preferReplay)) batch = takeMemoryBatch();
      if (batch) {
        preferReplay = true;
        const job = { batch, done: false };
        jobs.add(job);
        inFlight += batch.length;
        const left = await deliver(batch);
        if (!job.done) finishJob(job, left);
        continue;
      }
      if (canReplay) {
        preferReplay = false;
        replaying = true;
        try {
          const items = await overflow.peek(maxBatchSize);
          if (items.length > 0) {
            inFlight += items.length;
            const left = await deliver(items);
            inFlight -= items.length;
            // When the queue closes mid-chunk nothing is committed: the whole chunk stays in the
            // overflow store and is replayed again later (at-least-once).
            if (left.length === 0) await overflow.commit(items.length);
            continue;
          }
        } catch (error) {
          log.error(`delivery to ${options.name}: replay from the overflow store failed`, {
            error: errorMessage(error),
          });
          await backoff(1);
        } finally {
          replaying = false;
        }
      }
      if (closing && waiting() === 0) return;
      await new Promise<void>((resolve) => wakers.push(resolve));
    }
  }

  /** Writes a batch until delivered, rejected items dropped, or aborted; returns unwritten items. */
  async function deliver(batch: T[]): Promise<T[]> {
    const parts: T[][] = [batch];
    let attempt = 0;
    while (parts.length > 0) {
      if (abort.signal.aborted) return parts.flat();
      const part = parts[0]!;
      try {
        await sink.write(part, abort.signal);
        delivered += part.length;
        parts.shift();
        attempt = 0;
        if (failing) {
          failing = false;
          log.info(`delivery to ${options.name} recovered`, { delivered, retried });
        }
      } catch (error) {
        if (abort.signal.aborted) return parts.flat();
        const deliveryError =
          error instanceof DeliveryError
            ? error
            : new DeliveryError(errorMessage(error), { kind: 'retryable', cause: error });
        lastError = { message: deliveryError.message, at: new Date().toISOString() };
        if (deliveryError.kind === 'retryable') {
          if (!failing) {
            failing = true;
            log.warn(`delivery to ${options.name} failed, will retry: ${deliveryError.message}`, {
              items: part.length,
            });
          } else noteChange();
          attempt++;
          await backoff(attempt);
          if (abort.signal.aborted) return parts.flat();
          retried++;
          continue;
        }
        attempt = 0;
        const bad = validIndexes(deliveryError.badItems, part.length);
        if (bad.size > 0) {
          rejected(bad.size, deliveryError.message);
          const good = part.filter((_, i) => !bad.has(i));
          if (good.length > 0) parts[0] = good;
          else parts.shift();
        } else if (part.length > 1) {
          const half = Math.ceil(part.length / 2);
          parts.splice(0, 1, part.slice(0, half), part.slice(half));
        } else {
          rejected(1, deliveryError.message);
          parts.shift();
        }
      }
    }
    return [];
  }

  function backoff(attempt: number): Promise<void> {
    const delay = backoffDelay(attempt, options.retry, random);
    return new Promise((resolve) => {
      const timer = setTimeout(done, delay);
      // A queue alone does not keep the process alive, unless someone awaits flush().
      if (flushWaiters.length === 0) timer.unref();
      abort.signal.addEventListener('abort', done, { once: true });
      function done(): void {
        clearTimeout(timer);
        abort.signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }

  overflow?.onAvailable?.(wakeWriter);
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const writers = Array.from({ length: concurrency }, () => writerLoop());

  function stats(): DeliveryStats {
    return {
      queued: waiting(),
      inFlight,
      spooled: overflow ? overflow.size() + spillItems.length : 0,
      overflowed,
      delivered,
      retried,
      dropped: { ...dropped },
      ...(lastError ? { lastError: { ...lastError } } : {}),
    };
  }

  return {
    enqueue(item) {
      if (push(item)) afterPush();
    },
    enqueueMany(items) {
      let any = false;
      for (const item of items) any = push(item) || any;
      if (any) afterPush();
    },
    flush() {
      const target = accepted;
      if (settled >= target) return spillChain;
      return new Promise<void>((resolve) => {
        flushWaiters.push({ target, resolve: () => resolve(spillChain) });
        wakeWriter();
      });
    },
    async close(deadlineMs) {
      if (closed) return;
      closing = true;
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      wakeWriter();
      // At the deadline the write in flight is aborted; a sink that ignores the abort gets a
      // short grace, then its batch is accounted for here (it may still land: at-least-once).
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
        await Promise.race([Promise.all(writers), timedOut]);
      } finally {
        clearTimeout(deadline);
        clearTimeout(grace);
      }
      for (const job of [...jobs]) finishJob(job, job.batch);
      // Anything still waiting (only when aborted) goes to the overflow store or is dropped.
      const rest = buffer.slice(head);
      buffer = [];
      head = 0;
      spill(rest, 'shutdown');
      settle(rest.length);
      scheduleSpillNow();
      await spillChain;
      closed = true;
      if (reportTimer) clearTimeout(reportTimer);
      report();
      log.info(`delivery to ${options.name} closed`, { ...stats() });
    },
    stats,
  };
}

/** Delay before retry number `attempt` (1-based): exponential, capped, with jitter. */
export function backoffDelay(
  attempt: number,
  retry: RetryOptions,
  random: () => number = Math.random,
): number {
  const jitter =
    retry.jitter === true ? 1 : retry.jitter === false ? 0 : Math.min(1, Math.max(0, retry.jitter));
  const exponential = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(attempt - 1, 30));
  return exponential * (1 - jitter * random());
}

function validIndexes(indexes: readonly number[] | undefined, length: number): Set<number> {
  const set = new Set<number>();
  for (const i of indexes ?? []) if (Number.isInteger(i) && i >= 0 && i < length) set.add(i);
  return set;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
