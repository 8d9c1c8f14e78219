/**
 * Polls the proxy sessions of one server, one virtual proxy after the other
 * (docs/reference/sense-apis.md#proxy-session-request), emitting one ProxySessionsRecord or
 * FailedPollRecord per virtual proxy. A failing virtual proxy does not stop the others.
 */
import type { FailedPollRecord, PollFailure } from '../../records/failed-poll.ts';
import type { ProxySessionsRecord } from '../../records/proxy-sessions.ts';
import type { SenseServerConfig, ServerIdentity } from '../../records/server.ts';
import type { SenseClient } from '../../sense/client.ts';
import type { PollFailureTracker, PollTarget } from '../../sense/failure-tracker.ts';
import { type ExcludedUser, parseSessionsBody } from './parse.ts';

/** Upstream's fixed XSRF key for proxy calls; Sense only requires query and header to match. */
export const PROXY_XRFKEY = 'abcdefghij987654';

export interface ProxySessionsPollerOptions {
  server: SenseServerConfig;
  identity: ServerIdentity;
  client: SenseClient;
  rejectUnauthorized: boolean;
  /** Upstream: 5000 ms. */
  timeoutMs: number;
  excludeUser: readonly ExcludedUser[] | null | undefined;
  tracker: PollFailureTracker;
  onRecord(record: ProxySessionsRecord | FailedPollRecord): void;
}

/**
 * `/` → `` (default proxy); otherwise the prefix with one leading and no trailing slash.
 * Upstream builds the URL verbatim, so `hdr` or `/hdr/` gave 404s
 * (docs/reference/sense-apis.md#proxy-session-request); the tag value keeps the configured
 * string.
 */
export function virtualProxyPath(virtualProxy: string): string {
  const trimmed = virtualProxy.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

export function proxySessionsUrl(userSessionHost: string, virtualProxy: string): string {
  return `https://${userSessionHost}/qps${virtualProxyPath(virtualProxy)}/session?Xrfkey=${PROXY_XRFKEY}`;
}

export function createProxySessionsPoller(options: ProxySessionsPollerOptions): () => Promise<void> {
  const { server, identity, client, tracker } = options;
  const userSessionHost = server.userSessions?.host ?? '';
  const targets = (server.userSessions?.virtualProxies ?? []).map(({ virtualProxy }) => ({
    virtualProxy,
    url: proxySessionsUrl(userSessionHost, virtualProxy),
    headers: {
      'X-Qlik-Xrfkey': PROXY_XRFKEY,
      'Cache-Control': 'no-cache',
      'Content-Type': 'application/json',
      XVirtualProxy: virtualProxy,
    },
    target: {
      kind: 'proxy-sessions',
      serverName: server.serverName,
      host: userSessionHost,
      virtualProxy,
    } as PollTarget,
  }));

  return async function pollProxySessions(): Promise<void> {
    for (const t of targets) {
      const fail = (failure: PollFailure) => {
        tracker.failed(t.target, failure);
        options.onRecord({
          kind: 'failed-poll',
          timeMs: Date.now(),
          pollKind: 'proxy-sessions',
          serverName: server.serverName,
          host: userSessionHost,
          virtualProxy: t.virtualProxy,
          server: identity,
          failure,
        });
      };
      const response = await client.getJson(t.url, {
        headers: t.headers,
        timeoutMs: options.timeoutMs,
        trust: 'sense',
        rejectUnauthorized: options.rejectUnauthorized,
      });
      if (!response.ok) {
        fail(response.failure);
        continue;
      }
      const parsed = parseSessionsBody(response.body, {
        server: identity,
        virtualProxy: t.virtualProxy,
        userSessionHost,
        excludeUser: options.excludeUser,
        timeMs: Date.now(),
      });
      if (!parsed.ok) {
        fail({ reason: 'bad_body', message: parsed.message, requestUrl: t.url.split('?')[0] ?? t.url });
        continue;
      }
      tracker.succeeded(t.target);
      options.onRecord(parsed.record);
    }
  };
}
