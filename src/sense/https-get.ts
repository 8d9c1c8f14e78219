/**
 * One HTTPS GET for the Sense client, with redirects followed (at most 5, as upstream) and
 * the body capped. Rejects with the socket error or the deadline's reason; everything else
 * is a `GetResult`.
 */
import type { IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';

// Required, not imported: see src/http/client.ts.
const https = createRequire(import.meta.url)('node:https') as typeof import('node:https');

export const MAX_REDIRECTIONS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** What a GET brought back: a status other than 200, the body, or why there is none. */
export type GetResult =
  | { kind: 'status'; status: number }
  | { kind: 'body'; text: string }
  | { kind: 'too_large' }
  | { kind: 'too_many_redirects' };

type OneGet = GetResult | { kind: 'redirect'; location: string };

export interface GetOptions {
  agent: HttpsAgent;
  headers: Record<string, string>;
  /** One deadline for every hop: connect, headers and body. */
  deadline: AbortSignal;
  maxBytes: number;
}

export async function getFollowingRedirects(url: URL, options: GetOptions): Promise<GetResult> {
  let target = url;
  let result = await getOnce(target, options);
  for (let hop = 0; result.kind === 'redirect'; hop++) {
    if (hop >= MAX_REDIRECTIONS) return { kind: 'too_many_redirects' };
    target = new URL(result.location, target);
    result = await getOnce(target, options);
  }
  return result;
}

/** One GET; rejects with the socket error (bytes read attached) or the deadline. */
function getOnce(url: URL, { agent, headers, deadline, maxBytes }: GetOptions): Promise<OneGet> {
  return new Promise<OneGet>((resolve, reject) => {
    const fail = (error: unknown) => reject(deadline.aborted ? deadline.reason : error);
    const request = https.request(url, { method: 'GET', agent, headers, signal: deadline });
    request.on('error', (error: Error & { socket?: object }) => {
      // A server that rejects the client certificate after a TLS 1.3 handshake just closes
      // the connection: tell that apart (nothing was ever read) in classify.ts.
      const socket = request.socket;
      if (socket && error.socket === undefined) {
        error.socket = {
          remoteAddress: socket.remoteAddress,
          remotePort: socket.remotePort,
          bytesRead: socket.bytesRead,
        };
      }
      fail(error);
    });
    request.on('response', (response: IncomingMessage) => readResponse(response, maxBytes, resolve, fail));
    request.end();
  });
}

function readResponse(
  response: IncomingMessage,
  maxBytes: number,
  resolve: (result: OneGet) => void,
  fail: (error: unknown) => void,
): void {
  const status = response.statusCode ?? 0;
  if (status !== 200) {
    response.resume();
    const { location } = response.headers;
    resolve(
      REDIRECT_STATUSES.has(status) && location ? { kind: 'redirect', location } : { kind: 'status', status },
    );
    return;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  response.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (total > maxBytes) {
      response.destroy();
      resolve({ kind: 'too_large' });
      return;
    }
    chunks.push(chunk);
  });
  response.on('end', () => resolve({ kind: 'body', text: Buffer.concat(chunks).toString('utf8') }));
  response.on('error', fail);
}
