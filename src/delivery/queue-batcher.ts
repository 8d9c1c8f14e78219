/**
 * When waiting items become a batch: as soon as a full batch waits, or once the flush
 * interval has passed since items started waiting, or at once when forced (a flush() or
 * close() is waiting for them). A batch never holds more than `maxBatchSize` items.
 */
import type { MemoryQueue } from './queue-memory.ts';

export class Batcher<T> {
  private readonly memory: MemoryQueue<T>;
  private readonly maxBatchSize: number;
  private readonly flushIntervalMs: number;
  /** Wakes the writers: a batch is ready. */
  private readonly wakeWriters: () => void;
  /** The flush interval has passed: partial batches go out until nothing waits. */
  private due = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    memory: MemoryQueue<T>,
    maxBatchSize: number,
    flushIntervalMs: number,
    wakeWriters: () => void,
  ) {
    this.memory = memory;
    this.maxBatchSize = maxBatchSize;
    this.flushIntervalMs = flushIntervalMs;
    this.wakeWriters = wakeWriters;
  }

  /** Items were added to the memory queue. */
  itemsAdded(): void {
    const waiting = this.memory.waiting;
    if (waiting >= this.maxBatchSize) this.wakeWriters();
    else if (waiting > 0 && !this.timer && !this.due) this.startTimer();
  }

  /** The next batch, or undefined when none is due yet. */
  next(force: boolean): T[] | undefined {
    const waiting = this.memory.waiting;
    if (waiting === 0) return undefined;
    if (waiting < this.maxBatchSize && !this.due && !force) return undefined;
    const batch = this.memory.take(this.maxBatchSize);
    const left = this.memory.waiting;
    if (left === 0) {
      this.due = false;
      this.stopTimer();
    } else if (left < this.maxBatchSize && !this.timer && !this.due) this.startTimer();
    return batch;
  }

  stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Called only when no timer runs and the interval has not passed yet. */
  private startTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = true;
      this.wakeWriters();
    }, this.flushIntervalMs);
    // A queue alone does not keep the process alive.
    this.timer.unref();
  }
}
