/**
 * The one HTTPS client for every Sense call (engine healthcheck, proxy sessions, QRS).
 *
 * - One node:https Agent per (certificate material, trust mode), in https-agents.ts:
 *   keep-alive connections and TLS sessions (held per host:port, so a reconnect resumes with
 *   a cheap handshake) are reused across polls, where upstream opened a new TLS connection
 *   per request.
 *   node:https rather than undici (used before): undici also loads Node's internal copy of
 *   itself, about 8 MB more resident for the same keep-alive and session reuse (measured with
 *   a bundled probe of each), and this client needs only GET with a deadline.
 * - The client certificate is turned into one SecureContext (see certificates.ts) and
 *   reloaded when the files change, so rotation works without restart.
 * - Per-request deadline; redirects followed up to 5 times, as upstream (https-get.ts).
 * - Never throws: every outcome is a `SenseResponse`, failures classified
 *   (refused, timeout, tls, http_status, bad_body, cert_file, ...).
 */

import type { PollFailure } from '../records/failed-poll.ts';
import { type CertificateFiles, CertificateStore } from './certificates.ts';
import { classifyRequestError } from './classify.ts';
import { AgentPool } from './https-agents.ts';
import { type GetResult, getFollowingRedirects, MAX_REDIRECTIONS } from './https-get.ts';

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

/** What every request needs: certificates per trust mode, agents, the body cap. */
interface Transport {
  stores: Record<SenseRequestOptions['trust'], CertificateStore>;
  agents: AgentPool;
  maxBytes: number;
}

export function createSenseClient(options: SenseClientOptions): SenseClient {
  const transport: Transport = {
    stores: certificateStores(options.cert, options.certCheckIntervalMs ?? 10_000),
    agents: new AgentPool(),
    maxBytes: options.maxResponseBytes ?? 64 * 1024 * 1024,
  };
  const counts = { requests: 0, succeeded: 0, failed: 0 };
  const inFlight = new Set<Promise<SenseResponse>>();
  let closed = false;

  async function request(url: string, opts: SenseRequestOptions): Promise<SenseResponse> {
    counts.requests++;
    const response = closed
      ? failed({ reason: 'network', message: 'client closed', requestUrl: stripQuery(url) })
      : await getJsonOnce(transport, url, opts);
    if (response.ok) counts.succeeded++;
    else counts.failed++;
    return response;
  }

  return {
    getJson(url, opts) {
      const pending = request(url, opts);
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
      return pending;
    },
    stats() {
      const tls = transport.agents.tlsCounts();
      const { sense, qrs } = transport.stores;
      return {
        ...counts,
        agentsCreated: transport.agents.created,
        certificateLoads: sense.loads + qrs.loads,
        tlsConnections: tls.connections,
        tlsResumed: tls.resumed,
      };
    },
    async close() {
      closed = true;
      const agents = transport.agents.detachAll();
      await settleOrGiveUp(inFlight, 1000);
      for (const agent of agents) agent.destroy();
    },
  };
}

function certificateStores(cert: CertificateFiles, checkMs: number): Transport['stores'] {
  return {
    sense: new CertificateStore(cert, checkMs),
    // QRS: upstream passes cert + key only. The passphrase is passed too, so that an encrypted
    // key works for all three APIs (docs/reference/sense-apis.md#client-certificates).
    qrs: new CertificateStore(
      {
        clientCert: cert.clientCert,
        clientCertKey: cert.clientCertKey,
        clientCertPassphrase: cert.clientCertPassphrase,
      },
      checkMs,
    ),
  };
}

/** One request under one deadline, redirects included; never throws. */
async function getJsonOnce(
  transport: Transport,
  url: string,
  opts: SenseRequestOptions,
): Promise<SenseResponse> {
  const requestUrl = stripQuery(url);
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
    const target = new URL(url);
    const material = await transport.stores[opts.trust].get();
    const agent = transport.agents.agentFor(
      `${opts.trust}:${rejectUnauthorized}`,
      material,
      rejectUnauthorized,
    );
    const result = await getFollowingRedirects(target, {
      agent,
      headers: opts.headers,
      deadline: deadline.signal,
      maxBytes: transport.maxBytes,
    });
    return toResponse(result, url, requestUrl, transport.maxBytes);
  } catch (error) {
    return failed(classifyRequestError(error, requestUrl, opts.timeoutMs));
  } finally {
    clearTimeout(timer);
  }
}

/** The answer to the caller: the parsed JSON body, or why there is none. */
function toResponse(result: GetResult, url: string, requestUrl: string, maxBytes: number): SenseResponse {
  switch (result.kind) {
    case 'too_many_redirects':
      return failed({
        reason: 'http_status',
        message: `more than ${MAX_REDIRECTIONS} redirects`,
        requestUrl,
      });
    case 'status':
      // Upstream v14 silently ignores 2xx other than 200; v15 logs them. Treat every
      // non-200 as a failed poll so nothing goes unnoticed.
      return failed({
        reason: 'http_status',
        message: `HTTP status ${result.status}`,
        requestUrl,
        httpStatus: result.status,
      });
    case 'too_large':
      return failed({
        reason: 'bad_body',
        message: `response body larger than ${maxBytes} bytes`,
        requestUrl,
      });
    case 'body':
      try {
        return { ok: true, status: 200, body: JSON.parse(result.text), url };
      } catch (error) {
        return failed({
          reason: 'bad_body',
          message: `response is not JSON: ${(error as Error).message}`,
          requestUrl,
        });
      }
  }
}

const failed = (failure: PollFailure): SenseResponse => ({ ok: false, failure });

/** Waits for the requests in flight, at most `graceMs`: a hung server must not hold up shutdown. */
async function settleOrGiveUp(inFlight: Set<Promise<unknown>>, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...inFlight]),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    }),
  ]);
  clearTimeout(timer);
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
