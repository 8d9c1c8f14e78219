/**
 * The local store: a destination that keeps recent history in an embedded SQLite database
 * (Node 24's built-in `node:sqlite`), so the web UI has data to show and a small site can run
 * with no InfluxDB at all.
 *
 * It consumes the same `InfluxPoint` batches the InfluxDB sink gets, so it can sit behind a
 * delivery queue like any other sink (`write` is a `DeliverySink<InfluxPoint>.write`).
 * Disk use is bounded twice: by age (`retentionHours`) and by size (`maxBytes`, the database
 * file and its write-ahead log together; the oldest rows go first). Each batch is one transaction.
 *
 * Parts: rows.ts (point → row), maintenance.ts (retention and size cap), space.ts (page
 * counts), queries.ts (the read side), schema.ts (the layout).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { DeliveryError } from '../../delivery/types.ts';
import type { Logger } from '../../logging/logger.ts';
import type { InfluxPoint } from '../../mapping/shapes.ts';
import { StoreMaintenance, walBudgetOf } from './maintenance.ts';
import {
  type AsyncStoreReader,
  asyncReaderOf,
  QUERY_LIMITS,
  readerOf,
  type StoreReader,
  TIME_CAP_MARKER,
} from './queries.ts';
import { createQueryWorker, type QueryExecutor, queryError } from './query-worker.ts';
import { batchRows, type PointRow } from './rows.ts';
import { applyPragmas, createSchema } from './schema.ts';
import { allPagesBytes, usedBytes } from './space.ts';
import { type StatementRunner, statementRunner } from './statement-runner.ts';

export type {
  AsyncStoreReader,
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
export { QUERY_LIMITS, StoreBusyError, StoreQueryError } from './queries.ts';

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
  /** Bytes of database pages in use. */
  usedBytes: number;
  /** Database file plus write-ahead log on disk (what `maxBytes` bounds). */
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
  /**
   * The same queries, run off this thread (a worker with its own read-only connection) for a
   * file store, so none can stall intake; inline for `:memory:`. What the web UI uses.
   */
  reader(): AsyncStoreReader;
  /** Stores a batch in one transaction. Usable as a delivery-queue sink. */
  write(points: InfluxPoint[]): Promise<void>;
  /** Runs retention and the size cap now (they also run on a timer and after writes). */
  maintain(): void;
  stats(): LocalStoreStats;
  close(): void;
}

const MIB = 1024 * 1024;
const DEFAULT_MAX_BYTES = 200 * MIB;

/** What the write and stats paths share. */
interface StoreState {
  db: DatabaseSync;
  file: string;
  insert: StatementSync;
  maintenance: StoreMaintenance;
  now: () => number;
  maxBytes: number;
  retentionHours: number;
  written: number;
  rejected: number;
}

export function createLocalStore(options: LocalStoreOptions): LocalStore {
  const { file, log } = options;
  const now = options.now ?? Date.now;
  const retentionHours = options.retentionHours ?? 24;
  if (!(retentionHours > 0))
    throw new Error(`Local store: retentionHours must be > 0 (got ${retentionHours})`);
  const maxBytes = Math.max(MIB, options.maxBytes ?? DEFAULT_MAX_BYTES);

  const db = openDatabase(file, maxBytes);
  const state: StoreState = {
    db,
    file,
    insert: db.prepare('INSERT INTO points (time_ms, measurement, tags, fields) VALUES (?, ?, ?, ?)'),
    maintenance: new StoreMaintenance(db, {
      retentionHours,
      maxBytes,
      now,
      log,
      ...(file === ':memory:' ? {} : { file }),
    }),
    now,
    maxBytes,
    retentionHours,
    written: 0,
    rejected: 0,
  };
  let closed = false;
  const maintain = (): void => {
    if (!closed) state.maintenance.run();
  };
  const timer = setInterval(maintain, options.maintenanceIntervalMs ?? 10_000);
  timer.unref();
  const runner = statementRunner(db, 64, TIME_CAP_MARKER);
  let background: { executor?: QueryExecutor; reader: AsyncStoreReader } | undefined;

  return {
    ...readerOf((statements) => runInline(runner, statements), now),
    reader() {
      if (closed) throw new Error('Local store is closed');
      background ??= backgroundReader(file, runner, now);
      return background.reader;
    },
    async write(points: InfluxPoint[]): Promise<void> {
      if (closed) throw new Error('Local store is closed');
      writeBatch(state, points);
    },
    maintain,
    stats(): LocalStoreStats {
      if (closed) throw new Error('Local store is closed');
      return storeStats(state);
    },
    close(): void {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      void background?.executor?.close();
      try {
        db.exec('PRAGMA optimize');
      } catch {
        // Only a planner hint; closing must not fail because of it.
      }
      db.close();
    },
  };
}

/** Runs statements on the store's own connection, with the request time cap. */
function runInline(runner: StatementRunner, statements: Parameters<StatementRunner['run']>[0]) {
  try {
    return runner.run(statements, QUERY_LIMITS.timeCapMs) as never;
  } catch (error) {
    throw queryError((error as Error).message, QUERY_LIMITS.timeCapMs);
  }
}

/** A worker for a file store; for `:memory:` (which a second connection cannot see), this thread. */
function backgroundReader(file: string, runner: StatementRunner, now: () => number) {
  if (file === ':memory:') return { reader: asyncReaderOf(async (st) => runInline(runner, st), now) };
  const executor = createQueryWorker({ file });
  return { executor, reader: asyncReaderOf((st) => executor.run(st), now) };
}

/** Stores every point of the batch, or none when one of them is invalid. */
function writeBatch(state: StoreState, points: InfluxPoint[]): void {
  const { rows, bad, reasons } = batchRows(points, state.now());
  if (bad.length > 0) {
    // Nothing is written: the queue drops exactly the bad items and resends the rest.
    state.rejected += bad.length;
    throw new DeliveryError(`Local store: ${bad.length} invalid point(s): ${[...reasons].join(', ')}`, {
      kind: 'rejected',
      badItems: bad,
    });
  }
  if (rows.length === 0) return;
  insertAll(state, rows);
  state.written += rows.length;
  state.maintenance.written(rowBytes(rows));
}

function storeStats(state: StoreState): LocalStoreStats {
  const { db, file } = state;
  const rows = rowStats(db);
  return {
    file,
    rows: rows.n,
    usedBytes: usedBytes(db),
    diskBytes: diskBytes(db, file),
    maxBytes: state.maxBytes,
    retentionHours: state.retentionHours,
    oldestMs: rows.lo,
    newestMs: rows.hi,
    written: state.written,
    rejected: state.rejected,
    pruned: { ...state.maintenance.pruned },
  };
}

/** Opens (or creates) the database with the store's pragmas and schema. */
function openDatabase(file: string, maxBytes: number): DatabaseSync {
  let db: DatabaseSync;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new DatabaseSync(file);
  } catch (err) {
    throw new Error(`Local store: cannot open ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    // The WAL has its share of maxBytes (maintenance.ts): the file and the WAL together stay within it.
    applyPragmas(db, walBudgetOf(maxBytes));
    createSchema(db);
  } catch (err) {
    db.close();
    throw new Error(`Local store: cannot use ${file}: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

/** About the bytes a batch adds to the database (its texts; numbers and overhead are small). */
function rowBytes(rows: PointRow[]): number {
  let bytes = 0;
  for (const r of rows) bytes += 24 + r[1].length + r[2].length + r[3].length;
  return bytes;
}

/** Inserts every row in one transaction: all of them or none. */
function insertAll({ db, insert, maintenance }: StoreState, rows: PointRow[]): void {
  db.exec('BEGIN');
  try {
    for (const r of rows) {
      insert.run(r[0], r[1], r[2], r[3]);
      maintenance.measurementWritten(r[1]);
    }
    db.exec('COMMIT');
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw new Error(`Local store: write failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Row count and time range of the points table. */
function rowStats(db: DatabaseSync): { n: number; lo: number | null; hi: number | null } {
  return db.prepare('SELECT count(*) AS n, min(time_ms) AS lo, max(time_ms) AS hi FROM points').get() as {
    n: number;
    lo: number | null;
    hi: number | null;
  };
}

/** Database file plus write-ahead log (for `:memory:`, every page). */
function diskBytes(db: DatabaseSync, file: string): number {
  if (file === ':memory:') return allPagesBytes(db);
  let bytes = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      bytes += statSync(f).size;
    } catch {
      // The WAL file exists only while the database is open and written.
    }
  }
  return bytes;
}
