/**
 * Error tracking as upstream v15 (docs/reference/runtime.md#error-tracking): counts per error type and server
 * for the current UTC day, a summary in the log, a reset at UTC midnight, and one
 * `ErrorEventRecord` per error for InfluxDB `butler_sos_errors`.
 *
 * Differences from upstream, on purpose: the summary line is logged at most once per
 * `summaryIntervalMs` (upstream logs it after every single error), and the caller must not
 * report failures to write error events back here (upstream fed back on itself when
 * InfluxDB was down, docs/reference/destinations.md#error-tracking-and-failed-polls).
 */
import type { Logger } from '../logging/logger.ts';
import type { ErrorContext, ErrorEventRecord, ErrorType } from '../records/error-event.ts';
import { ERROR_TYPE_BY_POLL_KIND, type FailedPollRecord } from '../records/failed-poll.ts';
import { errorCategory } from './error-category.ts';
import { classifyError } from './error-classify.ts';
import { systemTimers, type Timers } from './timers.ts';

export { classifyError };

export interface ErrorTrackerOptions {
  /** `errorTracking.enable`; only an explicit `false` disables (a missing key counts as on). */
  enable?: boolean;
  /** `errorTracking.logSummary.enable` (default true). */
  logSummary?: boolean;
  /**
   * Called with one record per error when error events go to InfluxDB
   * (`errorTracking.influxdb.enable` and `influxdbConfig.enable`); omit otherwise.
   */
  onErrorEvent?: (record: ErrorEventRecord) => void;
  log: Logger;
  /** Shortest gap between two summary lines (default 60 s). */
  summaryIntervalMs?: number;
  timers?: Timers;
}

export interface ErrorCountsSummary {
  total: number;
  details: Record<string, { total: number; servers: Record<string, number> }>;
}

export interface ErrorTracker {
  /** Counts one error. `error` is only inspected for codes, status and addresses. */
  increment(type: ErrorType, serverName: string, context?: ErrorContext, error?: unknown): void;
  /** Counts one failed Sense poll (HEALTH_API / PROXY_API / APP_NAMES_EXTRACT). */
  trackFailedPoll(record: FailedPollRecord): void;
  /** Today's counts (UTC). */
  summary(): ErrorCountsSummary;
  stop(): void;
}

export function createErrorTracker(options: ErrorTrackerOptions): ErrorTracker {
  const { log } = options;
  const enabled = options.enable !== false;
  const timers = options.timers ?? systemTimers;
  const counts = new DailyCounts(utcDay(timers.now()));
  const logCounts = (): void => {
    const s = counts.summary();
    log.info(
      `ERROR TRACKER: Error counts today (UTC): Total=${s.total}, Details=${JSON.stringify(s.details)}`,
    );
  };
  const summaryLine = new ThrottledSummary(timers, options.summaryIntervalMs ?? 60_000, logCounts);
  let midnightTimer: unknown;
  let stopped = false;

  const reset = (): void => {
    log.info('ERROR TRACKER: Midnight UTC reached, resetting error counters');
    if (!counts.isEmpty()) logCounts();
    counts.clear(utcDay(timers.now()));
    summaryLine.cancel();
    log.info('ERROR TRACKER: Reset all error counters');
  };

  const armMidnight = (): void => {
    if (stopped) return;
    const now = timers.now();
    midnightTimer = timers.setTimeout(() => {
      reset();
      armMidnight();
    }, nextUtcMidnight(now) - now);
  };

  const count = (record: ErrorEventRecord): void => {
    if (!enabled || stopped) return;
    if (utcDay(record.timeMs) !== counts.day) reset();
    counts.add(record);
    try {
      options.onErrorEvent?.(record);
    } catch (error) {
      // Never let the error path raise another error: log at debug only (no recursion).
      log.debug(
        `ERROR TRACKER: Could not hand over error event: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (options.logSummary !== false) summaryLine.request();
  };

  if (enabled) {
    logSchedule(log, timers.now());
    armMidnight();
  }

  return {
    increment(type, serverName, context, error) {
      count({
        kind: 'error-event',
        timeMs: timers.now(),
        errorType: type,
        serverName: serverName ?? '',
        ...context,
        ...classifyError(error, type),
      });
    },
    trackFailedPoll: (record) => count(failedPollEvent(record)),
    summary: () => counts.summary(),
    stop() {
      stopped = true;
      if (midnightTimer !== undefined) timers.clearTimeout(midnightTimer);
      summaryLine.cancel();
    },
  };
}

function logSchedule(log: Logger, now: number): void {
  log.info('ERROR TRACKER: Initialized error tracking with daily UTC reset');
  const next = nextUtcMidnight(now);
  log.info(
    `ERROR TRACKER: Scheduled next error counter reset at ${new Date(next).toISOString()} (in ${Math.round((next - now) / 60_000)} minutes)`,
  );
}

const NO_SERVER = '_no_server_context';

/** Error counts per type and server for one UTC day. */
class DailyCounts {
  /** The UTC day (YYYY-MM-DD) counted. */
  day: string;
  /** type → server → count */
  #counts = new Map<string, Map<string, number>>();

  constructor(day: string) {
    this.day = day;
  }

  add(record: ErrorEventRecord): void {
    const servers = this.#counts.get(record.errorType) ?? new Map<string, number>();
    this.#counts.set(record.errorType, servers);
    const key = record.serverName || NO_SERVER;
    servers.set(key, (servers.get(key) ?? 0) + 1);
  }

  isEmpty(): boolean {
    return this.#counts.size === 0;
  }

  clear(day: string): void {
    this.#counts = new Map();
    this.day = day;
  }

  summary(): ErrorCountsSummary {
    const details: ErrorCountsSummary['details'] = {};
    let total = 0;
    for (const [type, servers] of this.#counts) {
      let typeTotal = 0;
      const perServer: Record<string, number> = {};
      for (const [server, n] of servers) {
        perServer[server] = n;
        typeTotal += n;
      }
      details[type] = { total: typeTotal, servers: perServer };
      total += typeTotal;
    }
    return { total, details };
  }
}

/**
 * The summary line, at most once per interval: the first request logs at once, the requests
 * of a burst after it are coalesced into one line at the end of the interval.
 */
class ThrottledSummary {
  readonly #timers: Timers;
  readonly #intervalMs: number;
  readonly #logLine: () => void;
  #lastAt = Number.NEGATIVE_INFINITY;
  #timer: unknown;

  constructor(timers: Timers, intervalMs: number, logLine: () => void) {
    this.#timers = timers;
    this.#intervalMs = intervalMs;
    this.#logLine = logLine;
  }

  request(): void {
    if (this.#timer !== undefined) return;
    const now = this.#timers.now();
    const due = this.#lastAt + this.#intervalMs;
    if (now >= due) {
      this.#lastAt = now;
      this.#logLine();
      return;
    }
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#lastAt = this.#timers.now();
      this.#logLine();
    }, due - now);
  }

  cancel(): void {
    if (this.#timer === undefined) return;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** The error event of a failed Sense poll, with the poll's facts. */
function failedPollEvent(record: FailedPollRecord): ErrorEventRecord {
  const f = record.failure;
  return {
    kind: 'error-event',
    timeMs: record.timeMs,
    errorType: ERROR_TYPE_BY_POLL_KIND[record.pollKind],
    serverName: record.serverName,
    host: record.host,
    virtualProxy: record.virtualProxy,
    module: MODULE_BY_POLL_KIND[record.pollKind],
    category: errorCategory(f),
    code: f.code,
    httpStatus: f.httpStatus,
    requestUrl: f.requestUrl,
    requestTimeoutMs: f.timeoutMs,
    remoteAddress: f.remoteAddress,
    remotePort: f.remotePort,
    syscall: f.syscall,
  };
}

const MODULE_BY_POLL_KIND = {
  health: 'HEALTH_METRICS',
  'proxy-sessions': 'PROXY_SESSIONS',
  'app-names': 'APP_NAMES',
} as const;

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function nextUtcMidnight(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}
