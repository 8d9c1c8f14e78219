/**
 * Posting one API's compressed bodies to one account: one keep-alive client per origin,
 * request counters, and a log line when an account's posts start or stop failing (not one
 * per failure). A failure is returned, coded and described without any key or header value.
 */
import type { DeliveryErrorCode, DeliveryErrorKind } from '../../delivery/types.ts';
import { createHttpClient, type HttpClient, statusFailureOf } from '../../http/client.ts';
import type { Logger } from '../../logging/logger.ts';
import { socketErrorText, socketFailureOf } from '../../net/socket-errors.ts';
import { type Redact, redactedExcerpt } from '../../secrets/redactor.ts';
import { type CheckedAccount, type Endpoints, shownUrl } from './endpoints.ts';
import type { NewRelicApi, NewRelicSinkStats } from './newrelic-sink.ts';
import type { BuiltPayloads } from './payloads.ts';

export const API_NAMES: Record<NewRelicApi, string> = {
  metric: 'Metric API',
  event: 'Event API',
  log: 'Log API',
};
/** Characters of an error answer quoted in a message. */
const BODY_SNIPPET_CHARS = 200;
/** Responses are tiny JSON; more than this (a misbehaving proxy) is not read. */
const MAX_RESPONSE_BYTES = 16_384;

/** 2xx ok; 408, 429 and 5xx can succeed later; everything else never will. */
export function classifyStatus(status: number): 'ok' | 'retryable' | 'rejected' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429 || status >= 500) return 'retryable';
  return 'rejected';
}

export interface Failure {
  account: CheckedAccount;
  kind: DeliveryErrorKind;
  code: DeliveryErrorCode;
  cause: string;
}

/** One API's bodies of one batch, compressed, and the items each holds. */
export interface CompressedPayloads {
  bodies: Buffer[];
  itemCounts: BuiltPayloads['itemCounts'];
}

export interface PosterOptions {
  endpoints: Endpoints;
  timeoutMs: number;
  redact: Redact;
  stats: NewRelicSinkStats;
  log: Logger;
}

export class AccountPoster {
  readonly #options: PosterOptions;
  /** One keep-alive client per origin (metric, event and log APIs may be different hosts). */
  readonly #clients = new Map<string, HttpClient>();
  /** Per account and API: whether the last request failed, to log changes once. */
  readonly #failing = new Set<string>();

  constructor(options: PosterOptions) {
    this.#options = options;
  }

  /**
   * Posts the bodies not yet in `done` (request keys of this batch that succeeded before), in
   * order; stops at the first failure and returns it.
   */
  async send(
    api: NewRelicApi,
    account: CheckedAccount,
    payloads: CompressedPayloads,
    done: Set<string>,
    signal: AbortSignal | undefined,
  ): Promise<Failure | undefined> {
    const url = this.#options.endpoints.urlFor(api, account.accountId) as URL;
    for (let index = 0; index < payloads.bodies.length; index++) {
      const requestKey = `${account.name}\u0000${account.accountId}\u0000${api}\u0000${index}`;
      if (done.has(requestKey)) continue;
      const body = payloads.bodies[index] as Buffer;
      const failure = await this.#post(api, account, url, body, signal);
      if (failure) {
        this.#noteFailure(api, failure);
        return failure;
      }
      done.add(requestKey);
      this.#options.stats.bytesSent += body.length;
      this.#options.stats.delivered[api] += payloads.itemCounts[index] ?? 0;
    }
    this.#noteSuccess(api, account);
    return undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#clients.values()].map((client) => client.close()));
  }

  /** One request; a failure, or undefined when New Relic accepted the body. */
  async #post(
    api: NewRelicApi,
    account: CheckedAccount,
    url: URL,
    body: Buffer,
    signal: AbortSignal | undefined,
  ): Promise<Failure | undefined> {
    const headers: Record<string, string> = Object.fromEntries(this.#options.endpoints.headersFor(api));
    headers['Content-Type'] = 'application/json';
    headers['Content-Encoding'] = 'gzip';
    headers['Api-Key'] = account.insertApiKey;
    this.#options.stats.requests++;
    try {
      const response = await this.#clientFor(url).request({
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers,
        body,
        timeoutMs: this.#options.timeoutMs,
        ...(signal ? { signal } : {}),
      });
      const outcome = classifyStatus(response.status);
      if (outcome === 'ok') return undefined;
      const snippet = redactedExcerpt((text) => this.#oneLine(text), response.body, BODY_SNIPPET_CHARS);
      const cause = `HTTP ${response.status} from ${shownUrl(url)}${snippet ? `: ${snippet}` : ''}`;
      return { account, kind: outcome, code: statusFailureOf(response.status), cause };
    } catch (error) {
      if (signal?.aborted)
        return { account, kind: 'retryable', code: 'aborted', cause: `aborted (${shownUrl(url)})` };
      const { code, text } = this.#networkFailure(error);
      return { account, kind: 'retryable', code, cause: `${text} (${shownUrl(url)})` };
    }
  }

  /** Redacted first, then on one line. */
  #oneLine(text: string): string {
    return this.#options.redact(text).replace(/\s+/g, ' ').trim();
  }

  #networkFailure(error: unknown): { code: DeliveryErrorCode; text: string } {
    // The caller's own abort is told apart in #post; any other abort is the timeout.
    const name = (error as { name?: unknown })?.name;
    if (name === 'TimeoutError' || name === 'AbortError')
      return { code: 'timeout', text: `no response within ${this.#options.timeoutMs} ms` };
    return { code: socketFailureOf(error), text: this.#options.redact(socketErrorText(error)) };
  }

  #clientFor(url: URL): HttpClient {
    let client = this.#clients.get(url.origin);
    if (!client) {
      client = createHttpClient(url.origin, { connections: 8, maxResponseBytes: MAX_RESPONSE_BYTES });
      this.#clients.set(url.origin, client);
    }
    return client;
  }

  #noteFailure(api: NewRelicApi, failure: Failure): void {
    this.#options.stats.failedRequests++;
    const { account } = failure;
    const stateKey = `${account.name}\u0000${api}`;
    if (this.#failing.has(stateKey)) return;
    this.#failing.add(stateKey);
    this.#options.log.warn(
      `New Relic: ${API_NAMES[api]} post to account "${account.name}" (${account.accountId}) failed: ${failure.cause}`,
    );
  }

  #noteSuccess(api: NewRelicApi, account: CheckedAccount): void {
    if (!this.#failing.delete(`${account.name}\u0000${api}`)) return;
    this.#options.log.info(
      `New Relic: ${API_NAMES[api]} posts to account "${account.name}" (${account.accountId}) succeed again`,
    );
  }
}
