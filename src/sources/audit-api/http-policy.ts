/**
 * What the audit API applies to requests before looking at them: security headers on every
 * answer, CORS (advisory: a request from an origin not listed is still processed, only the
 * header is withheld), the per-IP rate limit of the two routes, and the bearer token compared
 * in constant time (docs/reference/audit-api.md#http-server).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'",
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

export function setSecurityHeaders(res: ServerResponse, tls: boolean): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  if (tls) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
}

export interface Cors {
  /** Headers of a normal answer. */
  apply(req: IncomingMessage, res: ServerResponse): void;
  /** Answers a preflight; false when CORS is off (the request then falls through to 404). */
  preflight(req: IncomingMessage, res: ServerResponse): boolean;
}

export function createCors(allowedOrigins: readonly string[]): Cors {
  const any = allowedOrigins.includes('*');
  const listed = new Set(allowedOrigins);
  const origin = (req: IncomingMessage): string | undefined => {
    const value = req.headers.origin;
    return typeof value === 'string' && listed.has(value) ? value : undefined;
  };
  const apply = (req: IncomingMessage, res: ServerResponse): void => {
    if (allowedOrigins.length === 0) return;
    if (any) {
      res.setHeader('access-control-allow-origin', '*');
      return;
    }
    const allowed = origin(req);
    if (allowed) res.setHeader('access-control-allow-origin', allowed);
    res.setHeader('vary', 'Origin');
  };
  return {
    apply,
    preflight(req, res) {
      if (allowedOrigins.length === 0) return false;
      apply(req, res);
      if (!req.headers.origin || !req.headers['access-control-request-method']) {
        const body = 'Invalid Preflight Request';
        res.writeHead(400, { 'content-type': 'text/plain', 'content-length': body.length });
        res.end(body);
        return true;
      }
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      const requested = req.headers['access-control-request-headers'];
      const vary = res.getHeader('vary');
      res.setHeader(
        'vary',
        vary ? `${String(vary)}, Access-Control-Request-Headers` : 'Access-Control-Request-Headers',
      );
      if (requested !== undefined) res.setHeader('access-control-allow-headers', requested);
      res.writeHead(204, { 'content-length': 0 });
      res.end();
      return true;
    },
  };
}

/**
 * Fixed 60 s windows per client IP, each starting at that IP's first request; windows that
 * ended are forgotten once a minute, so the table stays as small as the clients of the last
 * minute.
 */
export class IpRateLimit {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; count: number }>();
  #lastSweep = 0;

  constructor(max: number, windowMs = 60_000, now: () => number = Date.now) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Counts a request and sets the rate-limit headers; false when it is over the limit. */
  take(ip: string, res: ServerResponse): boolean {
    const now = this.#now();
    this.#sweep(now);
    let window = this.#windows.get(ip);
    if (!window || now - window.start >= this.#windowMs) {
      window = { start: now, count: 0 };
      this.#windows.set(ip, window);
    }
    window.count++;
    const resetSeconds = Math.max(0, Math.ceil((window.start + this.#windowMs - now) / 1000));
    res.setHeader('x-ratelimit-limit', this.#max);
    res.setHeader('x-ratelimit-remaining', Math.max(0, this.#max - window.count));
    res.setHeader('x-ratelimit-reset', resetSeconds);
    if (window.count <= this.#max) return true;
    res.setHeader('retry-after', resetSeconds);
    return false;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#windowMs) return;
    this.#lastSweep = now;
    for (const [ip, window] of this.#windows)
      if (now - window.start >= this.#windowMs) this.#windows.delete(ip);
  }
}

/** `Bearer <token>` (scheme in any case); the token trimmed, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string' || !/^bearer /i.test(header)) return undefined;
  const token = header.slice(7).trim();
  return token === '' ? undefined : token;
}

/** Compares in constant time over UTF-8 bytes; a length mismatch still spends a comparison. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '', 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return given !== undefined && timingSafeEqual(a, b);
}
