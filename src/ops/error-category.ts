/**
 * Upstream v15's error_category rules (docs/reference/runtime.md#error-tracking), first match wins: one place
 * for the error tracker's counts and the `butler_sos_errors` points, so both always agree.
 */
import type { ErrorCategory } from '../records/error-event.ts';
import type { PollFailure } from '../records/failed-poll.ts';

/** The category an HTTP status alone decides, or undefined when it decides none. */
export function categoryOfHttpStatus(status: number | undefined): ErrorCategory | undefined {
  if (status === undefined) return undefined;
  if (status === 401 || status === 403) return 'auth_error';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'http_5xx';
  if (status >= 400) return 'http_4xx';
  return undefined;
}

/** The category of a classified poll failure. */
export function errorCategory(failure: PollFailure): ErrorCategory {
  switch (failure.reason) {
    case 'timeout':
      return 'timeout';
    case 'refused':
      return 'connection_refused';
    case 'host_not_found':
      return 'host_not_found';
    case 'connection_reset':
      return 'connection_reset';
    case 'tls':
    case 'cert_file':
      return 'certificate_error';
    case 'http_status':
      return categoryOfHttpStatus(failure.httpStatus) ?? 'unknown';
    default:
      return 'unknown';
  }
}
