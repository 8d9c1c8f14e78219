/**
 * The local store's on-disk layout.
 *
 * One generic table holds every point, in the same shape the InfluxDB sink receives
 * (measurement, tags, fields, time), so the store needs no knowledge of record kinds and
 * keeps working when a new measurement appears. Why one table and not typed tables:
 * - the UI's hot queries are all "one measurement, recent time range" (charts) or "newest
 *   rows of one measurement" (log and user event streams); the single index
 *   (measurement, time_ms) serves both, and rowid order is insertion order, which makes
 *   the size cap a cheap rowid range delete;
 * - tags and fields are JSON text read with json_extract; the UI only filters the newest
 *   rows (see queries.ts), so no per-tag index is needed and inserts stay cheap.
 */
import type { DatabaseSync } from 'node:sqlite';

export const SCHEMA_VERSION = 1;

/** Pragmas set on every open. auto_vacuum must precede the first table to take effect. */
export function applyPragmas(db: DatabaseSync, walLimitBytes: number): void {
  db.exec('PRAGMA auto_vacuum = INCREMENTAL');
  db.exec('PRAGMA journal_mode = WAL');
  // NORMAL in WAL mode: a power cut can lose the last transactions but never corrupts the
  // file; the store holds recent history for the UI, not the system of record.
  db.exec('PRAGMA synchronous = NORMAL');
  // The WAL is checkpointed into the file at half its budget (at most SQLite's default of 1000
  // pages, so closing the store never has much to copy) and cut back to the budget after.
  db.exec(`PRAGMA journal_size_limit = ${Math.floor(walLimitBytes)}`);
  const pageSize = (db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size;
  const pages = Math.max(16, Math.min(1000, Math.floor(walLimitBytes / 2 / pageSize)));
  db.exec(`PRAGMA wal_autocheckpoint = ${pages}`);
  db.exec('PRAGMA temp_store = MEMORY');
  db.exec('PRAGMA busy_timeout = 2000');
}

export function createSchema(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS points (
      id          INTEGER PRIMARY KEY,
      time_ms     INTEGER NOT NULL,
      measurement TEXT    NOT NULL,
      tags        TEXT    NOT NULL,
      fields      TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS points_by_measurement_time ON points (measurement, time_ms);
    CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  `);
  const row = db.prepare("SELECT value FROM store_meta WHERE key = 'schema_version'").get() as
    | { value: string }
    | undefined;
  if (row === undefined) {
    db.prepare("INSERT INTO store_meta (key, value) VALUES ('schema_version', ?)").run(
      String(SCHEMA_VERSION),
    );
  } else if (Number(row.value) !== SCHEMA_VERSION) {
    throw new Error(
      `schema version ${row.value} is not supported (expected ${SCHEMA_VERSION}); move the file away to start afresh`,
    );
  }
}
