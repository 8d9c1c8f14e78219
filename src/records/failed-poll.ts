/**
 * One failed poll of a Sense API (docs/reference/sense-apis.md#failed-polls,
 * docs/reference/influxdb.md#error-events and
 * docs/reference/destinations.md#error-tracking-and-failed-polls).
 * Emitted once per failed attempt, as upstream v15 writes one error point per failure.
 */
import type { ServerIdentity } from './server.ts';

export type PollKind = 'health' | 'proxy-sessions' | 'app-names';

/**
 * Why a poll failed (docs/reference/sense-apis.md#failure-reasons). `refused`, `timeout`,
 * `tls`, `http_status`, `bad_body` and `cert_file` name the causes an administrator acts on;
 * `host_not_found`, `connection_reset` and `network` cover the remaining socket errors so
 * nothing lands in a vague bucket.
 */
export type PollFailureReason =
  | 'refused'
  | 'timeout'
  | 'tls'
  | 'http_status'
  | 'bad_body'
  | 'cert_file'
  | 'host_not_found'
  | 'connection_reset'
  | 'network';

/** Details of one failed request; no secrets (header values, passphrases) ever go here. */
export interface PollFailure {
  reason: PollFailureReason;
  /** Human-readable cause, safe to log. */
  message: string;
  /** Request URL without the query string. */
  requestUrl: string;
  /** OS / library error code, e.g. `ECONNREFUSED`, `ERR_TLS_CERT_ALTNAME_INVALID`. */
  code?: string;
  httpStatus?: number;
  timeoutMs?: number;
  remoteAddress?: string;
  remotePort?: number;
  syscall?: string;
  /** For `cert_file`: which configured file could not be read. */
  file?: string;
}

export const ERROR_TYPE_BY_POLL_KIND = {
  health: 'HEALTH_API',
  'proxy-sessions': 'PROXY_API',
  'app-names': 'APP_NAMES_EXTRACT',
} as const satisfies Record<PollKind, string>;

export interface FailedPollRecord {
  kind: 'failed-poll';
  timeMs: number;
  pollKind: PollKind;
  /**
   * The server polled. For app-name extraction there is no monitored server: the
   * identity is built from `appNames.hostIP` (upstream uses it as `server_name`).
   */
  serverName: string;
  /** Polled host including port: `servers[].host`, `userSessions.host` or the QRS host. */
  host: string;
  /** Proxy polls only: the virtual proxy as configured. */
  virtualProxy?: string;
  /** Server identity when the poll concerned a monitored server. */
  server?: ServerIdentity;
  failure: PollFailure;
}
