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
 *
 * Parts: `endpoints.ts` checks the settings, `poster.ts` posts to one account, this module
 * turns a batch into payloads and the accounts' outcomes into one DeliveryError.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { DeliveryError } from '../../delivery/types.ts';
import type { Logger } from '../../logging/logger.ts';
import type { NewRelicEvent, NewRelicLog } from '../../mapping/shapes.ts';
import { createRedactor } from '../../secrets/redactor.ts';
import { checkedEndpoints } from './endpoints.ts';
import {
  type Attributes,
  type BuiltPayloads,
  buildEventPayloads,
  buildLogPayloads,
  buildMetricPayloads,
  MAX_PAYLOAD_BYTES,
  type MetricInput,
} from './payloads.ts';
import { AccountPoster, API_NAMES, type CompressedPayloads, type Failure } from './poster.ts';

export { classifyStatus } from './poster.ts';

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

export function createNewRelicSink(options: NewRelicSinkOptions): NewRelicSink {
  const maxBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  const commonAttributes = options.commonAttributes ?? {};
  const endpoints = checkedEndpoints(options);
  const stats: NewRelicSinkStats = {
    requests: 0,
    failedRequests: 0,
    bytesSent: 0,
    delivered: { metric: 0, event: 0, log: 0 },
    invalid: 0,
  };
  const poster = new AccountPoster({
    endpoints,
    timeoutMs: options.timeoutMs ?? 10_000,
    redact: createRedactor(endpoints.secrets()),
    stats,
    log: options.log,
  });
  /** Requests (account, API, body index) that succeeded for a batch object. */
  const sentForBatch = new WeakMap<readonly unknown[], Set<string>>();

  const write = async (
    api: NewRelicApi,
    batch: readonly unknown[],
    built: BuiltPayloads,
    signal: AbortSignal | undefined,
  ): Promise<void> => {
    if (api === 'log' && !endpoints.urlFor('log', '')) {
      throw new DeliveryError('New Relic: no Log API URL configured', {
        kind: 'rejected',
        code: 'not_configured',
      });
    }
    if (built.invalid.length > 0) {
      stats.invalid += built.invalid.length;
      throw invalidItemsError(api, built);
    }
    let done = sentForBatch.get(batch);
    if (!done) {
      done = new Set();
      sentForBatch.set(batch, done);
    }
    const payloads: CompressedPayloads = {
      bodies: await Promise.all(built.bodies.map((body) => gzip(Buffer.from(body)))),
      itemCounts: built.itemCounts,
    };
    if (payloads.bodies.length === 0) return;
    const results = await Promise.all(
      endpoints.accounts.map((account) => poster.send(api, account, payloads, done, signal)),
    );
    const failures = results.filter((result): result is Failure => result !== undefined);
    if (failures.length > 0) throw accountsFailedError(api, batch, failures);
  };

  return {
    writeMetrics: (metrics, signal) =>
      write('metric', metrics, buildMetricPayloads(metrics, commonAttributes, maxBytes), signal),
    writeEvents: (events, signal) => write('event', events, buildEventPayloads(events, maxBytes), signal),
    writeLogs: (logs, signal) =>
      write('log', logs, buildLogPayloads(logs, commonAttributes, maxBytes), signal),
    stats: () => ({ ...stats, delivered: { ...stats.delivered } }),
    close: () => poster.close(),
  };
}

/**
 * Invalid items are refused before anything is sent; the delivery queue drops exactly those
 * and writes the rest again.
 */
function invalidItemsError(api: NewRelicApi, built: BuiltPayloads): DeliveryError {
  const first = built.invalid[0]?.reason ?? '';
  return new DeliveryError(`New Relic ${API_NAMES[api]}: ${built.invalid.length} item(s) refused: ${first}`, {
    kind: 'rejected',
    code: 'invalid',
    badItems: built.invalid.map((item) => item.index),
  });
}

/** One error for the accounts that failed: retryable when any of them may succeed later. */
function accountsFailedError(
  api: NewRelicApi,
  batch: readonly unknown[],
  failures: Failure[],
): DeliveryError {
  const detail = failures
    .map((f) => `account "${f.account.name}" (${f.account.accountId}): ${f.cause}`)
    .join('; ');
  const message = `New Relic ${API_NAMES[api]}: ${detail}`;
  const retryable = failures.find((f) => f.kind === 'retryable');
  if (retryable) return new DeliveryError(message, { kind: 'retryable', code: retryable.code });
  // A refusal (403 key, 404 URL, ...) concerns the account, not single items: the whole
  // batch is refused, so the queue does not split it and resend parts to the accounts
  // that accepted it.
  return new DeliveryError(message, {
    kind: 'rejected',
    code: (failures[0] as Failure).code,
    badItems: batch.map((_, index) => index),
  });
}
