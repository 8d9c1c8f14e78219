/**
 * Polls one server's engine healthcheck (docs/reference/sense-apis.md#healthcheck-request) and emits an
 * EngineHealthRecord or a FailedPollRecord.
 */
import type { Logger } from '../../logging/logger.ts';
import type { AppNameLookup } from '../../records/app-names.ts';
import type { EngineHealthRecord } from '../../records/engine-health.ts';
import type { FailedPollRecord } from '../../records/failed-poll.ts';
import type { SenseServerConfig, ServerIdentity } from '../../records/server.ts';
import type { SenseClient } from '../../sense/client.ts';
import type { PollFailureTracker, PollTarget } from '../../sense/failure-tracker.ts';
import { parseHealthBody } from './parse.ts';

export interface EngineHealthPollerOptions {
  server: SenseServerConfig;
  identity: ServerIdentity;
  client: SenseClient;
  appNames: AppNameLookup;
  rejectUnauthorized: boolean;
  /** Upstream: 5000 ms. */
  timeoutMs: number;
  tracker: PollFailureTracker;
  onRecord(record: EngineHealthRecord | FailedPollRecord): void;
  log: Logger;
}

/** Built-in headers, then `servers[].headers` (which may override them, case-insensitively). */
export function healthHeaders(custom: Record<string, unknown> | null | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'Cache-Control': 'no-cache', 'Content-Type': 'application/json' };
  for (const [name, value] of Object.entries(custom ?? {})) {
    if (value === undefined || value === null) continue;
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    headers[name] = String(value);
  }
  return headers;
}

export function healthUrl(host: string): string {
  return `https://${host}/engine/healthcheck`;
}

export function createEngineHealthPoller(options: EngineHealthPollerOptions): () => Promise<void> {
  const { server, identity, client, tracker, log } = options;
  const url = healthUrl(server.host);
  const headers = healthHeaders(server.headers);
  const target: PollTarget = { kind: 'health', serverName: server.serverName, host: server.host };
  let lastMissing = '';

  const fail = (failure: FailedPollRecord['failure']) => {
    tracker.failed(target, failure);
    options.onRecord({
      kind: 'failed-poll',
      timeMs: Date.now(),
      pollKind: 'health',
      serverName: server.serverName,
      host: server.host,
      server: identity,
      failure,
    });
  };

  return async function pollEngineHealth(): Promise<void> {
    const response = await client.getJson(url, {
      headers,
      timeoutMs: options.timeoutMs,
      trust: 'sense',
      rejectUnauthorized: options.rejectUnauthorized,
    });
    if (!response.ok) return fail(response.failure);
    const parsed = parseHealthBody(response.body, identity, options.appNames, Date.now());
    if (!parsed.ok) return fail({ reason: 'bad_body', message: parsed.message, requestUrl: url });
    const missing = parsed.missing.join(',');
    if (missing !== lastMissing) {
      if (missing) {
        log.warn(
          `HEALTH: ${server.serverName} (${server.host}): healthcheck response lacks ${parsed.missing.join(', ')}`,
          {
            server: server.serverName,
            missing: parsed.missing,
          },
        );
      }
      lastMissing = missing;
    }
    tracker.succeeded(target);
    options.onRecord(parsed.record);
  };
}
