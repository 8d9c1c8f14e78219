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
}

export class Replayer<T> {
  private readonly parts: ReplayParts<T>;
  private replaying = false;

  constructor(parts: ReplayParts<T>) {
    this.parts = parts;
  }

  /** The store holds items and no chunk is being replayed. */
  get ready(): boolean {
    return !this.replaying && this.parts.overflow.size() > 0;
  }

  /** Replays one chunk; false when there was nothing to replay or reading it back failed. */
  async replayChunk(): Promise<boolean> {
    const { overflow, memory, writer } = this.parts;
    this.replaying = true;
    try {
      const items = await overflow.peek(this.parts.chunkSize);
      if (items.length === 0) return false;
      memory.startWrite(items.length);
      const left = await writer.write(items);
      memory.endWrite(items.length);
      // When the queue closes mid-chunk nothing is committed: the whole chunk stays in the
      // overflow store and is replayed again later (at-least-once).
      if (left.length === 0) await overflow.commit(items.length);
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
