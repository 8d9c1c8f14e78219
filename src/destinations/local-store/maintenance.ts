/**
 * Keeping the local store within its bounds: rows older than the retention go (per
 * measurement, in chunks), then the oldest rows while the pages in use exceed `maxBytes`,
 * and a large surplus of free pages is handed back to the file system.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Logger } from '../../logging/logger.ts';
import { freeBytes, usedBytes } from './space.ts';

const MIB = 1024 * 1024;
/** Keep this share of maxBytes after a size prune, so pruning runs in chunks, not per batch. */
const PRUNE_TARGET = 0.9;
/** Rows deleted per retention statement; keeps one maintenance step short. */
const RETENTION_CHUNK = 50_000;
/** Check the size cap after this many written rows (pragma reads are cheap but not free). */
const SIZE_CHECK_EVERY_ROWS = 5000;

export interface MaintenanceOptions {
  retentionHours: number;
  maxBytes: number;
  now: () => number;
  log: Logger;
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
  #rowsSinceSizeCheck = 0;

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

  /** Notes a committed batch; checks the size cap every SIZE_CHECK_EVERY_ROWS rows. */
  rowsWritten(rows: number): void {
    this.#rowsSinceSizeCheck += rows;
    if (this.#rowsSinceSizeCheck < SIZE_CHECK_EVERY_ROWS) return;
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

  pruneBySize(): void {
    const { maxBytes, log } = this.#options;
    this.#rowsSinceSizeCheck = 0;
    // Rowids grow with insertion, so "oldest first" is a rowid range; the share to delete
    // is estimated from the byte overshoot and refined for a few rounds.
    for (let round = 0; round < 4; round++) {
      const used = usedBytes(this.#db);
      if (used <= maxBytes) return;
      const { lo, hi } = this.#idRange.get() as { lo: number | null; hi: number | null };
      if (lo === null || hi === null) return;
      const share = Math.min(1, (used - maxBytes * PRUNE_TARGET) / used);
      const upTo = lo + Math.max(1, Math.ceil((hi - lo + 1) * share)) - 1;
      const { changes } = this.#deleteUpTo.run(upTo);
      this.pruned.size += Number(changes);
      log.verbose(
        `LOCAL STORE: size cap ${Math.round(maxBytes / MIB)} MiB reached, deleted ${changes} oldest points`,
      );
    }
  }

  releaseFreePages(): void {
    // Free pages are reused by later inserts; only hand back a large surplus (e.g. after
    // maxBytes was lowered), so the file shrinks without a full VACUUM.
    if (freeBytes(this.#db) > this.#options.maxBytes * 0.25) this.#db.exec('PRAGMA incremental_vacuum');
  }
}
