/**
 * Replay from the overflow store, one chunk at a time: peek the oldest items, write them
 * like fresh ones (same retries, same handling of refused items), and only then commit them
 * out of the store, so nothing is lost between reading an item back and delivering it
 * (at-least-once). One chunk is replayed at a time, whatever the number of writers.
 */
import type { Backoff } from './queue-backoff.ts';
import type { MemoryQueue } from './queue-memory.ts';
import type { DeliveryReporter } from './queue-reporter.ts';
import type { BatchWriter } from './queue-writer.ts';
import type { Overflow } from './types.ts';

export interface ReplayParts<T> {
  overflow: Overflow<T>;
  /** Counts the chunk being written against the memory bound. */
  memory: MemoryQueue<T>;
  writer: BatchWriter<T>;
  backoff: Backoff;
  reporter: DeliveryReporter;
  chunkSize: number;
  /** Tells the sink items are no longer held (see DeliverySink.release). */
  release: (items: readonly T[]) => void;
  /**
   * Disk-first mode: every item comes through the store, so replay batches like the memory
   * path does: a chunk is due once `chunkSize` items wait, or `maxWaitMs` after the first
   * (then `wake` is called). Without it, whatever waits is replayed at once.
   */
  batching?: { maxWaitMs: number; wake: () => void };
}

export class Replayer<T> {
  private readonly parts: ReplayParts<T>;
  private replaying = false;
  /** Batching: the wait for a full chunk has passed. */
  private due = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(parts: ReplayParts<T>) {
    this.parts = parts;
  }

  /** The store can take items now (a failed batch may be handed to it). */
  get storeAccepting(): boolean {
    return this.parts.overflow.accepting?.() !== false;
  }

  /** The store holds items (a full chunk, or they waited long enough) and no chunk is being replayed. */
  get ready(): boolean {
    if (this.replaying) return false;
    const size = this.parts.overflow.size();
    if (size === 0) return false;
    const batching = this.parts.batching;
    if (batching === undefined || this.due || size >= this.parts.chunkSize) return true;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = true;
        batching.wake();
      }, batching.maxWaitMs);
      // A queue alone does not keep the process alive.
      this.timer.unref();
    }
    return false;
  }

  /** Replays one chunk; false when there was nothing to replay or reading it back failed. */
  async replayChunk(): Promise<boolean> {
    const { overflow, memory, writer } = this.parts;
    this.replaying = true;
    this.due = false;
    try {
      const items = await overflow.peek(this.parts.chunkSize);
      if (items.length === 0) return false;
      memory.startWrite(items, true);
      const left = await writer.write(items);
      memory.endWrite(items, true);
      // When the queue closes mid-chunk nothing is committed: the whole chunk stays in the
      // overflow store and is replayed again later (at-least-once).
      if (left.length === 0) {
        await overflow.commit(items.length);
        // Out of the store's cache too: nothing reads these items any more.
        this.parts.release(items);
      }
      return true;
    } catch (error) {
      this.parts.reporter.error('replay from the overflow store failed', error);
      await this.parts.backoff.wait(1);
      return false;
    } finally {
      this.replaying = false;
    }
  }
}
