/**
 * The one HTTPS client for every Sense call (engine healthcheck, proxy sessions, QRS).
 *
 * - One undici Agent per (certificate material, trust mode): keep-alive connections and
 *   TLS session resumption are reused across polls, where upstream opened a new TLS
 *   connection per request.
 * - The client certificate is turned into one SecureContext (see certificates.ts) and
 *   reloaded when the files change, so rotation works without restart.
 * - Per-request deadline; redirects followed up to 5 times, as upstream.
 * - Never throws: every outcome is a `SenseResponse`, failures classified
 *   (refused, timeout, tls, http_status, bad_body, cert_file, ...).
 */
import { type Dispatcher, interceptors } from 'undici';
import type { PollFailure } from '../records/failed-poll.ts';
import { type CertificateFiles, type CertificateMaterial, CertificateStore } from './certificates.ts';
import { classifyRequestError } from './classify.ts';
import { createSenseConnector, type SenseConnector } from './connector.ts';
import { OriginPools } from './origin-pools.ts';

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
   * server never verified (sense-inputs.md §5.1).
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

export function createSenseClient(options: SenseClientOptions): SenseClient {
  const checkMs = options.certCheckIntervalMs ?? 10_000;
  const maxBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
  const stores = {
    sense: new CertificateStore(options.cert, checkMs),
    // QRS: upstream passes cert + key only. The passphrase is passed too (sense-inputs.md
    // §13.1 item 2 recommends it) so that an encrypted key works for all three APIs.
    qrs: new CertificateStore(
      {
        clientCert: options.cert.clientCert,
        clientCertKey: options.cert.clientCertKey,
        clientCertPassphrase: options.cert.clientCertPassphrase,
      },
      checkMs,
    ),
  };
  /** Active dispatchers by trust mode + verification flag, with the generation they were built for. */
  const agents = new Map<
    string,
    { generation: number; agent: OriginPools; dispatcher: Dispatcher; connector: SenseConnector }
  >();
  const stats = { requests: 0, succeeded: 0, failed: 0, agentsCreated: 0 };
  /** Connection counts of agents already closed (rotated certificates). */
  const retired = { connections: 0, resumed: 0 };
  let closed = false;

  function dispatcherFor(
    key: string,
    material: CertificateMaterial,
    rejectUnauthorized: boolean,
  ): Dispatcher {
    const current = agents.get(key);
    if (current && current.generation === material.generation) return current.dispatcher;
    const connector = createSenseConnector({
      secureContext: material.secureContext,
      rejectUnauthorized,
      connectTimeoutMs: 10_000,
    });
    const agent = new OriginPools({
      connect: connector.connect,
      // Keep idle connections between polls when the server allows it.
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 10 * 60_000,
    });
    const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }));
    agents.set(key, { generation: material.generation, agent, dispatcher, connector });
    stats.agentsCreated++;
    // Certificates were rotated: let requests in flight on the old agent finish, then close it.
    if (current) {
      const old = current.connector.stats();
      retired.connections += old.connections;
      retired.resumed += old.resumed;
      void current.agent.close().catch(() => {});
    }
    return dispatcher;
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
      const parsed = new URL(url);
      const material = await stores[opts.trust].get();
      const dispatcher = dispatcherFor(`${opts.trust}:${rejectUnauthorized}`, material, rejectUnauthorized);
      const response = await dispatcher.request({
        origin: parsed.origin,
        path: `${parsed.pathname}${parsed.search}`,
        method: 'GET',
        headers: opts.headers,
        signal: deadline.signal,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      if (response.statusCode !== 200) {
        // Upstream v14 silently ignores 2xx other than 200; v15 logs them. Treat every
        // non-200 as a failed poll so nothing goes unnoticed.
        await response.body.dump().catch(() => {});
        return fail({
          reason: 'http_status',
          message: `HTTP status ${response.statusCode}`,
          requestUrl,
          httpStatus: response.statusCode,
        });
      }
      const text = await readLimited(response.body, maxBytes);
      if (text === undefined) {
        return fail({
          reason: 'bad_body',
          message: `response body larger than ${maxBytes} bytes`,
          requestUrl,
        });
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        return fail({
          reason: 'bad_body',
          message: `response is not JSON: ${(error as Error).message}`,
          requestUrl,
        });
      }
      stats.succeeded++;
      return { ok: true, status: response.statusCode, body, url };
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
      for (const a of agents.values()) {
        const c = a.connector.stats();
        tlsConnections += c.connections;
        tlsResumed += c.resumed;
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
      // up shutdown for a whole request timeout. (undici's destroy() after close() leaves
      // pending requests hanging, so only destroy() is used.)
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 1000);
        }),
      ]);
      clearTimeout(timer);
      await Promise.all(all.map(({ agent }) => agent.destroy().catch(() => {})));
    },
  };
}

async function readLimited(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1
    ? (chunks[0] as Buffer).toString('utf8')
    : Buffer.concat(chunks).toString('utf8');
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
