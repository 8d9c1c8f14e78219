/**
 * The New Relic sink: posts metrics (Metric API), events (Event API) and logs (Log API) to
 * every configured account.
 *
 * Compared with upstream (docs/reference/new-relic.md#requests,
 * docs/reference/destinations.md#compatibility-decisions): bodies are gzip-compressed and
 * batched (many metrics/events per request, split under the 1 MB limit); a failing account does
 * not stop the others and null header/attribute lists are empty
 * (docs/reference/new-relic.md#accounts-and-credentials); booleans sent as metric values become
 * 1/0 (docs/reference/new-relic.md#metric-api-payload). The key header is `Api-Key` on all
 * three APIs, as upstream sends it (the Metric and Log APIs document it; the Event API accepts
 * it too).
 *
 * Failures: network errors, timeouts, 408, 429 and 5xx are retryable; other statuses are
 * rejected. Errors and logs name the account (name and id) and the cause, never the key or
 * a header value. When the delivery layer retries the same batch object, requests that
 * already succeeded for an account are not sent again.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { DeliveryError } from '../../delivery/types.ts';
import { createHttpClient, type HttpClient } from '../../http/client.ts';
import type { Logger } from '../../logging/logger.ts';
import type { NewRelicEvent, NewRelicLog } from '../../mapping/shapes.ts';
import {
  type Attributes,
  type BuiltPayloads,
  buildEventPayloads,
  buildLogPayloads,
  buildMetricPayloads,
  MAX_PAYLOAD_BYTES,
  type MetricInput,
} from './payloads.ts';

const gzip = promisify(gzipCallback);

export interface NewRelicAccount {
  /** `thirdPartyToolsCredentials.newRelic[].accountName` */
  name: string;
  insertApiKey: string;
  accountId: string | number;
}

/** A config header entry (`newRelic.metric.header[]`, `newRelic.event.header[]`). */
export interface NewRelicHeader {
  name: string;
  value: string | number | boolean;
}

export interface NewRelicSinkOptions {
  /** Destination accounts, already resolved from names to credentials. */
  accounts: readonly NewRelicAccount[];
  /** `newRelic.metric.url`, used as is (template `https://insights-collector.eu01.nr-data.net/metric/v1`). */
  metricUrl: string;
  /** `newRelic.event.url`: base URL; `/v1/accounts/<accountId>/events` is appended. */
  eventUrl: string;
  /** Log API URL (e.g. `https://log-api.eu.newrelic.com/log/v1`); absent: writeLogs refuses. */
  logUrl?: string;
  /** `newRelic.metric.header` (null = none). Also used for the Log API. */
  metricHeaders?: readonly NewRelicHeader[] | null;
  /** `newRelic.event.header` (null = none). */
  eventHeaders?: readonly NewRelicHeader[] | null;
  /**
   * Attributes added to every metric block's `common.attributes` after the metric's own
   * (e.g. `newRelic.metric.attribute.static` + `butlerSosVersion`), and to logs' common block.
   * Events get none: their attributes come complete from mapping
   * (docs/reference/new-relic.md#common-attributes).
   */
  commonAttributes?: Attributes;
  /** Per-request timeout; default 10 000 ms (upstream: 10 s health/events, 5 s sessions). */
  timeoutMs?: number;
  /** Override of the 1 MB split size, for tests. */
  maxPayloadBytes?: number;
  log: Logger;
}

export type NewRelicApi = 'metric' | 'event' | 'log';

export interface NewRelicSinkStats {
  requests: number;
  failedRequests: number;
  /** Compressed bytes sent in successful requests. */
  bytesSent: number;
  /** Items delivered per API (counted once per account). */
  delivered: Record<NewRelicApi, number>;
  /** Items refused before sending (invalid, or larger than the payload limit). */
  invalid: number;
}

export interface NewRelicSink {
  /** Each write throws the delivery layer's DeliveryError; `signal` aborts it. */
  writeMetrics(metrics: readonly MetricInput[], signal?: AbortSignal): Promise<void>;
  writeEvents(events: readonly NewRelicEvent[], signal?: AbortSignal): Promise<void>;
  writeLogs(logs: readonly NewRelicLog[], signal?: AbortSignal): Promise<void>;
  stats(): NewRelicSinkStats;
  close(): Promise<void>;
}

const API_NAMES: Record<NewRelicApi, string> = { metric: 'Metric API', event: 'Event API', log: 'Log API' };
/** Headers the sink sets itself; config headers with these names are ignored. */
const RESERVED_HEADERS = new Set([
  'api-key',
  'x-insert-key',
  'x-license-key',
  'content-type',
  'content-encoding',
  'content-length',
  'host',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BODY_SNIPPET_CHARS = 200;
/** Responses are tiny JSON; more than this (a misbehaving proxy) is not read. */
const MAX_RESPONSE_BYTES = 16_384;

/** The start of a response body as text, reading at most `limit` bytes. */
/** 2xx ok; 408, 429 and 5xx can succeed later; everything else never will. */
export function classifyStatus(status: number): 'ok' | 'retryable' | 'rejected' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429 || status >= 500) return 'retryable';
  return 'rejected';
}

/** A URL for messages: no user info, no query (either could hold a secret). */
function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function parseUrl(value: string, key: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`New Relic: ${key} is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`New Relic: ${key} must be an http(s) URL`);
  return url;
}

function checkedHeaders(
  headers: readonly NewRelicHeader[] | null | undefined,
  key: string,
  log: Logger,
): [string, string][] {
  const result: [string, string][] = [];
  for (const header of headers ?? []) {
    const name = String(header?.name ?? '');
    if (!HEADER_NAME.test(name))
      throw new Error(`New Relic: ${key} has an invalid header name ${JSON.stringify(name)}`);
    const value = String(header.value ?? '');
    if (/[\r\n\0]/.test(value))
      throw new Error(`New Relic: ${key} header "${name}" has a value with a line break or NUL`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      log.warn(`New Relic: ${key} header "${name}" is ignored: the sink sets it itself`);
      continue;
    }
    result.push([name, value]);
  }
  return result;
}

interface Failure {
  account: NewRelicAccount;
  kind: 'retryable' | 'rejected';
  cause: string;
}

export function createNewRelicSink(options: NewRelicSinkOptions): NewRelicSink {
  const { log } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  const commonAttributes = options.commonAttributes ?? {};

  const accounts = options.accounts.map((account) => {
    const accountId = String(account?.accountId ?? '');
    if (!/^\d+$/.test(accountId))
      throw new Error(`New Relic: account "${account?.name}" has an invalid accountId`);
    if (typeof account.insertApiKey !== 'string' || account.insertApiKey.length === 0) {
      throw new Error(`New Relic: account "${account.name}" has no insertApiKey`);
    }
    if (/[\r\n\0]/.test(account.insertApiKey))
      throw new Error(`New Relic: account "${account.name}" has an invalid insertApiKey`);
    return { ...account, accountId };
  });
  const metricUrl = parseUrl(options.metricUrl, 'newRelic.metric.url');
  const eventBase = parseUrl(options.eventUrl, 'newRelic.event.url');
  const logUrl = options.logUrl ? parseUrl(options.logUrl, 'log URL') : undefined;
  const metricHeaders = checkedHeaders(options.metricHeaders, 'newRelic.metric.header', log);
  const eventHeaders = checkedHeaders(options.eventHeaders, 'newRelic.event.header', log);

  /** Strings that must never appear in a message: keys and header values. */
  const secrets = [
    ...accounts.map((a) => a.insertApiKey),
    ...metricHeaders.map(([, v]) => v),
    ...eventHeaders.map(([, v]) => v),
  ]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  const redact = (text: string): string =>
    secrets.reduce((out, secret) => out.split(secret).join('***'), text);

  const eventUrlFor = (accountId: string): URL => {
    const base = eventBase.href.endsWith('/') ? eventBase.href : `${eventBase.href}/`;
    return new URL(`v1/accounts/${accountId}/events`, base);
  };

  /** One keep-alive client per origin (metric, event and log APIs may be different hosts). */
  const clients = new Map<string, HttpClient>();
  const clientFor = (url: URL): HttpClient => {
    let client = clients.get(url.origin);
    if (!client) {
      client = createHttpClient(url.origin, { connections: 8, maxResponseBytes: MAX_RESPONSE_BYTES });
      clients.set(url.origin, client);
    }
    return client;
  };
  const stats: NewRelicSinkStats = {
    requests: 0,
    failedRequests: 0,
    bytesSent: 0,
    delivered: { metric: 0, event: 0, log: 0 },
    invalid: 0,
  };
  /** Requests (account, API, body index) that succeeded for a batch object. */
  const sentForBatch = new WeakMap<readonly unknown[], Set<string>>();
  /** Per account and API: whether the last request failed, to log changes once. */
  const failing = new Set<string>();

  const post = async (
    url: URL,
    headers: [string, string][],
    account: (typeof accounts)[number],
    body: Buffer,
    signal: AbortSignal | undefined,
  ) => {
    const allHeaders: Record<string, string> = {};
    for (const [name, value] of headers) allHeaders[name] = value;
    allHeaders['Content-Type'] = 'application/json';
    allHeaders['Content-Encoding'] = 'gzip';
    allHeaders['Api-Key'] = account.insertApiKey;
    stats.requests++;
    const response = await clientFor(url).request({
      method: 'POST',
      path: `${url.pathname}${url.search}`,
      headers: allHeaders,
      body,
      timeoutMs,
      ...(signal ? { signal } : {}),
    });
    return { status: response.status, text: response.body };
  };

  const describeNetworkError = (error: unknown): string => {
    const err = error as {
      name?: string;
      code?: string;
      message?: string;
      cause?: { code?: string; message?: string };
    };
    // The caller's own abort is told apart in sendToAccount; any other abort is the timeout.
    if (err?.name === 'TimeoutError' || err?.name === 'AbortError')
      return `no response within ${timeoutMs} ms`;
    const code = err?.code ?? err?.cause?.code;
    const message = err?.cause?.message ?? err?.message ?? String(error);
    return redact(code && !message.includes(code) ? `${code}: ${message}` : message);
  };

  const sendToAccount = async (
    api: NewRelicApi,
    account: (typeof accounts)[number],
    built: BuiltPayloads,
    compressed: Buffer[],
    done: Set<string>,
    signal: AbortSignal | undefined,
  ): Promise<Failure | undefined> => {
    const url =
      api === 'metric' ? metricUrl : api === 'event' ? eventUrlFor(account.accountId) : (logUrl as URL);
    const headers = api === 'event' ? eventHeaders : metricHeaders;
    const stateKey = `${account.name}\u0000${api}`;
    for (let index = 0; index < compressed.length; index++) {
      const requestKey = `${account.name}\u0000${account.accountId}\u0000${api}\u0000${index}`;
      if (done.has(requestKey)) continue;
      let failure: Failure | undefined;
      try {
        const { status, text } = await post(url, headers, account, compressed[index] as Buffer, signal);
        const outcome = classifyStatus(status);
        if (outcome === 'ok') {
          done.add(requestKey);
          stats.bytesSent += (compressed[index] as Buffer).length;
          stats.delivered[api] += built.itemCounts[index] ?? 0;
          continue;
        }
        const snippet = redact(text.replace(/\s+/g, ' ').trim().slice(0, BODY_SNIPPET_CHARS));
        failure = {
          account,
          kind: outcome,
          cause: `HTTP ${status} from ${shownUrl(url)}${snippet ? `: ${snippet}` : ''}`,
        };
      } catch (error) {
        failure = {
          account,
          kind: 'retryable',
          cause: `${signal?.aborted ? 'aborted' : describeNetworkError(error)} (${shownUrl(url)})`,
        };
      }
      stats.failedRequests++;
      if (!failing.has(stateKey)) {
        failing.add(stateKey);
        log.warn(
          `New Relic: ${API_NAMES[api]} post to account "${account.name}" (${account.accountId}) failed: ${failure.cause}`,
        );
      }
      return failure;
    }
    if (failing.delete(stateKey)) {
      log.info(
        `New Relic: ${API_NAMES[api]} posts to account "${account.name}" (${account.accountId}) succeed again`,
      );
    }
    return undefined;
  };

  const write = async (
    api: NewRelicApi,
    batch: readonly unknown[],
    built: BuiltPayloads,
    signal: AbortSignal | undefined,
  ): Promise<void> => {
    if (api === 'log' && !logUrl) {
      throw new DeliveryError('New Relic: no Log API URL configured', { kind: 'rejected' });
    }
    // Invalid items are refused before anything is sent; the delivery queue drops exactly
    // those and writes the rest again.
    if (built.invalid.length > 0) {
      stats.invalid += built.invalid.length;
      const first = built.invalid[0]?.reason ?? '';
      throw new DeliveryError(
        `New Relic ${API_NAMES[api]}: ${built.invalid.length} item(s) refused: ${first}`,
        {
          kind: 'rejected',
          badItems: built.invalid.map((item) => item.index),
        },
      );
    }
    let done = sentForBatch.get(batch);
    if (!done) {
      done = new Set();
      sentForBatch.set(batch, done);
    }
    const compressed = await Promise.all(built.bodies.map((body) => gzip(Buffer.from(body))));
    const failures: Failure[] = [];
    if (compressed.length > 0) {
      const results = await Promise.all(
        accounts.map((account) => sendToAccount(api, account, built, compressed, done, signal)),
      );
      for (const result of results) if (result) failures.push(result);
    }
    if (failures.length > 0) {
      const detail = failures
        .map((f) => `account "${f.account.name}" (${f.account.accountId}): ${f.cause}`)
        .join('; ');
      const message = `New Relic ${API_NAMES[api]}: ${detail}`;
      if (failures.some((f) => f.kind === 'retryable'))
        throw new DeliveryError(message, { kind: 'retryable' });
      // A refusal (403 key, 404 URL, ...) concerns the account, not single items: the whole
      // batch is refused, so the queue does not split it and resend parts to the accounts
      // that accepted it.
      throw new DeliveryError(message, { kind: 'rejected', badItems: batch.map((_, index) => index) });
    }
  };

  return {
    writeMetrics: (metrics, signal) =>
      write('metric', metrics, buildMetricPayloads(metrics, commonAttributes, maxBytes), signal),
    writeEvents: (events, signal) => write('event', events, buildEventPayloads(events, maxBytes), signal),
    writeLogs: (logs, signal) =>
      write('log', logs, buildLogPayloads(logs, commonAttributes, maxBytes), signal),
    stats: () => ({ ...stats, delivered: { ...stats.delivered } }),
    close: async () => {
      await Promise.all([...clients.values()].map((client) => client.close()));
    },
  };
}
