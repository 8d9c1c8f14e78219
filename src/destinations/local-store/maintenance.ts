/**
 * Keeping the local store within its bounds: rows older than the retention go (per
 * measurement, in chunks), then the oldest rows while the store's footprint on disk (the
 * database file and its write-ahead log) would exceed `maxBytes`.
 *
 * The WAL gets a fixed share of the cap (walBudgetOf): SQLite checkpoints it into the file
 * when it reaches half of that share, and after a prune (deleting writes pages to the WAL too)
 * it is checkpointed and truncated here. The pages in use get the rest; free pages left by a
 * prune are handed back to the file system when the file would otherwise pass the cap.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Logger } from '../../logging/logger.ts';
import { fileBytes, freeBytes, pragmaNumber, usedBytes } from './space.ts';

const MIB = 1024 * 1024;
/** Keep this share of maxBytes after a size prune, so pruning runs in chunks, not per batch. */
const PRUNE_TARGET = 0.9;
/** Rows deleted per retention statement; keeps one maintenance step short. */
const RETENTION_CHUNK = 50_000;
/** Check the size cap after this share of maxBytes was written (pragma reads are cheap but not free). */
const SIZE_CHECK_EVERY_SHARE = 1 / 32;

/** The WAL's share of the cap: an eighth, at most 16 MiB (SQLite's default checkpoint is at 4 MB). */
export function walBudgetOf(maxBytes: number): number {
  return Math.floor(Math.min(16 * MIB, maxBytes / 8));
}

export interface MaintenanceOptions {
  retentionHours: number;
  maxBytes: number;
  now: () => number;
  log: Logger;
  /** The database file, for its size and its WAL's; absent for `:memory:`. */
  file?: string;
}

export class StoreMaintenance {
  /** Rows deleted since start, by cause. */
  readonly pruned = { age: 0, size: 0 };
  readonly #db: DatabaseSync;
  readonly #options: MaintenanceOptions;
  readonly #deleteOld: StatementSync;
  readonly #deleteUpTo: StatementSync;
  readonly #idRange: StatementSync;
  /** Measurements present, so retention can use the (measurement, time_ms) index. */
  readonly #measurements: Set<string>;
  #bytesSinceSizeCheck = 0;

  constructor(db: DatabaseSync, options: MaintenanceOptions) {
    this.#db = db;
    this.#options = options;
    this.#deleteOld = db.prepare(
      'DELETE FROM points WHERE id IN (SELECT id FROM points WHERE measurement = ? AND time_ms < ? LIMIT ?)',
    );
    this.#deleteUpTo = db.prepare('DELETE FROM points WHERE id <= ?');
    this.#idRange = db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM points');
    const present = db.prepare('SELECT DISTINCT measurement FROM points').all() as Array<{
      measurement: string;
    }>;
    this.#measurements = new Set(present.map((r) => r.measurement));
  }

  /** Notes a measurement being written, for retention. */
  measurementWritten(measurement: string): void {
    this.#measurements.add(measurement);
  }

  /** Notes a committed batch of about `bytes`; checks the size cap every 1/32 of maxBytes written. */
  written(bytes: number): void {
    this.#bytesSinceSizeCheck += bytes;
    if (this.#bytesSinceSizeCheck < this.#options.maxBytes * SIZE_CHECK_EVERY_SHARE) return;
    try {
      this.pruneBySize();
    } catch (err) {
      this.#options.log.warn(`LOCAL STORE: size cap check failed: ${(err as Error).message}`);
    }
  }

  /** Retention, size cap, free pages; a failure is logged (the next run tries again). */
  run(): void {
    try {
      this.pruneByAge();
      this.pruneBySize();
      this.releaseFreePages();
    } catch (err) {
      this.#options.log.warn(`LOCAL STORE: maintenance failed: ${(err as Error).message}`);
    }
  }

  pruneByAge(): void {
    const { retentionHours, now, log } = this.#options;
    const cutoff = now() - retentionHours * 3_600_000;
    let deleted = 0;
    for (const m of this.#measurements) {
      for (;;) {
        const changes = Number(this.#deleteOld.run(m, cutoff, RETENTION_CHUNK).changes);
        deleted += changes;
        if (changes < RETENTION_CHUNK) break;
      }
    }
    if (deleted > 0) {
      this.pruned.age += deleted;
      log.debug(`LOCAL STORE: deleted ${deleted} points older than ${retentionHours} hours`);
    }
  }

  /**
   * Deletes the oldest rows while the pages in use pass their share of the cap, then gives
   * the WAL and the free pages back so the file and the WAL together stay within maxBytes.
   */
  pruneBySize(): void {
    const { maxBytes, log } = this.#options;
    this.#bytesSinceSizeCheck = 0;
    const dataBudget = maxBytes - walBudgetOf(maxBytes);
    let deleted = 0;
    // Rowids grow with insertion, so "oldest first" is a rowid range; the share to delete
    // is estimated from the byte overshoot and refined for a few rounds.
    for (let round = 0; round < 4; round++) {
      const used = usedBytes(this.#db);
      if (used <= dataBudget) break;
      const { lo, hi } = this.#idRange.get() as { lo: number | null; hi: number | null };
      if (lo === null || hi === null) break;
      const share = Math.min(1, (used - dataBudget * PRUNE_TARGET) / used);
      const upTo = lo + Math.max(1, Math.ceil((hi - lo + 1) * share)) - 1;
      deleted += Number(this.#deleteUpTo.run(upTo).changes);
    }
    if (deleted > 0) {
      this.pruned.size += deleted;
      log.verbose(
        `LOCAL STORE: size cap ${Math.round(maxBytes / MIB)} MiB reached, deleted ${deleted} oldest points`,
      );
    }
    this.#fitOnDisk(deleted > 0);
  }

  releaseFreePages(): void {
    // Free pages are reused by later inserts; only hand back a large surplus (e.g. after
    // maxBytes was lowered), so the file shrinks without a full VACUUM.
    if (freeBytes(this.#db) > this.#options.maxBytes * 0.25) this.#db.exec('PRAGMA incremental_vacuum');
  }

  /** File plus WAL within maxBytes: free pages beyond the pages' share handed back, the WAL truncated. */
  #fitOnDisk(pruned: boolean): void {
    const { file, maxBytes } = this.#options;
    if (file === undefined) return;
    const walBudget = walBudgetOf(maxBytes);
    const pageSize = pragmaNumber(this.#db, 'page_size');
    // After a prune the pages in use fit their share, so pages past it are free ones; fewer free
    // pages than that are kept, as later inserts reuse them.
    const surplus = Math.ceil(
      (pragmaNumber(this.#db, 'page_count') * pageSize - (maxBytes - walBudget)) / pageSize,
    );
    if (surplus > 0) this.#db.exec(`PRAGMA incremental_vacuum(${surplus})`);
    // A reader in the middle of a query can hold the WAL; then the next check truncates it.
    if (pruned || surplus > 0 || fileBytes(`${file}-wal`) > walBudget) {
      this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    }
  }
}
