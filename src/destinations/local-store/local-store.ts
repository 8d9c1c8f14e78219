/**
 * The local store: a destination that keeps recent history in an embedded SQLite database
 * (Node 24's built-in `node:sqlite`), so the web UI has data to show and a small site can run
 * with no InfluxDB at all.
 *
 * It consumes the same `InfluxPoint` batches the InfluxDB sink gets, so it can sit behind a
 * delivery queue like any other sink (`write` is a `DeliverySink<InfluxPoint>.write`).
 * Disk use is bounded twice: by age (`retentionHours`) and by size (`maxBytes`, the pages in
 * use; the oldest rows go first). Each batch is one transaction.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { DeliveryError } from '../../delivery/types.ts';
import type { Logger } from '../../logging/logger.ts';
import type { InfluxPoint } from '../../mapping/shapes.ts';
import { createReader, type StoreReader } from './queries.ts';
import { applyPragmas, createSchema } from './schema.ts';

export type {
  EventRow,
  EventsQuery,
  FacetsQuery,
  FieldMap,
  LatestPoint,
  LatestQuery,
  Series,
  SeriesQuery,
  SeriesResult,
  TagMap,
} from './queries.ts';
export { StoreQueryError } from './queries.ts';

export interface LocalStoreOptions {
  /** Database file; `:memory:` for a store that lives only as long as the process. */
  file: string;
  /** Points older than this are deleted (default 24). */
  retentionHours?: number;
  /** Upper bound on the database pages in use, in bytes (default 200 MiB, minimum 1 MiB). */
  maxBytes?: number;
  log: Logger;
  /** Clock, for tests. */
  now?: () => number;
  /** How often retention and the size cap run in the background (default 10 s). */
  maintenanceIntervalMs?: number;
}

export interface LocalStoreStats {
  file: string;
  rows: number;
  /** Bytes of database pages in use (what `maxBytes` bounds). */
  usedBytes: number;
  /** Database file plus write-ahead log on disk. */
  diskBytes: number;
  maxBytes: number;
  retentionHours: number;
  oldestMs: number | null;
  newestMs: number | null;
  /** Points written since start. */
  written: number;
  /** Points refused as invalid since start. */
  rejected: number;
  /** Rows deleted since start, by cause. */
  pruned: { age: number; size: number };
}

export interface LocalStore extends StoreReader {
  /** Stores a batch in one transaction. Usable as a delivery-queue sink. */
  write(points: InfluxPoint[]): Promise<void>;
  /** Runs retention and the size cap now (they also run on a timer and after writes). */
  maintain(): void;
  stats(): LocalStoreStats;
  close(): void;
}

const MIB = 1024 * 1024;
const DEFAULT_MAX_BYTES = 200 * MIB;
/** Keep this share of maxBytes after a size prune, so pruning runs in chunks, not per batch. */
const PRUNE_TARGET = 0.9;
/** Rows deleted per retention statement; keeps one maintenance step short. */
const RETENTION_CHUNK = 50_000;
/** Check the size cap after this many written rows (pragma reads are cheap but not free). */
const SIZE_CHECK_EVERY_ROWS = 5000;

type FieldValue = number | string | boolean;

/** Turns one point into row values, or a reason why it cannot be stored. */
function toRow(p: unknown, nowMs: number): [number, string, string, string] | string {
  if (typeof p !== 'object' || p === null) return 'not an object';
  const point = p as Partial<InfluxPoint>;
  if (typeof point.measurement !== 'string' || point.measurement === '') return 'no measurement';
  const fieldsIn = point.fields;
  if (typeof fieldsIn !== 'object' || fieldsIn === null) return 'no fields';
  const fields: Record<string, FieldValue> = {};
  let fieldCount = 0;
  for (const name in fieldsIn) {
    const f = fieldsIn[name];
    const v = f?.value;
    // Non-finite numbers are skipped, as the InfluxDB sinks do
    // (docs/reference/influxdb.md#field-types-per-version).
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) {
      fields[name] = v;
      fieldCount++;
    }
  }
  if (fieldCount === 0) return 'no valid field';
  const tags: Record<string, string> = {};
  const tagsIn = point.tags;
  if (typeof tagsIn === 'object' && tagsIn !== null) {
    for (const name in tagsIn) {
      const v = tagsIn[name];
      if (typeof v === 'string' && v !== '') tags[name] = v;
    }
  }
  const t = point.timeMs;
  const timeMs = typeof t === 'number' && Number.isFinite(t) ? Math.floor(t) : nowMs;
  return [timeMs, point.measurement, JSON.stringify(tags), JSON.stringify(fields)];
}

export function createLocalStore(options: LocalStoreOptions): LocalStore {
  const { file, log } = options;
  const now = options.now ?? Date.now;
  const retentionHours = options.retentionHours ?? 24;
  if (!(retentionHours > 0))
    throw new Error(`Local store: retentionHours must be > 0 (got ${retentionHours})`);
  const maxBytes = Math.max(MIB, options.maxBytes ?? DEFAULT_MAX_BYTES);
  const retentionMs = retentionHours * 3_600_000;

  let db: DatabaseSync;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new DatabaseSync(file);
  } catch (err) {
    throw new Error(`Local store: cannot open ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    // The WAL is bounded separately so the whole footprint stays near maxBytes.
    applyPragmas(db, Math.min(64 * MIB, maxBytes / 4));
    createSchema(db);
  } catch (err) {
    db.close();
    throw new Error(`Local store: cannot use ${file}: ${(err as Error).message}`, { cause: err });
  }

  const insert = db.prepare('INSERT INTO points (time_ms, measurement, tags, fields) VALUES (?, ?, ?, ?)');
  const pragma = (name: string) => (db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[name] ?? 0;
  const stmt = {
    deleteOld: db.prepare(
      'DELETE FROM points WHERE id IN (SELECT id FROM points WHERE measurement = ? AND time_ms < ? LIMIT ?)',
    ),
    deleteUpTo: db.prepare('DELETE FROM points WHERE id <= ?'),
    idRange: db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM points'),
    measurements: db.prepare('SELECT DISTINCT measurement FROM points'),
  } satisfies Record<string, StatementSync>;

  const reader = createReader(db, now);
  const measurements = new Set(
    (stmt.measurements.all() as Array<{ measurement: string }>).map((r) => r.measurement),
  );
  let closed = false;
  let written = 0;
  let rejected = 0;
  let rowsSinceSizeCheck = 0;
  const pruned = { age: 0, size: 0 };

  const usedBytes = () => (pragma('page_count') - pragma('freelist_count')) * pragma('page_size');

  function pruneByAge(): void {
    const cutoff = now() - retentionMs;
    let deleted = 0;
    for (const m of measurements) {
      for (;;) {
        const { changes } = stmt.deleteOld.run(m, cutoff, RETENTION_CHUNK);
        deleted += Number(changes);
        if (Number(changes) < RETENTION_CHUNK) break;
      }
    }
    if (deleted > 0) {
      pruned.age += deleted;
      log.debug(`LOCAL STORE: deleted ${deleted} points older than ${retentionHours} hours`);
    }
  }

  function pruneBySize(): void {
    rowsSinceSizeCheck = 0;
    // Rowids grow with insertion, so "oldest first" is a rowid range; the share to delete
    // is estimated from the byte overshoot and refined for a few rounds.
    for (let round = 0; round < 4; round++) {
      const used = usedBytes();
      if (used <= maxBytes) return;
      const { lo, hi } = stmt.idRange.get() as { lo: number | null; hi: number | null };
      if (lo === null || hi === null) return;
      const share = Math.min(1, (used - maxBytes * PRUNE_TARGET) / used);
      const upTo = lo + Math.max(1, Math.ceil((hi - lo + 1) * share)) - 1;
      const { changes } = stmt.deleteUpTo.run(upTo);
      pruned.size += Number(changes);
      log.verbose(
        `LOCAL STORE: size cap ${Math.round(maxBytes / MIB)} MiB reached, deleted ${changes} oldest points`,
      );
    }
  }

  function releaseFreePages(): void {
    // Free pages are reused by later inserts; only hand back a large surplus (e.g. after
    // maxBytes was lowered), so the file shrinks without a full VACUUM.
    const free = pragma('freelist_count') * pragma('page_size');
    if (free > maxBytes * 0.25) db.exec('PRAGMA incremental_vacuum');
  }

  function maintain(): void {
    if (closed) return;
    try {
      pruneByAge();
      pruneBySize();
      releaseFreePages();
    } catch (err) {
      log.warn(`LOCAL STORE: maintenance failed: ${(err as Error).message}`);
    }
  }

  const timer = setInterval(maintain, options.maintenanceIntervalMs ?? 10_000);
  timer.unref();

  return {
    ...reader,

    async write(points: InfluxPoint[]): Promise<void> {
      if (closed) throw new Error('Local store is closed');
      const nowMs = now();
      const rows: Array<[number, string, string, string]> = [];
      const bad: number[] = [];
      const reasons = new Set<string>();
      for (let i = 0; i < points.length; i++) {
        const row = toRow(points[i], nowMs);
        if (typeof row === 'string') {
          bad.push(i);
          reasons.add(row);
        } else rows.push(row);
      }
      if (bad.length > 0) {
        // Nothing is written: the queue drops exactly the bad items and resends the rest.
        rejected += bad.length;
        throw new DeliveryError(`Local store: ${bad.length} invalid point(s): ${[...reasons].join(', ')}`, {
          kind: 'rejected',
          badItems: bad,
        });
      }
      if (rows.length === 0) return;
      db.exec('BEGIN');
      try {
        for (const r of rows) {
          insert.run(r[0], r[1], r[2], r[3]);
          measurements.add(r[1]);
        }
        db.exec('COMMIT');
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw new Error(`Local store: write failed: ${(err as Error).message}`, { cause: err });
      }
      written += rows.length;
      rowsSinceSizeCheck += rows.length;
      if (rowsSinceSizeCheck >= SIZE_CHECK_EVERY_ROWS) {
        try {
          pruneBySize();
        } catch (err) {
          log.warn(`LOCAL STORE: size cap check failed: ${(err as Error).message}`);
        }
      }
    },

    maintain,

    stats(): LocalStoreStats {
      if (closed) throw new Error('Local store is closed');
      const r = db
        .prepare('SELECT count(*) AS n, min(time_ms) AS lo, max(time_ms) AS hi FROM points')
        .get() as {
        n: number;
        lo: number | null;
        hi: number | null;
      };
      let diskBytes = 0;
      if (file !== ':memory:') {
        for (const f of [file, `${file}-wal`]) {
          try {
            diskBytes += statSync(f).size;
          } catch {
            // The WAL file exists only while the database is open and written.
          }
        }
      } else diskBytes = pragma('page_count') * pragma('page_size');
      return {
        file,
        rows: r.n,
        usedBytes: usedBytes(),
        diskBytes,
        maxBytes,
        retentionHours,
        oldestMs: r.lo,
        newestMs: r.hi,
        written,
        rejected,
        pruned: { ...pruned },
      };
    },

    close(): void {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      try {
        db.exec('PRAGMA optimize');
      } catch {
        // Only a planner hint; closing must not fail because of it.
      }
      db.close();
    },
  };
}
