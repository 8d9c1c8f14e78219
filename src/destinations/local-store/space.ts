/** How much room the local store's database takes, from SQLite's page counts and the files. */
import { statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';

/** Size of a file on disk; 0 when it does not exist (the WAL exists only while the store is open). */
export function fileBytes(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

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
