/**
 * The audit API's journal: what makes a 202 mean "durably accepted". Each accepted envelope is
 * written to a disk spool and fsynced before its answer is sent (requests that arrive while a
 * write is under way are written together, one fsync for all); an envelope the journal cannot
 * take (cap reached, disk error) is answered 503 instead.
 *
 * An entry stays until every audit destination that took its record has stored it (or refused
 * it for good) and says so through the record's receipt; entries are forgotten oldest first,
 * so the journal keeps everything from the oldest unsettled entry on. After a crash or a stop
 * that could not flush, what is left is handed out again on the next start (`readBacklog`):
 * at-least-once, and the destinations write it idempotently where they can (InfluxDB points
 * carry the event's time and id; JSON files are named by event id).
 *
 * Positions number the entries of this run's journal: those left by a previous run first
 * (0 .. backlog-1), then those appended now, in write order.
 */
import { createDiskSpool, type DiskSpool } from '../../delivery/spool/index.ts';
import type { Logger } from '../../logging/logger.ts';

export interface JournalOptions {
  /** Folder holding the journal's own folder (`audit-journal`). */
  directory: string;
  /** Cap on the journal's bytes on disk; beyond it new envelopes are refused. */
  maxBytes: number;
  log: Logger;
  /** Most envelopes written with one fsync (default 512). */
  maxGroup?: number;
}

export interface JournalStats {
  /** Entries on disk, not yet forgotten. */
  records: number;
  bytes: number;
  /** Entries refused (cap reached or a write failed). */
  refused: number;
}

/** Per record, frame and segment overhead of the spool format, generously rounded. */
const FRAME_BYTES = 16;
const SEGMENT_RESERVE = 64 * 1024;

interface Pending {
  text: string;
  resolve: (position: number | undefined) => void;
}

export class AuditJournal {
  readonly #spool: DiskSpool<string>;
  readonly #maxBytes: number;
  readonly #maxGroup: number;
  readonly #log: Logger;
  /** Entries of a previous run, found at open. */
  #backlog = 0;
  /** Backlog entries handed out by readBacklog so far. */
  #handedOut = 0;
  /** Position the next appended entry gets. */
  #nextPosition = 0;
  /** Entries forgotten (committed) so far: the position of the oldest one kept. */
  #committed = 0;
  readonly #settled = new Set<number>();
  #pending: Pending[] = [];
  #writing: Promise<void> | undefined;
  /** Reads and commits run one at a time, in this chain. */
  #chain: Promise<unknown> = Promise.resolve();
  #commitScheduled = false;
  #refused = 0;
  #closed = false;

  private constructor(options: JournalOptions) {
    this.#maxBytes = options.maxBytes;
    this.#maxGroup = options.maxGroup ?? 512;
    this.#log = options.log;
    this.#spool = createDiskSpool<string>({
      directory: options.directory,
      name: 'audit-journal',
      maxBytes: options.maxBytes,
      dropPolicy: 'drop_newest',
      fsyncIntervalMs: 0,
      encode: (text) => text,
      decode: (text) => text,
      log: options.log,
    });
  }

  /** Opens the journal and finds what a previous run left (`backlog`). */
  static async open(options: JournalOptions): Promise<AuditJournal> {
    const journal = new AuditJournal(options);
    await journal.#spool.ready;
    journal.#backlog = journal.#spool.size();
    journal.#nextPosition = journal.#backlog;
    return journal;
  }

  /** Entries a previous run left that are not handed out yet. */
  get backlogLeft(): number {
    return this.#backlog - this.#handedOut;
  }

  /**
   * Writes one entry durably; resolves with its position once fsynced, or undefined when the
   * journal refused it (full, or the write failed).
   */
  append(text: string): Promise<number | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#pending.push({ text, resolve });
      this.#writing ??= this.#drain();
    });
  }

  /** Up to `max` more entries of the previous run's backlog, oldest first, with their positions. */
  readBacklog(max: number): Promise<{ position: number; text: string }[]> {
    return this.#serial(async () => {
      const count = Math.min(max, this.backlogLeft);
      if (count <= 0) return [];
      const first = this.#handedOut;
      const items = await this.#spool.peek(first + count - this.#committed);
      const texts = items.slice(first - this.#committed);
      this.#handedOut += texts.length;
      return texts.map((text, i) => ({ position: first + i, text }));
    });
  }

  /** The entry at `position` is stored everywhere it should be; it is forgotten in order. */
  settle(position: number): void {
    if (position < this.#committed) return;
    this.#settled.add(position);
    if (position !== this.#committed || this.#commitScheduled) return;
    this.#commitScheduled = true;
    void this.#serial(() => this.#commitSettled());
  }

  stats(): JournalStats {
    const spool = this.#spool.stats();
    return { records: spool.records, bytes: spool.bytes, refused: this.#refused };
  }

  /** Writes what is pending, forgets what is settled, fsyncs and closes. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#writing;
    await this.#serial(() => this.#commitSettled());
    await this.#spool.close();
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const group = this.#pending.splice(0, this.#maxGroup);
      const ok = await this.#write(group.map((p) => p.text));
      for (const entry of group) entry.resolve(ok ? this.#nextPosition++ : undefined);
      if (!ok) this.#refused += group.length;
    }
    this.#writing = undefined;
  }

  /** One write and fsync of a group; false when the group was refused. */
  async #write(texts: string[]): Promise<boolean> {
    const stats = this.#spool.stats();
    const bytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text) + FRAME_BYTES, 0);
    if (stats.bytes + bytes + SEGMENT_RESERVE > this.#maxBytes) {
      this.#log.warn(`AUDIT API: journal full (${stats.bytes} bytes); ${texts.length} event(s) refused`);
      return false;
    }
    const droppedBefore = totalDropped(stats.droppedByReason);
    try {
      // The reason is the delivery queue's bookkeeping; the spool itself ignores it.
      await this.#spool.accept(texts, 'queue_full');
    } catch (error) {
      this.#log.error(`AUDIT API: journal write failed: ${(error as Error).message}`);
      return false;
    }
    // The spool counts what it could not write instead of throwing.
    return totalDropped(this.#spool.stats().droppedByReason) === droppedBefore;
  }

  async #commitSettled(): Promise<void> {
    this.#commitScheduled = false;
    let count = 0;
    while (this.#settled.delete(this.#committed + count)) count++;
    if (count === 0) return;
    // The spool forgets only what it has read: read up to the end of the settled run first.
    await this.#spool.peek(count);
    await this.#spool.commit(count);
    this.#committed += count;
    if (this.#settled.has(this.#committed)) await this.#commitSettled();
  }

  #serial<R>(operation: () => Promise<R>): Promise<R> {
    const run = this.#chain.then(operation);
    this.#chain = run.catch((error: Error) => this.#log.error(`AUDIT API: journal: ${error.message}`));
    return run;
  }
}

function totalDropped(byReason: Record<string, number>): number {
  let total = 0;
  for (const count of Object.values(byReason)) total += count;
  return total;
}
