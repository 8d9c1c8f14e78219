/**
 * Turns whatever a failed HTTPS request threw into one PollFailure class
 * (refused, timeout, tls, http_status, bad_body, cert_file, ...). Node wraps socket errors
 * in several ways (error.cause, AggregateError for happy eyeballs), so the whole chain is
 * searched.
 */
import { type ErrorLike, errorChain, errorCodes, isTimeout, isTlsCode } from '../net/socket-errors.ts';
import type { PollFailure, PollFailureReason } from '../records/failed-poll.ts';
import { CertificateFileError, CertificateUseError } from './certificates.ts';

interface SenseErrorLike extends ErrorLike {
  /** The socket's addresses and bytes read (added by the Sense client to its errors). */
  socket?: { remoteAddress?: unknown; remotePort?: unknown; bytesRead?: unknown } | null;
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
  const errors: SenseErrorLike[] = errorChain(error);
  const codes = errorCodes(errors);
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

  if (isTimeout(errors, codes)) {
    return {
      ...result('timeout', `no response within ${timeoutMs ?? '?'} ms`),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    };
  }
  if (codes.includes('ECONNREFUSED')) return result('refused', `connection refused (${detail})`);
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) {
    return result('host_not_found', `host not found (${detail})`);
  }
  // Some of Node's TLS failures carry no TLS code (e.g. "Client network socket disconnected
  // before secure TLS connection was established" is an ECONNRESET); only their text tells.
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
