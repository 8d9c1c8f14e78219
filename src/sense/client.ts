/**
 * The one HTTPS client for every Sense call (engine healthcheck, proxy sessions, QRS).
 *
 * - One node:https Agent per (certificate material, trust mode): keep-alive connections
 *   and TLS sessions (held per host:port, so a reconnect resumes with a cheap handshake)
 *   are reused across polls, where upstream opened a new TLS connection per request.
 *   node:https rather than undici (used before): undici also loads Node's internal copy of
 *   itself, about 8 MB more resident for the same keep-alive and session reuse (measured with
 *   a bundled probe of each), and this client needs only GET with a deadline.
 * - The client certificate is turned into one SecureContext (see certificates.ts) and
 *   reloaded when the files change, so rotation works without restart.
 * - Per-request deadline; redirects followed up to 5 times, as upstream.
 * - Never throws: every outcome is a `SenseResponse`, failures classified
 *   (refused, timeout, tls, http_status, bad_body, cert_file, ...).
 */

import type { IncomingMessage } from 'node:http';
import type { AgentOptions, Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import type { TLSSocket } from 'node:tls';
import type { PollFailure } from '../records/failed-poll.ts';
import { type CertificateFiles, type CertificateMaterial, CertificateStore } from './certificates.ts';
import { classifyRequestError } from './classify.ts';

// Required, not imported: see src/http/client.ts (an ESM import of node:http's namespace
// loads Node's internal undici).
const https = createRequire(import.meta.url)('node:https') as typeof import('node:https');

export interface SenseClientOptions {
  /** `cert.*` of the config. */
  cert: CertificateFiles;
  /** How often certificate files are checked for changes (mtime/size). Default 10 s. */
  certCheckIntervalMs?: number;
  /** Larger bodies fail as `bad_body` instead of growing memory. Default 64 MiB. */
  maxResponseBytes?: number;
}

export interface SenseRequestOptions {
  headers: Record<string, string>;
  timeoutMs: number;
  /**
   * `sense`: client cert + key + CA + passphrase, server verified when
   * `rejectUnauthorized`. `qrs`: client cert + key (and passphrase, see below), no CA,
   * server never verified (docs/reference/sense-apis.md#app-list-request).
   */
  trust: 'sense' | 'qrs';
  rejectUnauthorized?: boolean;
}

export type SenseResponse =
  | { ok: true; status: number; body: unknown; url: string }
  | { ok: false; failure: PollFailure };

export interface SenseClientStats {
  requests: number;
  succeeded: number;
  failed: number;
  agentsCreated: number;
  certificateLoads: number;
  /** TLS connections opened, and how many resumed a session (cheap handshake). */
  tlsConnections: number;
  tlsResumed: number;
}

export interface SenseClient {
  getJson(url: string, options: SenseRequestOptions): Promise<SenseResponse>;
  stats(): SenseClientStats;
  close(): Promise<void>;
}

const MAX_REDIRECTIONS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Connections an agent opened, and how many resumed a TLS session. */
interface CountingAgent {
  agent: HttpsAgent;
  connections: number;
  resumed: number;
}

/** An https.Agent that counts its TLS connections and session resumptions. */
function countingAgent(options: AgentOptions): CountingAgent {
  const counted: CountingAgent = { agent: new https.Agent(options), connections: 0, resumed: 0 };
  const agent = counted.agent as HttpsAgent & {
    createConnection(options: object, callback?: unknown): TLSSocket;
  };
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (connectOptions, callback) => {
    const socket = create(connectOptions, callback);
    counted.connections++;
    socket.setNoDelay(true);
    socket.once('secureConnect', () => {
      if (socket.isSessionReused()) counted.resumed++;
    });
    return socket;
  };
  return counted;
}

/** What one GET brought back: a redirect, a status other than 200, or the body. */
type GetResult =
  | { kind: 'redirect'; location: string }
  | { kind: 'status'; status: number }
  | { kind: 'body'; text: string }
  | { kind: 'too_large' };

export function createSenseClient(options: SenseClientOptions): SenseClient {
  const checkMs = options.certCheckIntervalMs ?? 10_000;
  const maxBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
  const stores = {
    sense: new CertificateStore(options.cert, checkMs),
    // QRS: upstream passes cert + key only. The passphrase is passed too, so that an encrypted
    // key works for all three APIs (docs/reference/sense-apis.md#client-certificates).
    qrs: new CertificateStore(
      {
        clientCert: options.cert.clientCert,
        clientCertKey: options.cert.clientCertKey,
        clientCertPassphrase: options.cert.clientCertPassphrase,
      },
      checkMs,
    ),
  };
  /** Active agents by trust mode + verification flag, with the generation they were built for. */
  const agents = new Map<string, { generation: number; counted: CountingAgent }>();
  const stats = { requests: 0, succeeded: 0, failed: 0, agentsCreated: 0 };
  /** Connection counts of agents already closed (rotated certificates). */
  const retired = { connections: 0, resumed: 0 };
  let closed = false;

  function agentFor(key: string, material: CertificateMaterial, rejectUnauthorized: boolean): HttpsAgent {
    const current = agents.get(key);
    if (current && current.generation === material.generation) return current.counted.agent;
    const counted = countingAgent({
      keepAlive: true,
      // Idle connections are kept between polls (when the server allows it) for a minute.
      timeout: 60_000,
      secureContext: material.secureContext,
      rejectUnauthorized,
      // One TLS session per host:port (engine and proxy ports of one server differ).
      maxCachedSessions: 4096,
    });
    agents.set(key, { generation: material.generation, counted });
    stats.agentsCreated++;
    // Certificates were rotated: requests in flight on the old agent finish, then its idle
    // connections are closed.
    if (current) {
      retired.connections += current.counted.connections;
      retired.resumed += current.counted.resumed;
      current.counted.agent.destroy();
    }
    return counted.agent;
  }

  /** One GET on `agent`; rejects with the socket error (bytes read attached) or the deadline. */
  function getOnce(
    url: URL,
    agent: HttpsAgent,
    headers: Record<string, string>,
    deadline: AbortSignal,
  ): Promise<GetResult> {
    return new Promise<GetResult>((resolve, reject) => {
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
        reject(deadline.aborted ? deadline.reason : error);
      });
      request.on('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        const { location } = response.headers;
        if (status !== 200) {
          response.resume();
          resolve(
            REDIRECT_STATUSES.has(status) && location
              ? { kind: 'redirect', location }
              : { kind: 'status', status },
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
        response.on('end', () => {
          resolve({ kind: 'body', text: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', (error) => reject(deadline.aborted ? deadline.reason : error));
      });
      request.end();
    });
  }

  const inFlight = new Set<Promise<SenseResponse>>();

  function getJson(url: string, opts: SenseRequestOptions): Promise<SenseResponse> {
    const request = performRequest(url, opts);
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
    return request;
  }

  async function performRequest(url: string, opts: SenseRequestOptions): Promise<SenseResponse> {
    stats.requests++;
    const requestUrl = stripQuery(url);
    const fail = (failure: PollFailure): SenseResponse => {
      stats.failed++;
      return { ok: false, failure };
    };
    if (closed) return fail({ reason: 'network', message: 'client closed', requestUrl });
    const rejectUnauthorized = opts.trust === 'qrs' ? false : (opts.rejectUnauthorized ?? true);
    // One deadline for connect + headers + body. A cleared timer rather than
    // AbortSignal.timeout(), whose timer cannot be cancelled and fires (allocating a
    // DOMException and dispatching an abort event) long after every successful poll.
    const deadline = new AbortController();
    const timer = setTimeout(() => {
      deadline.abort(
        Object.assign(new Error(`no response within ${opts.timeoutMs} ms`), { name: 'TimeoutError' }),
      );
    }, opts.timeoutMs);
    try {
      let target = new URL(url);
      const material = await stores[opts.trust].get();
      const agent = agentFor(`${opts.trust}:${rejectUnauthorized}`, material, rejectUnauthorized);
      let result = await getOnce(target, agent, opts.headers, deadline.signal);
      for (let hop = 0; result.kind === 'redirect'; hop++) {
        if (hop >= MAX_REDIRECTIONS) {
          return fail({
            reason: 'http_status',
            message: `more than ${MAX_REDIRECTIONS} redirects`,
            requestUrl,
          });
        }
        target = new URL(result.location, target);
        result = await getOnce(target, agent, opts.headers, deadline.signal);
      }
      if (result.kind === 'status') {
        // Upstream v14 silently ignores 2xx other than 200; v15 logs them. Treat every
        // non-200 as a failed poll so nothing goes unnoticed.
        return fail({
          reason: 'http_status',
          message: `HTTP status ${result.status}`,
          requestUrl,
          httpStatus: result.status,
        });
      }
      if (result.kind === 'too_large') {
        return fail({
          reason: 'bad_body',
          message: `response body larger than ${maxBytes} bytes`,
          requestUrl,
        });
      }
      let body: unknown;
      try {
        body = JSON.parse(result.text);
      } catch (error) {
        return fail({
          reason: 'bad_body',
          message: `response is not JSON: ${(error as Error).message}`,
          requestUrl,
        });
      }
      stats.succeeded++;
      return { ok: true, status: 200, body, url };
    } catch (error) {
      return fail(classifyRequestError(error, requestUrl, opts.timeoutMs));
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    getJson,
    stats: () => {
      let tlsConnections = retired.connections;
      let tlsResumed = retired.resumed;
      for (const { counted } of agents.values()) {
        tlsConnections += counted.connections;
        tlsResumed += counted.resumed;
      }
      return {
        ...stats,
        certificateLoads: stores.sense.loads + stores.qrs.loads,
        tlsConnections,
        tlsResumed,
      };
    },
    async close() {
      closed = true;
      const all = [...agents.values()];
      agents.clear();
      // Let requests in flight finish briefly, then cut them: a hung server must not hold
      // up shutdown for a whole request timeout.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 1000);
        }),
      ]);
      clearTimeout(timer);
      for (const { counted } of all) counted.agent.destroy();
    },
  };
}

/** `origin + pathname`: the query (xrfkeys) is left out of logs and error points. */
export function stripQuery(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.split('?')[0] ?? url;
  }
}
