/**
 * The category and details of an error for error tracking (docs/reference/runtime.md#error-tracking).
 *
 * The agent's own delivery errors say why they failed in a typed `code`, so their category
 * comes from it. Errors of libraries (the PostgreSQL client, mqtt.js, Node's sockets) are read
 * as upstream reads them: socket error codes and HTTP statuses first, then their message text,
 * which is all some of them carry.
 */
import { DeliveryError, type DeliveryErrorCode } from '../delivery/types.ts';
import type { ErrorCategory, ErrorDetails, ErrorType } from '../records/error-event.ts';
import { categoryOfHttpStatus } from './error-category.ts';

type Loose = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const object = (v: unknown) => (v && typeof v === 'object' ? v : {}) as Loose;

const CATEGORY_BY_DELIVERY_CODE: Partial<Record<DeliveryErrorCode, ErrorCategory>> = {
  timeout: 'timeout',
  refused: 'connection_refused',
  host_not_found: 'host_not_found',
  reset: 'connection_reset',
  tls: 'certificate_error',
  auth: 'auth_error',
  not_found: 'not_found',
  database_not_found: 'not_found',
  rate_limited: 'rate_limited',
  server_error: 'http_5xx',
  bad_request: 'http_4xx',
  too_large: 'http_4xx',
};

/** What upstream calls a failure of a destination that none of the above describes. */
const CATEGORY_BY_ERROR_TYPE: Partial<Record<ErrorType, ErrorCategory>> = {
  MQTT_PUBLISH: 'mqtt_error',
  NEW_RELIC_POST: 'new_relic_error',
};

/** The agent's certificate errors (src/sense/certificates.ts), known by name: importing them would load TLS. */
const CERTIFICATE_ERRORS = new Set(['CertificateFileError', 'CertificateUseError']);

/**
 * Derives the category and details from an error (first match wins). Looks at the error and
 * its `cause` (libraries wrap socket errors there). `type`, the kind of operation that
 * failed, names the category of a delivery error whose code has none.
 */
export function classifyError(error: unknown, type?: ErrorType): ErrorDetails {
  if (!error || typeof error !== 'object') return { category: 'unknown' };
  if (error instanceof DeliveryError) {
    const category =
      CATEGORY_BY_DELIVERY_CODE[error.code] ?? (type && CATEGORY_BY_ERROR_TYPE[type]) ?? 'unknown';
    // The socket facts are those of what it wraps.
    return { ...errorFacts(object(error.cause)), category };
  }
  const e = error as Loose;
  return { ...errorFacts(e), category: libraryErrorCategory(e) };
}

function libraryErrorCategory(e: Loose): ErrorCategory {
  const cause = object(e.cause);
  const code = str(e.code) ?? str(cause.code);
  const message = `${str(e.message) ?? ''} ${str(cause.message) ?? ''}`.toLowerCase();
  const name = str(e.name) ?? '';
  if (
    code === 'ETIMEDOUT' ||
    code === 'ECONNABORTED' ||
    name === 'TimeoutError' ||
    name === 'RequestTimedOutError' ||
    message.includes('timeout') ||
    message.includes('timed out')
  )
    return 'timeout';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ENOTFOUND') return 'host_not_found';
  if (code === 'ECONNRESET') return 'connection_reset';
  const byStatus = categoryOfHttpStatus(httpStatusOf(e));
  if (byStatus) return byStatus;
  if (CERTIFICATE_ERRORS.has(name) || /cert|tls|ssl/.test(message)) return 'certificate_error';
  if (message.includes('mqtt')) return 'mqtt_error';
  if (message.includes('new relic')) return 'new_relic_error';
  return 'unknown';
}

function httpStatusOf(e: Loose): number | undefined {
  return num(e.status) ?? num(e.statusCode) ?? num(object(e.response).status);
}

/** Code, status, URL, timeout and socket address of an error and its cause; no message. */
function errorFacts(e: Loose): Omit<ErrorDetails, 'category'> {
  const cause = object(e.cause);
  const config = object(e.config);
  const facts: Omit<ErrorDetails, 'category'> = {};
  const code = str(e.code) ?? str(cause.code);
  if (code) facts.code = code;
  const httpStatus = httpStatusOf(e);
  if (httpStatus !== undefined) facts.httpStatus = httpStatus;
  const requestUrl = safeRequestUrl(e.url ?? e.requestUrl ?? config.url);
  if (requestUrl) facts.requestUrl = requestUrl;
  const timeout = num(e.timeout) ?? num(config.timeout);
  if (timeout !== undefined) facts.requestTimeoutMs = timeout;
  const address = str(e.address) ?? str(cause.address);
  if (address) facts.remoteAddress = address;
  const port = num(e.port) ?? num(cause.port);
  if (port !== undefined) facts.remotePort = port;
  const syscall = str(e.syscall) ?? str(cause.syscall);
  if (syscall) facts.syscall = syscall;
  return facts;
}

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
