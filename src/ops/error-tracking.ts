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
import type {
  ErrorCategory,
  ErrorContext,
  ErrorDetails,
  ErrorEventRecord,
  ErrorType,
} from '../records/error-event.ts';
import { ERROR_TYPE_BY_POLL_KIND, type FailedPollRecord } from '../records/failed-poll.ts';
import { categoryOfHttpStatus, errorCategory } from './error-category.ts';
import { systemTimers, type Timers } from './timers.ts';

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

const NO_SERVER = '_no_server_context';

export function createErrorTracker(options: ErrorTrackerOptions): ErrorTracker {
  const { log } = options;
  const enabled = options.enable !== false;
  const logSummary = options.logSummary !== false;
  const timers = options.timers ?? systemTimers;
  const summaryIntervalMs = options.summaryIntervalMs ?? 60_000;
  // type → server → count
  let counts = new Map<string, Map<string, number>>();
  let day = utcDay(timers.now());
  let lastSummaryAt = Number.NEGATIVE_INFINITY;
  let summaryTimer: unknown;
  let midnightTimer: unknown;
  let stopped = false;

  const summary = (): ErrorCountsSummary => {
    const details: ErrorCountsSummary['details'] = {};
    let total = 0;
    for (const [type, servers] of counts) {
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
  };

  const logCounts = (): void => {
    const s = summary();
    log.info(
      `ERROR TRACKER: Error counts today (UTC): Total=${s.total}, Details=${JSON.stringify(s.details)}`,
    );
  };

  const reset = (): void => {
    log.info('ERROR TRACKER: Midnight UTC reached, resetting error counters');
    if (counts.size > 0) logCounts();
    counts = new Map();
    day = utcDay(timers.now());
    if (summaryTimer !== undefined) {
      timers.clearTimeout(summaryTimer);
      summaryTimer = undefined;
    }
    log.info('ERROR TRACKER: Reset all error counters');
  };

  const armMidnight = (): void => {
    if (stopped) return;
    const now = timers.now();
    const next = nextUtcMidnight(now);
    midnightTimer = timers.setTimeout(() => {
      reset();
      armMidnight();
    }, next - now);
  };

  const scheduleSummary = (): void => {
    if (!logSummary || summaryTimer !== undefined) return;
    const now = timers.now();
    const due = lastSummaryAt + summaryIntervalMs;
    if (now >= due) {
      lastSummaryAt = now;
      logCounts();
      return;
    }
    summaryTimer = timers.setTimeout(() => {
      summaryTimer = undefined;
      lastSummaryAt = timers.now();
      logCounts();
    }, due - now);
  };

  const count = (record: ErrorEventRecord): void => {
    if (!enabled || stopped) return;
    if (utcDay(record.timeMs) !== day) reset();
    const servers = counts.get(record.errorType) ?? new Map<string, number>();
    counts.set(record.errorType, servers);
    const key = record.serverName || NO_SERVER;
    servers.set(key, (servers.get(key) ?? 0) + 1);
    try {
      options.onErrorEvent?.(record);
    } catch (error) {
      // Never let the error path raise another error: log at debug only (no recursion).
      log.debug(
        `ERROR TRACKER: Could not hand over error event: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    scheduleSummary();
  };

  if (enabled) {
    log.info('ERROR TRACKER: Initialized error tracking with daily UTC reset');
    const now = timers.now();
    const next = nextUtcMidnight(now);
    log.info(
      `ERROR TRACKER: Scheduled next error counter reset at ${new Date(next).toISOString()} (in ${Math.round((next - now) / 60_000)} minutes)`,
    );
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
        ...classifyError(error),
      });
    },
    trackFailedPoll(record) {
      const f = record.failure;
      count({
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
      });
    },
    summary,
    stop() {
      stopped = true;
      if (midnightTimer !== undefined) timers.clearTimeout(midnightTimer);
      if (summaryTimer !== undefined) timers.clearTimeout(summaryTimer);
    },
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

type Loose = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** origin + path of a URL (query and credentials removed); undefined when not a URL. */
function safeRequestUrl(v: unknown): string | undefined {
  const s = v instanceof URL ? v.href : str(v);
  if (!s) return undefined;
  try {
    const u = new URL(s);
    return `${u.origin}${u.pathname}`;
  } catch {
    return undefined;
  }
}

/**
 * Derives the category and details (docs/reference/runtime.md#error-tracking) from an error
 * (first match wins). Looks at the error and its `cause` (libraries wrap socket errors there).
 */
export function classifyError(error: unknown): ErrorDetails {
  if (!error || typeof error !== 'object') return { category: 'unknown' };
  const e = error as Loose;
  const cause = (e.cause && typeof e.cause === 'object' ? e.cause : {}) as Loose;
  const response = (e.response && typeof e.response === 'object' ? e.response : {}) as Loose;
  const code = str(e.code) ?? str(cause.code);
  const message = `${str(e.message) ?? ''} ${str(cause.message) ?? ''}`.toLowerCase();
  const name = str(e.name) ?? '';
  const httpStatus = num(e.status) ?? num(e.statusCode) ?? num(response.status);

  let category: ErrorCategory;
  if (
    code === 'ETIMEDOUT' ||
    code === 'ECONNABORTED' ||
    name === 'TimeoutError' ||
    name === 'RequestTimedOutError' ||
    message.includes('timeout') ||
    message.includes('timed out')
  ) {
    category = 'timeout';
  } else if (code === 'ECONNREFUSED') category = 'connection_refused';
  else if (code === 'ENOTFOUND') category = 'host_not_found';
  else if (code === 'ECONNRESET') category = 'connection_reset';
  else {
    const byStatus = categoryOfHttpStatus(httpStatus);
    if (byStatus) category = byStatus;
    else if (/cert|tls|ssl/.test(message)) category = 'certificate_error';
    else if (message.includes('mqtt')) category = 'mqtt_error';
    else if (message.includes('new relic')) category = 'new_relic_error';
    else category = 'unknown';
  }
  const details: ErrorDetails = { category };
  if (code) details.code = code;
  if (httpStatus !== undefined) details.httpStatus = httpStatus;
  const requestUrl = safeRequestUrl(e.url ?? e.requestUrl ?? (e.config as Loose | undefined)?.url);
  if (requestUrl) details.requestUrl = requestUrl;
  const timeout = num(e.timeout) ?? num((e.config as Loose | undefined)?.timeout);
  if (timeout !== undefined) details.requestTimeoutMs = timeout;
  const address = str(e.address) ?? str(cause.address);
  if (address) details.remoteAddress = address;
  const port = num(e.port) ?? num(cause.port);
  if (port !== undefined) details.remotePort = port;
  const syscall = str(e.syscall) ?? str(cause.syscall);
  if (syscall) details.syscall = syscall;
  return details;
}
