/**
 * Sense log database poller (docs/reference/sense-apis.md#qlogs-log-database; upstream ≤ v10,
 * described in the product's docs). Every `pollingInterval` ms it reads warnings, errors and fatals
 * of the last `queryPeriod` from `QLogs.public.log_entries` and emits each row exactly once.
 *
 * Fixed compared with upstream (docs/reference/sense-apis.md#edge-cases-of-the-log-database): rows
 * are de-duplicated by id across polls (upstream re-read each row about five times), the level list
 * and the period are query parameters (never SQL text), no level selected is a startup error, a row
 * with a null or odd payload is emitted with an empty message instead of aborting the poll, and a
 * poll still running when the next is due makes that tick skip.
 *
 * De-duplication: see seen-ids.ts (bounded to `seenCapacity`).
 */
import pg from 'pg';
import type { Logger } from '../../logging/logger.ts';
import { systemTimers, type Timers } from '../../ops/timers.ts';
import type { LogDbRecord } from '../../records/logdb.ts';
import { type LogRow, logRowToRecord } from './log-row.ts';
import { logDbPeriodMs } from './period.ts';
import { SeenIds } from './seen-ids.ts';

export interface LogDbPollerOptions {
  /** `logdb.host`. */
  host: string;
  /** `logdb.port`. */
  port: number;
  /** Database name (Sense: `QLogs`). */
  database?: string;
  /** `logdb.qlogsReaderUser`. */
  user: string;
  /** `logdb.qlogsReaderPwd`. */
  password: string;
  /** `logdb.pollingInterval`, ms. */
  pollingInterval: number;
  /** `logdb.queryPeriod`, e.g. `5 minutes`. */
  queryPeriod: string;
  /** `logdb.extractErrors` (default true): levels ERROR and FATAL. */
  extractErrors?: boolean;
  /** `logdb.extractWarnings` (default true): level WARN. */
  extractWarnings?: boolean;
  /** `logdb.extractInfo` (default false): level INFO. */
  extractInfo?: boolean;
  log: Logger;
  onRecord: (record: LogDbRecord) => void;
  /** Called once per failed poll (for error tracking). */
  onError?: (error: unknown) => void;
  timers?: Timers;
  /** Emitted ids remembered for de-duplication (default 50 000). */
  seenCapacity?: number;
  /** Rows fetched per query; a poll pages through more (default 5 000). */
  pageSize?: number;
  connectionTimeoutMs?: number;
  queryTimeoutMs?: number;
}

export interface LogDbPoller {
  /** Runs one poll now; resolves with the number of rows emitted (0 when skipped or failed). */
  pollOnce(): Promise<number>;
  /** Stops the timer and closes the connection pool. */
  stop(): Promise<void>;
}

const QUERY = `SELECT id::text AS id, entry_timestamp, entry_level, process_host, process_name, payload
FROM public.log_entries
WHERE entry_level = ANY($1::text[])
  AND entry_timestamp > now() - $2::interval
  AND id > $3::bigint
ORDER BY id
LIMIT $4`;

/** What each query asks for. */
interface LogDbQuery {
  levels: string[];
  period: string;
  pageSize: number;
}

/** Validates the options (throws naming the key) and builds the query parameters. */
function queryOf(options: LogDbPollerOptions): LogDbQuery {
  const levels: string[] = [];
  if (options.extractErrors !== false) levels.push('ERROR', 'FATAL');
  if (options.extractWarnings !== false) levels.push('WARN');
  if (options.extractInfo === true) levels.push('INFO');
  if (levels.length === 0) {
    throw new Error('logdb: extractErrors, extractWarnings and extractInfo are all false; nothing to read');
  }
  const period = options.queryPeriod;
  if (logDbPeriodMs(period) === undefined) {
    throw new Error(`logdb.queryPeriod: "${period}" is not a period such as "5 minutes" or "1 hour"`);
  }
  if (!Number.isFinite(options.pollingInterval) || options.pollingInterval < 1000) {
    throw new Error('logdb.pollingInterval: must be a number of milliseconds, at least 1000');
  }
  return { levels, period, pageSize: options.pageSize ?? 5000 };
}

/** One connection at most, kept between polls when they are close together. */
function openPool(options: LogDbPollerOptions): pg.Pool {
  const pool = new pg.Pool({
    host: options.host,
    port: options.port,
    database: options.database ?? 'QLogs',
    user: options.user,
    password: options.password,
    max: 1,
    idleTimeoutMillis: Math.max(options.pollingInterval * 2, 30_000),
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    query_timeout: options.queryTimeoutMs ?? 30_000,
    application_name: 'butler-sos',
  });
  // Errors of idle connections (database restarted, network cut) arrive here; the next
  // poll reconnects. Without a listener they would crash the process.
  pool.on('error', (error) =>
    options.log.warn(`LOG DB: Connection to the log database lost: ${error.message}`),
  );
  return pool;
}

/** Pages through the rows above the floor, in id order; `onNew` gets each row not seen before. */
async function readNewRows(
  pool: pg.Pool,
  query: LogDbQuery,
  seen: SeenIds,
  onNew: (row: LogRow) => void,
): Promise<void> {
  let cursor = seen.floor;
  for (;;) {
    const result = await pool.query<LogRow>(QUERY, [
      query.levels,
      query.period,
      cursor.toString(),
      query.pageSize,
    ]);
    for (const row of result.rows) {
      cursor = BigInt(row.id);
      if (seen.admit(row.id, cursor)) onNew(row);
    }
    if (result.rows.length < query.pageSize) return;
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createLogDbPoller(options: LogDbPollerOptions): LogDbPoller {
  const query = queryOf(options);
  const { log } = options;
  const seen = new SeenIds(options.seenCapacity ?? 50_000);
  const pool = openPool(options);
  let running = false;
  let failing = false;

  const emit = (row: LogRow): void => {
    try {
      options.onRecord(logRowToRecord(row));
    } catch (error) {
      log.error(`LOG DB: Error handling log row ${row.id}: ${messageOf(error)}`);
    }
  };

  const pollOnce = async (): Promise<number> => {
    if (running) {
      log.debug('LOG DB: Previous query still running; skipping this poll');
      return 0;
    }
    running = true;
    let emitted = 0;
    try {
      await readNewRows(pool, query, seen, (row) => {
        emitted++;
        emit(row);
      });
      if (failing) log.info('LOG DB: Log database reachable again');
      failing = false;
      log.verbose(`LOG DB: ${emitted} new log rows`);
    } catch (error) {
      // One error line per outage; the rest at debug, so a down database does not flood the log.
      const text = `LOG DB: Error querying the log database: ${messageOf(error)}`;
      if (!failing) log.error(text);
      else log.debug(text);
      failing = true;
      options.onError?.(error);
    } finally {
      running = false;
    }
    return emitted;
  };

  return {
    pollOnce,
    stop: () => pool.end(),
  };
}

/**
 * Starts polling: once immediately (a deliberate difference: upstream waited one interval),
 * then every `pollingInterval` ms.
 */
export function startLogDbPoller(options: LogDbPollerOptions): LogDbPoller {
  const poller = createLogDbPoller(options);
  const timers = options.timers ?? systemTimers;
  let stopped = false;
  let handle: unknown;
  const tick = (): void => {
    if (stopped) return;
    void poller.pollOnce().finally(() => {
      if (!stopped) handle = timers.setTimeout(tick, options.pollingInterval);
    });
  };
  tick();
  return {
    pollOnce: poller.pollOnce,
    async stop() {
      stopped = true;
      if (handle !== undefined) timers.clearTimeout(handle);
      await poller.stop();
    },
  };
}
