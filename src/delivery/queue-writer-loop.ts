/**
 * The writers of a queue. Each takes the next piece of work, a memory batch that is due or a
 * chunk replayed from the overflow store, writes it, and sleeps when there is none. Memory
 * batches and replay take turns so that neither starves. Replay waits while the queue closes.
 * With an overflow store, a memory batch that fails is handed to the store and retried from
 * there. One writer (the default) means one write in flight, so batches keep their order.
 */
import type { Batcher } from './queue-batcher.ts';
import type { FlushAccounting } from './queue-flush.ts';
import type { MemoryQueue } from './queue-memory.ts';
import type { Replayer } from './queue-replay.ts';
import type { SpillHandOver } from './queue-spill.ts';
import type { BatchWriter } from './queue-writer.ts';
import type { SpillReason } from './types.ts';

/** Where writers sleep when there is no work; anything that may bring work wakes them all. */
export class WriterWakeup {
  private sleepers: (() => void)[] = [];

  sleep(): Promise<void> {
    return new Promise((resolve) => this.sleepers.push(resolve));
  }

  wakeAll(): void {
    const sleepers = this.sleepers;
    this.sleepers = [];
    for (const wake of sleepers) wake();
  }
}

export interface WriterLoopParts<T> {
  memory: MemoryQueue<T>;
  batcher: Batcher<T>;
  writer: BatchWriter<T>;
  /** Without an overflow store there is nothing to replay. */
  replayer: Replayer<T> | undefined;
  /**
   * Takes what a write left unwritten: when the queue aborted it, or, with an overflow store,
   * when the destination failed (the batch is then retried from the store, peek then commit).
   */
  spill: SpillHandOver<T>;
  flushes: FlushAccounting;
  wakeup: WriterWakeup;
  closing: () => boolean;
  /** Tells the sink items are no longer held (see DeliverySink.release). */
  release: (items: readonly T[]) => void;
}

/** The items of `batch` that are not in `left` (`left` holds items of `batch`, in order). */
function leftOut<T>(batch: readonly T[], left: readonly T[]): readonly T[] {
  if (left.length === 0) return batch;
  if (left.length === batch.length) return [];
  const kept = new Set(left);
  return batch.filter((item) => !kept.has(item));
}

/** A memory batch being written; `done` once accounted for (by its writer or by close()). */
interface MemoryWrite<T> {
  batch: T[];
  done: boolean;
}

export class WriterLoop<T> {
  private readonly parts: WriterLoopParts<T>;
  /** Whose turn is next when both memory batches and replay have work. */
  private preferReplay = false;
  /** Memory batches being written, so that close() can account for a write that never ends. */
  private readonly writes = new Set<MemoryWrite<T>>();

  constructor(parts: WriterLoopParts<T>) {
    this.parts = parts;
  }

  /** One writer; resolves when the queue is closing and nothing is left in memory. */
  async run(): Promise<void> {
    const { batcher, replayer, memory, wakeup } = this.parts;
    for (;;) {
      const canReplay = replayer !== undefined && !this.parts.closing() && replayer.ready;
      const batch = canReplay && this.preferReplay ? undefined : batcher.next(this.batchForced());
      if (batch) {
        this.preferReplay = true;
        await this.writeMemoryBatch(batch);
        continue;
      }
      if (canReplay) {
        this.preferReplay = false;
        if (await replayer.replayChunk()) continue;
      }
      if (this.parts.closing() && memory.waiting === 0) return;
      await wakeup.sleep();
    }
  }

  /**
   * At the close deadline: the writes still running are accounted for as unwritten (handed
   * to the overflow store or dropped), though they may still land (at-least-once).
   */
  abandonWrites(): void {
    for (const write of [...this.writes]) this.finish(write, write.batch, 'shutdown', true);
  }

  /** A flush or close waits: partial batches go out at once. */
  private batchForced(): boolean {
    return this.parts.closing() || this.parts.flushes.anyoneWaiting;
  }

  private async writeMemoryBatch(batch: T[]): Promise<void> {
    const write: MemoryWrite<T> = { batch, done: false };
    this.writes.add(write);
    this.parts.memory.startWrite(batch);
    const { writer, replayer } = this.parts;
    const left = await writer.write(batch, replayer?.storeAccepting === true);
    if (write.done) return;
    const reason = writer.aborted ? 'shutdown' : 'destination_down';
    this.finish(write, left, reason);
    if (reason === 'destination_down' && left.length > 0) await writer.retryElsewhere();
  }

  private finish(write: MemoryWrite<T>, left: T[], reason: SpillReason, abandoned = false): void {
    write.done = true;
    this.writes.delete(write);
    this.parts.memory.endWrite(write.batch);
    // What was delivered or refused is free now; what is left is freed once the store took it.
    if (!abandoned) this.parts.release(leftOut(write.batch, left));
    this.parts.spill.spill(left, reason, !abandoned);
    this.parts.flushes.itemsSettled(write.batch.length);
    if (reason === 'destination_down' && left.length > 0) {
      // What waits behind the failed batch would wait in memory for the outage to end.
      const waiting = this.parts.memory.takeAll();
      this.parts.spill.spill(waiting, reason);
      this.parts.flushes.itemsSettled(waiting.length);
    }
  }
}
