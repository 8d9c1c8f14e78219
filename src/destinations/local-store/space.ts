/** How much room the local store's database takes, from SQLite's page counts. */
import type { DatabaseSync } from 'node:sqlite';

export function pragmaNumber(db: DatabaseSync, name: string): number {
  return (db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[name] ?? 0;
}

/** Bytes of the pages in use (the file's pages minus the free list): what `maxBytes` bounds. */
export function usedBytes(db: DatabaseSync): number {
  return (
    (pragmaNumber(db, 'page_count') - pragmaNumber(db, 'freelist_count')) * pragmaNumber(db, 'page_size')
  );
}

/** Bytes of free pages, kept in the file for later inserts. */
export function freeBytes(db: DatabaseSync): number {
  return pragmaNumber(db, 'freelist_count') * pragmaNumber(db, 'page_size');
}

/** Bytes of every page, used or free: the size of an in-memory database. */
export function allPagesBytes(db: DatabaseSync): number {
  return pragmaNumber(db, 'page_count') * pragmaNumber(db, 'page_size');
}
