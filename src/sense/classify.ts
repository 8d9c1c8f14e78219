/**
 * Turns whatever a failed HTTPS request threw into one PollFailure class
 * (refused, timeout, tls, http_status, bad_body, cert_file, ...). Node wraps socket errors
 * in several ways (error.cause, AggregateError for happy eyeballs), so the whole chain is
 * searched.
 */
import type { PollFailure, PollFailureReason } from '../records/failed-poll.ts';
import { CertificateFileError, CertificateUseError } from './certificates.ts';

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED']);

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

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  address?: unknown;
  port?: unknown;
  syscall?: unknown;
  /** The socket's addresses and bytes read (added by the Sense client to its errors). */
  socket?: { remoteAddress?: unknown; remotePort?: unknown; bytesRead?: unknown } | null;
}

function chain(error: unknown): ErrorLike[] {
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

function isTlsCode(code: string): boolean {
  return (
    TLS_VERIFY_CODES.has(code) ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_OSSL_')
  );
}

export function classifyRequestError(
  error: unknown,
  requestUrl: string,
  timeoutMs: number | undefined,
): PollFailure {
  if (error instanceof CertificateFileError) {
    return {
      reason: 'cert_file',
      message: error.message,
      requestUrl,
      file: error.file,
      ...(error.code ? { code: error.code } : {}),
    };
  }
  if (error instanceof CertificateUseError) {
    return { reason: 'tls', message: error.message, requestUrl, ...(error.code ? { code: error.code } : {}) };
  }
  const errors = chain(error);
  const codes = errors.map((e) => (typeof e.code === 'string' ? e.code : '')).filter((c) => c !== '');
  const socket = errors.find((e) => typeof e.syscall === 'string' || typeof e.address === 'string');
  const socketInfo = errors.find((e) => e.socket && typeof e.socket === 'object')?.socket ?? undefined;
  const remoteAddress = socket?.address ?? socketInfo?.remoteAddress;
  const remotePort = socket?.port ?? socketInfo?.remotePort;
  const extra = {
    requestUrl,
    ...(codes[0] ? { code: codes[0] } : {}),
    ...(typeof remoteAddress === 'string' ? { remoteAddress } : {}),
    ...(typeof remotePort === 'number' ? { remotePort } : {}),
    ...(typeof socket?.syscall === 'string' ? { syscall: socket.syscall } : {}),
  };
  const detail = describe(errors);
  const result = (reason: PollFailureReason, message: string): PollFailure => ({ reason, message, ...extra });

  if (errors.some((e) => e.name === 'TimeoutError') || codes.some((c) => TIMEOUT_CODES.has(c))) {
    return {
      ...result('timeout', `no response within ${timeoutMs ?? '?'} ms`),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    };
  }
  if (codes.includes('ECONNREFUSED')) return result('refused', `connection refused (${detail})`);
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) {
    return result('host_not_found', `host not found (${detail})`);
  }
  if (codes.some(isTlsCode) || /certificate|\bTLS\b|\bSSL\b|handshake/i.test(detail)) {
    return result('tls', `TLS failure (${detail})`);
  }
  // With TLS 1.3 the client finishes its handshake before the server checks the client
  // certificate; a server that rejects it just closes the connection, and the client only
  // sees "other side closed" on a connection that never received a byte. Sense closes
  // connections that way when the certificate is not issued by its CA.
  if (codes.includes('ECONNRESET') && socketInfo?.bytesRead === 0) {
    return result(
      'tls',
      `the server closed the new TLS connection without answering; it most likely rejected the client certificate (${detail})`,
    );
  }
  if (codes.includes('ECONNRESET') || codes.includes('EPIPE')) {
    return result('connection_reset', `connection closed by the server (${detail})`);
  }
  return result('network', `request failed (${detail})`);
}

/** The most specific message in the chain, with its code. */
function describe(errors: ErrorLike[]): string {
  const parts: string[] = [];
  for (const e of errors) {
    const message = typeof e.message === 'string' ? e.message : '';
    const code = typeof e.code === 'string' ? e.code : '';
    const text = code && !message.includes(code) ? `${code}: ${message}` : message;
    if (text && !parts.includes(text)) parts.push(text);
  }
  return parts.join(' / ') || 'unknown error';
}
