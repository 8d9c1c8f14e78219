/**
 * The agent's HTTP(S) client for destinations (InfluxDB, New Relic) and the heartbeat and
 * telemetry calls: keep-alive connections to one origin, a deadline per request,
 * cancellation, and a cap on how much of an answer is kept; `requestOnce` for a single call
 * to a full URL, following redirects.
 *
 * Why on node:http rather than a library: undici (used before) keeps about 10 MB resident once
 * loaded, and Node's built-in fetch loads its own copy of it (about 15 MB, measured). These
 * callers need only "send this body, tell me the status and the start of the answer", which
 * node:http's Agent does with keep-alive. The modules are required, not imported: an ESM import of node:http builds its
 * namespace from every export, and that evaluates the lazy WebSocket getters, which load
 * Node's internal undici anyway (about 10 MB more, measured with bench/udp-e2e.ts).
 */
import type { Agent as HttpAgent, IncomingMessage, RequestOptions } from 'node:http';
import { createRequire } from 'node:module';

type HttpModule = typeof import('node:http');
type HttpsModule = typeof import('node:https');

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Path with query string, e.g. `/write?db=x`. */
  path: string;
  headers?: Record<string, string>;
  /** The body, or its parts in order (sent one after the other, never joined into one copy). */
  body?: string | Buffer | readonly Uint8Array[];
  /** Whole request, connect to last byte of the answer. */
  timeoutMs: number;
  /** The caller gives up (shutdown): the request is destroyed with the signal's reason. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** The answer as text, cut at the client's maxResponseBytes (the rest is read and dropped). */
  body: string;
  /** The Location header of a redirect. */
  location?: string;
}

/** The request did not finish within its timeoutMs. */
export class HttpTimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/**
 * The connection closed before the whole answer arrived. Coded like the socket error it
 * amounts to, so that callers classify it by code (see src/net/socket-errors.ts).
 */
export class HttpIncompleteAnswerError extends Error {
  override name = 'HttpIncompleteAnswerError';
  readonly code = 'ECONNRESET';
  constructor() {
    super('connection closed before the answer was complete');
  }
}

/** What an HTTP status that is not a success says (see DeliveryErrorCode). */
export type HttpStatusFailure =
  | 'auth'
  | 'not_found'
  | 'timeout'
  | 'too_large'
  | 'rate_limited'
  | 'server_error'
  | 'bad_request'
  | 'unexpected_status';

/** The failure an HTTP status names (call it for statuses outside 2xx). */
export function statusFailureOf(status: number): HttpStatusFailure {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 413) return 'too_large';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'bad_request';
  return 'unexpected_status';
}

export interface HttpClientOptions {
  /** Keep-alive connections at most (requests beyond wait for one). */
  connections: number;
  /** Answers are kept up to this many bytes (default 64 KiB): enough for any error message. */
  maxResponseBytes?: number;
  /** TLS options of an https origin's connections (CA, client certificate, server name). */
  tls?: HttpsAgentTls;
}

/** The node:https agent options a destination may set for its own connections. */
export interface HttpsAgentTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized?: boolean;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Closes every connection; requests in flight fail. */
  close(): Promise<void>;
}

const load = createRequire(import.meta.url);

export function createHttpClient(origin: string | URL, options: HttpClientOptions): HttpClient {
  const url = new URL(origin);
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new Error(`${url.protocol} is not http: or https:`);
  // TLS (OpenSSL, about 5 MB) is loaded only for an https destination.
  const transport = secure ? (load('node:https') as HttpsModule) : (load('node:http') as HttpModule);
  const agent: HttpAgent = new transport.Agent({
    keepAlive: true,
    maxSockets: options.connections,
    ...(secure ? options.tls : {}),
  });
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  const base: RequestOptions = {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || (secure ? 443 : 80),
    agent,
  };

  const request = (req: HttpRequest): Promise<HttpResponse> =>
    new Promise<HttpResponse>((resolve, reject) => {
      if (req.signal?.aborted) {
        reject(req.signal.reason);
        return;
      }
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = bodyBytes(req.body);
      const outgoing = transport.request({ ...base, method: req.method, path: req.path, headers });
      const fail = (error: unknown) => outgoing.destroy(error as Error);
      const timer = setTimeout(() => fail(new HttpTimeoutError(req.timeoutMs)), req.timeoutMs);
      const onAbort = () => fail(req.signal?.reason);
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
      };
      outgoing.on('error', (error) => {
        settle();
        reject(error);
      });
      outgoing.on('response', (response: IncomingMessage) => {
        const kept: Buffer[] = [];
        let keptBytes = 0;
        response.on('data', (chunk: Buffer) => {
          if (keptBytes >= maxBytes) return;
          kept.push(chunk.length > maxBytes - keptBytes ? chunk.subarray(0, maxBytes - keptBytes) : chunk);
          keptBytes += chunk.length;
        });
        response.on('end', () => {
          settle();
          const { location } = response.headers;
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(kept).toString('utf8'),
            ...(location ? { location } : {}),
          });
        });
        // An answer cut off mid-way (server closed, timeout, abort) rejects through here.
        response.on('error', (error) => {
          settle();
          reject(error);
        });
        response.on('close', () => {
          if (response.complete) return;
          settle();
          reject(new HttpIncompleteAnswerError());
        });
      });
      if (typeof req.body === 'string' || req.body === undefined || Buffer.isBuffer(req.body))
        outgoing.end(req.body);
      else {
        for (const part of req.body) outgoing.write(part);
        outgoing.end();
      }
    });

  return {
    request,
    async close() {
      agent.destroy();
    },
  };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * One request to a full URL on a connection of its own (for calls minutes apart: heartbeat,
 * telemetry). Redirects are followed up to `maxRedirects` times (default 5), as browsers and
 * upstream's HTTP client do; a 303, or a 301/302 answer to a POST, continues as a GET.
 */
export async function requestOnce(
  url: URL,
  request: Omit<HttpRequest, 'path'> & { maxRedirects?: number },
): Promise<HttpResponse> {
  let target = url;
  let current: Omit<HttpRequest, 'path'> = request;
  for (let hop = 0; ; hop++) {
    const client = createHttpClient(target.origin, { connections: 1 });
    let response: HttpResponse & { location?: string };
    try {
      response = await client.request({ ...current, path: `${target.pathname}${target.search}` });
    } finally {
      await client.close();
    }
    if (!REDIRECTS.has(response.status) || response.location === undefined) return response;
    if (hop >= (request.maxRedirects ?? 5)) throw new Error(`more than ${hop} redirects`);
    target = new URL(response.location, target);
    if (
      response.status === 303 ||
      (current.method === 'POST' && response.status !== 307 && response.status !== 308)
    ) {
      const { body: _dropped, ...rest } = current;
      current = { ...rest, method: 'GET' };
    }
  }
}

function bodyBytes(body: string | Buffer | readonly Uint8Array[]): number {
  if (typeof body === 'string' || Buffer.isBuffer(body)) return Buffer.byteLength(body);
  let total = 0;
  for (const part of body) total += part.length;
  return total;
}
