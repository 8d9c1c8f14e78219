/**
 * What a failed connection or request threw, read by its error codes rather than its message:
 * Node and the libraries wrap socket errors in several ways (`error.cause`, an AggregateError
 * of every address tried), so the whole chain is searched.
 */

/** Why a connection or request failed below the protocol (see DeliveryErrorCode). */
export type SocketFailure =
  | 'refused'
  | 'unreachable'
  | 'host_not_found'
  | 'timeout'
  | 'reset'
  | 'tls'
  | 'network';

/** The fields of an error (or anything thrown) that classification reads. */
export interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  address?: unknown;
  port?: unknown;
  syscall?: unknown;
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED']);
const HOST_NOT_FOUND_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** OpenSSL certificate verification results as Node reports them in `error.code`. */
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

/** The error, its causes and the errors it aggregates, outermost first (at most 6 deep). */
export function errorChain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (depth > 5 || e === null || typeof e !== 'object') return;
    const err = e as ErrorLike;
    out.push(err);
    if (Array.isArray(err.errors)) for (const inner of err.errors) visit(inner, depth + 1);
    visit(err.cause, depth + 1);
  };
  visit(error, 0);
  return out;
}

/** The string error codes of a chain, outermost first. */
export function errorCodes(chain: readonly ErrorLike[]): string[] {
  return chain.flatMap((e) => (typeof e.code === 'string' && e.code !== '' ? [e.code] : []));
}

export function isTlsCode(code: string): boolean {
  return (
    TLS_VERIFY_CODES.has(code) ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_OSSL_')
  );
}

/** True when the chain holds a timeout: a `TimeoutError` (our deadline, AbortSignal.timeout) or its codes. */
export function isTimeout(chain: readonly ErrorLike[], codes: readonly string[]): boolean {
  return chain.some((e) => e.name === 'TimeoutError') || codes.some((c) => TIMEOUT_CODES.has(c));
}

/**
 * The failure class of a socket-level error, first match wins: a timeout anywhere in the
 * chain, then refused, host not found, unreachable, TLS, reset; anything else is `network`.
 */
export function socketFailureOf(error: unknown): SocketFailure {
  const chain = errorChain(error);
  const codes = errorCodes(chain);
  if (isTimeout(chain, codes)) return 'timeout';
  if (codes.includes('ECONNREFUSED')) return 'refused';
  if (codes.some((c) => HOST_NOT_FOUND_CODES.has(c))) return 'host_not_found';
  if (codes.some((c) => UNREACHABLE_CODES.has(c))) return 'unreachable';
  if (codes.some(isTlsCode)) return 'tls';
  if (codes.some((c) => RESET_CODES.has(c))) return 'reset';
  return 'network';
}

/** A short cause for a message: the innermost error's message, prefixed with its code. */
export function socketErrorText(error: unknown): string {
  const e = error as ErrorLike | undefined;
  const cause = (e?.cause ?? undefined) as ErrorLike | undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof cause?.code === 'string' ? cause.code : '';
  const message =
    typeof cause?.message === 'string'
      ? cause.message
      : typeof e?.message === 'string'
        ? e.message
        : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
