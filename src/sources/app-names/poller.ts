/**
 * Reads app ids and names from the QRS (docs/reference/sense-apis.md#app-list-request) into the AppNameTable.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from '../../logging/logger.ts';
import type { AppNamesRecord } from '../../records/app-names.ts';
import type { FailedPollRecord, PollFailure } from '../../records/failed-poll.ts';
import type { SenseClient } from '../../sense/client.ts';
import type { PollFailureTracker, PollTarget } from '../../sense/failure-tracker.ts';
import { type AppNameTable, parseAppList } from './table.ts';

export const QRS_DEFAULT_PORT = 4242;

export interface AppNamesPollerOptions {
  /** `appNames.hostIP`: a host name or IP, optionally with `:port` (default 4242). */
  hostIP: string;
  client: SenseClient;
  table: AppNameTable;
  /** Upstream has none, so a hung call never ends (docs/reference/sense-apis.md#the-https-client). */
  timeoutMs: number;
  tracker: PollFailureTracker;
  onRecord(record: AppNamesRecord | FailedPollRecord): void;
  log: Logger;
}

/**
 * `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 literal → `host:port` for the URL.
 * Upstream fixes port 4242; an explicit port is accepted so a simulator or a reverse
 * proxy can be used.
 */
export function qrsAuthority(hostIP: string): string {
  const host = hostIP.trim();
  if (host.startsWith('[')) return /\]:\d+$/.test(host) ? host : `${host}:${QRS_DEFAULT_PORT}`;
  const colons = host.split(':').length - 1;
  if (colons === 1 && /:\d+$/.test(host)) return host;
  if (colons > 1) return `[${host}]:${QRS_DEFAULT_PORT}`; // bare IPv6 literal
  return `${host}:${QRS_DEFAULT_PORT}`;
}

const XRF_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A fresh 16-character key per extraction, as the QRS client upstream uses. */
export function newXrfKey(): string {
  let key = '';
  for (let i = 0; i < 16; i++) key += XRF_ALPHABET[randomInt(XRF_ALPHABET.length)];
  return key;
}

export function createAppNamesPoller(options: AppNamesPollerOptions): () => Promise<void> {
  const { client, table, tracker, log } = options;
  const authority = qrsAuthority(options.hostIP);
  const baseUrl = `https://${authority}/qrs/app`;
  const target: PollTarget = { kind: 'app-names', serverName: options.hostIP, host: authority };

  const fail = (failure: PollFailure) => {
    tracker.failed(target, failure);
    options.onRecord({
      kind: 'failed-poll',
      timeMs: Date.now(),
      pollKind: 'app-names',
      serverName: options.hostIP,
      host: authority,
      failure,
    });
  };

  return async function pollAppNames(): Promise<void> {
    const xrfkey = newXrfKey();
    const response = await client.getJson(`${baseUrl}?xrfkey=${xrfkey}`, {
      headers: { 'X-Qlik-Xrfkey': xrfkey, 'X-Qlik-User': 'UserDirectory=Internal; UserId=sa_repository' },
      timeoutMs: options.timeoutMs,
      trust: 'qrs',
    });
    if (!response.ok) return fail(response.failure);
    const apps = parseAppList(response.body);
    if (!apps)
      return fail({ reason: 'bad_body', message: 'QRS app list is not a JSON array', requestUrl: baseUrl });
    const timeMs = Date.now();
    table.replace(apps, timeMs);
    tracker.succeeded(target);
    log.verbose(`APP NAMES: loaded ${table.size} app names from ${authority}`, { apps: table.size });
    options.onRecord({ kind: 'app-names', timeMs, host: options.hostIP, apps });
  };
}
