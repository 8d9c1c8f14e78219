/**
 * Runs planned read statements on a database connection: prepared statements kept in a bounded
 * least-recently-used cache (each query shape is one statement; shapes are many, memory is
 * not), rows read up to a bound, and a time cap that SQLite itself enforces: every planned
 * statement calls `within_cap()` for each row it looks at, and that function throws once the
 * request's time is up, which ends the statement with that error.
 *
 * The same function runs in this thread (the store's own reader) and in the query worker,
 * which receives its source text (query-worker.ts). So it imports nothing, names none of its
 * inner functions (a bundler would wrap named ones in a helper the worker does not have) and
 * uses only what a worker has: its arguments and globals.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';

export interface RunnerStatement {
  sql: string;
  params: SQLInputValue[];
  maxRows?: number;
}

export interface StatementRunner {
  /** Rows of each statement, in order; throws an Error whose message holds `marker` past the cap. */
  run(statements: RunnerStatement[], capMs: number): Array<Array<Record<string, unknown>>>;
  /** Statements held in the cache. */
  readonly cached: number;
  /**
   * Statements dropped from the cache so far. Their memory is SQLite's and returns only when
   * the garbage collector finalises them (V8 does not see that memory, so it may wait long) or
   * when the connection closes: an owner that can reopen its connection does so now and then.
   */
  readonly evicted: number;
}

export function statementRunner(db: DatabaseSync, cacheSize: number, marker: string): StatementRunner {
  const cache = new Map<string, StatementSync>();
  let deadline = Number.POSITIVE_INFINITY;
  let evicted = 0;
  // Not deterministic: SQLite must call it for every row, never once per statement.
  db.function('within_cap', () => {
    if (performance.now() > deadline) throw new Error(marker);
    return 1;
  });
  // A JS function rather than SQLite's lower(), which only folds ASCII letters.
  db.function('text_contains', { deterministic: true }, (haystack, needle) =>
    typeof haystack === 'string' && typeof needle === 'string' && haystack.toLowerCase().includes(needle)
      ? 1
      : 0,
  );
  return {
    run(statements, capMs) {
      deadline = performance.now() + capMs;
      try {
        return statements.map((s) => {
          let statement = cache.get(s.sql);
          if (statement === undefined) statement = db.prepare(s.sql);
          else cache.delete(s.sql);
          cache.set(s.sql, statement);
          if (cache.size > cacheSize) {
            cache.delete(cache.keys().next().value as string);
            evicted++;
          }
          if (s.maxRows === undefined) return statement.all(...s.params) as Array<Record<string, unknown>>;
          const rows: Array<Record<string, unknown>> = [];
          for (const row of statement.iterate(...s.params)) {
            rows.push(row as Record<string, unknown>);
            if (rows.length > s.maxRows) break;
          }
          return rows;
        });
      } finally {
        deadline = Number.POSITIVE_INFINITY;
      }
    },
    get cached() {
      return cache.size;
    },
    get evicted() {
      return evicted;
    },
  };
}
