/**
 * One download attempt with the configured authentication: `none` (a plain GET), `qpsTicket`
 * (a ticket for the fixed user) or `userTicket` (a ticket for the event's user), through the
 * proxy's ticket API over mutual TLS, reusing a cached Sense session when the cache is on.
 * Sessions an attempt opened and does not keep are ended at the proxy, so they do not pile up.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { resolve } from 'node:path';
import type { Logger } from '../../../logging/logger.ts';
import type { AuditUser } from '../../../records/audit-event.ts';
import type { AddressPolicy } from './address-policy.ts';
import type { AuditScreenshotsConfig } from './config.ts';
import { type FetchOutcome, fetchImage, type SessionCookie } from './fetch-image.ts';
import {
  deleteSession,
  normaliseVirtualProxy,
  type QpsEndpoint,
  requestTicket,
  virtualProxyOfUrl,
} from './qps.ts';
import { SessionCache } from './session-cache.ts';

export interface AuthenticatedFetchOptions {
  config: AuditScreenshotsConfig;
  cert: {
    clientCert: string;
    clientCertKey: string;
    clientCertCA: string;
    clientCertPassphrase?: string | null;
  };
  serversToMonitor: { rejectUnauthorized: boolean };
  log: Logger;
}

export type AttemptResult = { outcome: FetchOutcome; cacheKey?: string; cached: boolean };

export interface AuthenticatedFetch {
  /** One attempt; `stop` when no attempt can succeed (no user for a userTicket, bad virtual proxy). */
  attempt(url: URL, user: AuditUser): Promise<AttemptResult | { stop: string }>;
  /** Keeps or ends the Sense sessions an attempt opened. */
  settle(result: AttemptResult): void;
  /** Forgets a cached session the server no longer accepts. */
  evict(cacheKey: string): void;
  /** Ends the cached Sense sessions (waiting up to 2 s) and closes the connections. */
  close(): Promise<void>;
}

export function createAuthenticatedFetch(
  options: AuthenticatedFetchOptions,
  policy: AddressPolicy,
  timeoutMs: number,
): AuthenticatedFetch {
  const { config, log } = options;
  const auth = config.auth;
  /** Session deletions under way, awaited on close. */
  const ending = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    ending.add(work);
    void work.finally(() => ending.delete(work));
  };
  const qps = auth.mode === 'none' ? undefined : qpsEndpoint(options);
  const cache =
    qps && auth.sessionCache.enable
      ? new SessionCache({
          ...auth.sessionCache,
          onRemove: (cookie) => qps && track(endSession(qps, cookie, log)),
        })
      : undefined;

  async function attempt(url: URL, user: AuditUser): Promise<AttemptResult | { stop: string }> {
    if (!qps) return { outcome: await fetchImage({ url, policy, timeoutMs }), cached: false };
    const who =
      auth.mode === 'qpsTicket'
        ? { dir: auth.qps.userDirectory, id: auth.qps.userId }
        : { dir: user.userDirectory, id: user.userId };
    if (!who.dir || !who.id) return { stop: 'the event has no user directory and id for a userTicket' };
    const vp =
      auth.mode === 'qpsTicket' ? normaliseVirtualProxy(auth.qps.virtualProxy) : virtualProxyOfUrl(url);
    if (vp === undefined) return { stop: 'the virtual proxy is not valid' };
    const cacheKey = SessionCache.key({
      mode: auth.mode,
      host: qps.host,
      port: qps.port,
      virtualProxy: vp,
      userDirectory: who.dir,
      userId: who.id,
    });
    const cookie = cache?.get(cacheKey);
    if (cookie)
      return {
        outcome: await fetchImage({ url, policy, timeoutMs, httpsAgent: qps.agent, cookie }),
        cacheKey,
        cached: true,
      };
    const ticket = await requestTicket(qps, vp, who.dir, who.id);
    const withTicket = new URL(url);
    withTicket.searchParams.set('qlikTicket', ticket);
    return {
      outcome: await fetchImage({ url: withTicket, policy, timeoutMs, httpsAgent: qps.agent }),
      cacheKey,
      cached: false,
    };
  }

  function settle(result: AttemptResult): void {
    if (!qps) return;
    const cookies = result.outcome.cookies;
    let keep: SessionCookie | undefined;
    if (cache && !result.cached && result.cacheKey && result.outcome.kind === 'image') keep = cookies[0];
    if (keep && result.cacheKey) cache?.set(result.cacheKey, keep);
    for (const cookie of cookies) if (cookie !== keep && !result.cached) track(endSession(qps, cookie, log));
  }

  return {
    attempt,
    settle,
    evict: (cacheKey) => cache?.evict(cacheKey),
    async close() {
      cache?.clear();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise((resolve) => (timer = setTimeout(resolve, 2000)));
      await Promise.race([Promise.allSettled([...ending]), grace]);
      clearTimeout(timer);
      qps?.agent.destroy();
    },
  };
}

function qpsEndpoint(options: AuthenticatedFetchOptions): QpsEndpoint {
  const { cert, config } = options;
  const read = (path: string) => readFileSync(resolve(process.cwd(), path));
  const agent = new Agent({
    cert: read(cert.clientCert),
    key: read(cert.clientCertKey),
    ca: read(cert.clientCertCA),
    ...(cert.clientCertPassphrase ? { passphrase: cert.clientCertPassphrase } : {}),
    rejectUnauthorized: options.serversToMonitor.rejectUnauthorized,
    keepAlive: true,
    maxSockets: 4,
  });
  const timeoutMs = config.auth.qps.ticketTimeoutMs > 0 ? config.auth.qps.ticketTimeoutMs : 5000;
  return { host: config.auth.qps.host, port: config.auth.qps.port, agent, timeoutMs };
}

async function endSession(qps: QpsEndpoint, cookie: SessionCookie, log: Logger): Promise<void> {
  try {
    await deleteSession(qps, cookie);
  } catch (error) {
    log.warn(`AUDIT API: ending a Sense proxy session failed: ${(error as Error).message}`);
  }
}
