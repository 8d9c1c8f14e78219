/**
 * One tracked error (upstream v15 error tracking, docs/reference/runtime.md#error-tracking; InfluxDB
 * measurement `butler_sos_errors`, docs/reference/influxdb.md#error-events). Failed polls are the subset with
 * type HEALTH_API, PROXY_API or APP_NAMES_EXTRACT.
 */

export const ERROR_TYPES = [
  'HEALTH_API',
  'PROXY_API',
  'APP_NAMES_EXTRACT',
  'INFLUXDB_V1_WRITE',
  'INFLUXDB_V2_WRITE',
  'INFLUXDB_V3_WRITE',
  'MQTT_PUBLISH',
  'NEW_RELIC_POST',
  'UDP_USER_EVENT',
  'UDP_LOG_EVENT',
  // Product addition: failed polls of the Sense log database (no upstream equivalent).
  'LOG_DB_QUERY',
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export const ERROR_CATEGORIES = [
  'timeout',
  'connection_refused',
  'host_not_found',
  'connection_reset',
  'auth_error',
  'not_found',
  'rate_limited',
  'http_5xx',
  'http_4xx',
  'certificate_error',
  'mqtt_error',
  'new_relic_error',
  'unknown',
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** Where the error happened; all optional, as upstream passes them "when known". */
export interface ErrorContext {
  /** Polled host including port, or the MQTT broker host. */
  host?: string;
  virtualProxy?: string;
  /** New Relic metric URL for New Relic errors. */
  destinationHost?: string;
  /** e.g. HEALTH_METRICS, PROXY_SESSIONS, BUTLER_MEMORY, LOG_EVENTS_MQTT. */
  module?: string;
}

/** Facts extracted from the error object; never its message (which may hold secrets). */
export interface ErrorDetails {
  category: ErrorCategory;
  code?: string;
  httpStatus?: number;
  /** origin + path, query removed. */
  requestUrl?: string;
  requestTimeoutMs?: number;
  remoteAddress?: string;
  remotePort?: number;
  syscall?: string;
}

export interface ErrorEventRecord extends ErrorContext, ErrorDetails {
  kind: 'error-event';
  timeMs: number;
  errorType: ErrorType;
  /** Server name for polls, `appNames.hostIP` for app names, '' when not applicable. */
  serverName: string;
}
