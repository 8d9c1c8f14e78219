/**
 * The disk spool: where a delivery queue puts what it cannot hold in memory, and
 * where it reads it back from when the destination recovers. Implements `Overflow<T>`.
 *
 * Files, in `<directory>/<name>/` (see `segment-files.ts`): append-only segments holding
 * CRC-checked frames (`format.ts`) and `cursor.json`, the durable commit position.
 *
 * Guarantees (details and the reasons behind them in docs/delivery.md):
 * - `accept` resolves once its items are written to the segment file (in the OS page cache):
 *   a crash of the process (`kill -9`) loses none of them. Data is fsynced every
 *   `fsyncIntervalMs` and on segment roll and close, so an OS crash or power cut can lose
 *   what was accepted since the last fsync (torn frames are then detected on open).
 * - Replay is oldest first: `peek` reads from the cursor, `commit` moves it. Items peeked but
 *   not committed are replayed again after a restart: at-least-once.
 * - At `maxBytes` the drop policy applies; every record dropped is counted by reason in
 *   `stats().droppedByReason` and warned about, rate-limited.
 * - Damaged frames (torn tail, flipped bits) are found when the spool opens, skipped, counted
 *   as `corrupt` and logged once; the good records around them are kept.
 *
 * This module is the front: it checks the options, runs every operation one at a time and
 * refuses work once closed. The parts, each in its own module, share one `Ledger` (where
 * everything is): `recovery.ts` fills it from what a previous run left, `writer.ts` appends
 * (with `capacity.ts` for drop_oldest), `reader.ts` replays, `commit.ts` moves the cursor.
 */
import type { Overflow } from '../types.ts';
import { type CommitParts, commitPeeked } from './commit.ts';
import { DropCounter } from './drops.ts';
import { Ledger } from './ledger.ts';
import { type DiskSpoolOptions, resolveOptions, type SpoolSettings } from './options.ts';
import { SpoolReader } from './reader.ts';
import { recoverSpool } from './recovery.ts';
import { SpoolWriter } from './writer.ts';

export { SPOOL_DROP_REASONS } from './drops.ts';
export { type DiskSpoolOptions, type SpoolDropPolicy, spoolNameFor } from './options.ts';

export interface DiskSpoolStats {
  /** Records waiting for replay (including those peeked but not committed). */
  records: number;
  /** Bytes of the segment files on disk (what `maxBytes` caps). */
  bytes: number;
  segments: number;
  /** Records the spool itself dropped, by reason: `spool_full`, `corrupt`, `undecodable`, ... */
  droppedByReason: Record<string, number>;
}

export interface DiskSpool<T> extends Overflow<T> {
  /** Resolves when the spool has opened (found and checked what a previous run left). */
  readonly ready: Promise<void>;
  stats(): DiskSpoolStats;
  /** Waits for pending work, fsyncs and closes files. Later accepts are refused. */
  close(): Promise<void>;
}

/** An error whose `reason` the delivery queue uses to count the items it could not spool. */
class SpoolError extends Error {
  readonly reason: string;
  constructor(message: string, reason: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SpoolError';
    this.reason = reason;
  }
}

/** Opens (or creates) a spool; `ready` tells when what a previous run left has been checked. */
export function createDiskSpool<T>(options: DiskSpoolOptions<T>): DiskSpool<T> {
  return new SpoolFront(resolveOptions(options));
}

class SpoolFront<T> implements DiskSpool<T> {
  readonly ready: Promise<void>;
  private readonly settings: SpoolSettings<T>;
  private readonly ledger = new Ledger();
  private readonly drops: DropCounter;
  private readonly reader: SpoolReader<T>;
  private readonly writer: SpoolWriter<T>;
  private readonly listeners: (() => void)[] = [];
  private readonly fsyncTimer: NodeJS.Timeout | undefined;
  private opened = false;
  private closed = false;
  private unavailable: Error | undefined;
  /** Every operation touching files or positions runs one at a time, in this chain. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(settings: SpoolSettings<T>) {
    this.settings = settings;
    const { ledger } = this;
    this.drops = new DropCounter(settings.warnIntervalMs, (since) => this.warnDropped(since));
    this.reader = new SpoolReader(settings, ledger, this.drops);
    this.writer = new SpoolWriter(settings, ledger, this.reader, this.drops);
    this.ready = this.open();
    this.fsyncTimer = this.startFsyncTimer();
  }

  async accept(items: T[]): Promise<void> {
    if (items.length === 0) return;
    await this.ready;
    await this.serial(() => {
      this.throwIfRefused('accept items'); // checked in turn: close() may have run meanwhile
      return this.writer.append(items);
    });
  }

  accepting(): boolean {
    return this.refusal('accept items') === undefined;
  }

  size(): number {
    return this.reader.cached + this.ledger.unread;
  }

  async peek(max: number): Promise<T[]> {
    await this.ready;
    if (this.refusal('replay')) return [];
    const wanted = Math.max(0, Math.floor(max));
    return this.serial(async () =>
      this.closed ? this.reader.peekCached(wanted) : await this.reader.peek(wanted),
    );
  }

  async commit(count: number): Promise<void> {
    await this.ready;
    await this.serial(() => {
      this.throwIfRefused('commit');
      const { settings, ledger, reader, writer } = this;
      const parts: CommitParts<T> = { settings, ledger, reader, writer };
      return commitPeeked(parts, count);
    });
  }

  onAvailable(listener: () => void): void {
    this.listeners.push(listener);
    if (this.opened && this.ledger.unread > 0) queueMicrotask(() => this.notify(listener));
  }

  stats(): DiskSpoolStats {
    const { ledger } = this;
    return {
      records: this.size(),
      bytes: ledger.usedBytes,
      segments: ledger.segments.length,
      droppedByReason: this.drops.byReason(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.ready;
    await this.serial(async () => {
      this.closed = true;
      if (this.fsyncTimer) clearInterval(this.fsyncTimer);
      this.drops.stop();
      await this.reader.detach();
      await this.writer.roll();
    });
  }

  private serial<R>(operation: () => Promise<R>): Promise<R> {
    const run = this.chain.then(operation);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Recovers what a previous run left; a folder that cannot be used makes the spool unavailable. */
  private open(): Promise<void> {
    const { settings, ledger, drops } = this;
    return this.serial(() => recoverSpool(settings, ledger, drops)).then(
      () => {
        this.opened = true;
        if (ledger.unread > 0) for (const listener of this.listeners) this.notify(listener);
      },
      (error: unknown) => {
        this.unavailable = error instanceof Error ? error : new Error(String(error));
        settings.log.error(
          `SPOOL: ${settings.name}: cannot use spool folder ${settings.folder}; items that overflow will be dropped`,
          { error: this.unavailable.message },
        );
      },
    );
  }

  private notify(listener: () => void): void {
    try {
      listener();
    } catch (error) {
      this.settings.log.error(
        `SPOOL: ${this.settings.name}: an onAvailable listener failed: ${(error as Error).message}`,
      );
    }
  }

  private startFsyncTimer(): NodeJS.Timeout | undefined {
    const { fsyncIntervalMs, log, name } = this.settings;
    if (fsyncIntervalMs === 0) return undefined;
    const timer = setInterval(() => {
      if (!this.writer.dirty) return;
      this.serial(() => this.writer.sync()).catch((error: Error) =>
        log.warn(`SPOOL: ${name}: fsync failed: ${error.message}`),
      );
    }, fsyncIntervalMs);
    timer.unref();
    return timer;
  }

  private warnDropped(since: Record<string, number>): void {
    const { log, name, dropPolicy: policy, maxBytes } = this.settings;
    log.warn(`SPOOL: ${name}: records dropped`, { dropped: since, policy, maxBytes, ...this.stats() });
  }

  private refusal(what: string): SpoolError | undefined {
    const { name } = this.settings;
    if (this.closed) return new SpoolError(`disk spool ${name} is closed; cannot ${what}`, 'spool_closed');
    if (this.unavailable) {
      return new SpoolError(
        `disk spool ${name} is unavailable (${this.unavailable.message}); cannot ${what}`,
        'spool_unavailable',
        this.unavailable,
      );
    }
    return undefined;
  }

  private throwIfRefused(what: string): void {
    const refused = this.refusal(what);
    if (refused) throw refused;
  }
}
