/**
 * One screenshot download attempt (docs/audit-events.md#screenshots): a GET with a timeout and
 * a 50 MiB cap, redirects followed by hand (at most 5; 301/302/303/307/308; `Location`
 * resolved against the current URL and checked against the address policy again), the Sense
 * session cookie of a response carried to the next hop, and the answer classified: an image,
 * an HTTP status worth retrying, or a refusal that ends the download.
 */
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressPolicy } from './address-policy.ts';

// Required, not imported: an ESM import of node:http loads Node's copy of undici through its
// lazy WebSocket getters (about 14 MB resident). See src/http/client.ts.
const require = createRequire(import.meta.url);
const { request: httpRequest } = require('node:http') as typeof import('node:http');
const { request: httpsRequest } = require('node:https') as typeof import('node:https');

export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const RETRY_STATUSES = new Set([404, 408, 425, 429, 500, 502, 503, 504]);

export interface SessionCookie {
  name: string;
  value: string;
}

export type FetchOutcome =
  | { kind: 'image'; body: Buffer; contentType: string | undefined; url: URL; cookies: SessionCookie[] }
  /** Worth another attempt: a retryable status, a non-image answer, a network error or timeout. */
  | { kind: 'retry'; reason: string; status?: number; cookies: SessionCookie[] }
  /** Ends the download: a refused redirect, too large, or a status not worth retrying. */
  | { kind: 'refused'; reason: string; counter: string; status?: number; cookies: SessionCookie[] };

export interface FetchOptions {
  url: URL;
  policy: AddressPolicy;
  timeoutMs: number;
  httpsAgent?: HttpsAgent;
  httpAgent?: HttpAgent;
  /** Sent as `Cookie` on the first hop (a cached Sense session). */
  cookie?: SessionCookie;
  maxBytes?: number;
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

class TooLarge extends Error {}

function get(url: URL, options: FetchOptions, cookies: SessionCookie[]): Promise<Answer> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const agent = url.protocol === 'https:' ? options.httpsAgent : options.httpAgent;
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const maxBytes = options.maxBytes ?? MAX_IMAGE_BYTES;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        lookup: options.policy.lookup,
        ...(agent ? { agent } : {}),
        headers: { accept: 'image/*', ...(cookie ? { cookie } : {}) },
        timeout: options.timeoutMs,
      },
      (res) => {
        if (Number(res.headers['content-length']) > maxBytes) {
          res.destroy();
          reject(new TooLarge(`declares ${res.headers['content-length']} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            res.destroy();
            reject(new TooLarge(`more than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    const deadline = setTimeout(
      () => req.destroy(new Error(`no complete answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** `X-Qlik-Session-*` cookies a response sets (name matched in any case). */
function sessionCookies(headers: IncomingMessage['headers']): SessionCookie[] {
  const out: SessionCookie[] = [];
  for (const line of headers['set-cookie'] ?? []) {
    const m = /^\s*(x-qlik-session[^=]*)=([^;]*)/i.exec(line);
    if (m) out.push({ name: m[1]!, value: m[2]! });
  }
  return out;
}

export async function fetchImage(options: FetchOptions): Promise<FetchOutcome> {
  let url = options.url;
  const received: SessionCookie[] = [];
  const sending: SessionCookie[] = options.cookie ? [options.cookie] : [];
  for (let hop = 0; ; hop++) {
    let answer: Answer;
    try {
      answer = await get(url, options, [...sending, ...received]);
    } catch (error) {
      if (error instanceof TooLarge)
        return { kind: 'refused', reason: `image ${error.message}`, counter: 'too_large', cookies: received };
      const code = (error as { code?: string }).code;
      if (code === 'EADDRBLOCKED')
        return {
          kind: 'refused',
          reason: (error as Error).message,
          counter: 'blocked_address',
          cookies: received,
        };
      return { kind: 'retry', reason: (error as Error).message, cookies: received };
    }
    for (const cookie of sessionCookies(answer.headers)) {
      const i = received.findIndex((c) => c.name.toLowerCase() === cookie.name.toLowerCase());
      if (i >= 0) received[i] = cookie;
      else received.push(cookie);
    }
    if (REDIRECTS.has(answer.status)) {
      const location = answer.headers.location;
      if (!location)
        return {
          kind: 'refused',
          reason: `redirect ${answer.status} without Location`,
          counter: 'redirect_refused',
          cookies: received,
        };
      if (hop >= MAX_REDIRECTS)
        return {
          kind: 'refused',
          reason: `more than ${MAX_REDIRECTS} redirects`,
          counter: 'redirect_refused',
          cookies: received,
        };
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return {
          kind: 'refused',
          reason: `redirect to an invalid URL`,
          counter: 'redirect_refused',
          cookies: received,
        };
      }
      const refusal = options.policy.refusal(next);
      if (refusal)
        return {
          kind: 'refused',
          reason: `redirect refused: ${refusal}`,
          counter: 'redirect_refused',
          cookies: received,
        };
      url = next;
      continue;
    }
    return classify(answer, url, received);
  }
}

function classify(answer: Answer, url: URL, cookies: SessionCookie[]): FetchOutcome {
  const { status } = answer;
  if (status < 200 || status >= 300) {
    const reason = `HTTP ${status}`;
    return RETRY_STATUSES.has(status)
      ? { kind: 'retry', reason, status, cookies }
      : { kind: 'refused', reason, counter: 'http_error', status, cookies };
  }
  const contentType = answer.headers['content-type'];
  if (contentType !== undefined && !contentType.toLowerCase().startsWith('image/')) {
    const start = answer.body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ');
    return {
      kind: 'retry',
      reason: `content type ${contentType} is not an image: ${start}`,
      status,
      cookies,
    };
  }
  return { kind: 'image', body: answer.body, contentType, url, cookies };
}
