/**
 * The InfluxDB sink's requests: one keep-alive HTTP client to the server, the version's
 * authentication on every request, and errors that name the destination and the cause,
 * never a token or password.
 */
import { DeliveryError } from '../../delivery/types.ts';
import { createHttpClient, type HttpClient, HttpTimeoutError } from '../../http/client.ts';
import { socketErrorText, socketFailureOf } from '../../net/socket-errors.ts';
import { createRedactor, type Redact, redactedExcerpt } from '../../secrets/redactor.ts';
import { errorBodyMessage } from './write-errors.ts';

/** Enough of an answer for any error message. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Characters of an error answer quoted in a message. */
const MAX_QUOTED_CHARS = 500;

export interface InfluxRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer | readonly Uint8Array[];
  signal?: AbortSignal;
}

export interface InfluxAnswer {
  status: number;
  body: string;
}

export interface InfluxConnectionOptions {
  origin: string;
  /** `InfluxDB v2 at http://host:8086 org=... bucket=...`: starts every error message. */
  destination: string;
  authHeaders: Record<string, string>;
  /** Values removed from every message. */
  secrets: readonly string[];
  timeoutMs: number;
  connections: number;
}

export class InfluxConnection {
  readonly destination: string;
  readonly #options: InfluxConnectionOptions;
  readonly #http: HttpClient;
  readonly #redact: Redact;

  constructor(options: InfluxConnectionOptions) {
    this.destination = options.destination;
    this.#options = options;
    this.#http = createHttpClient(options.origin, {
      connections: options.connections,
      maxResponseBytes: MAX_ERROR_BODY_BYTES,
    });
    this.#redact = createRedactor(options.secrets);
  }

  /**
   * One request. A request that gets no answer throws a retryable DeliveryError coded by its
   * socket failure; one aborted by `signal` throws the signal's reason.
   */
  async request(req: InfluxRequest): Promise<InfluxAnswer> {
    const query = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
    try {
      return await this.#http.request({
        method: req.method,
        path: `${req.path}${query}`,
        headers: { ...this.#options.authHeaders, ...req.headers },
        ...(req.body !== undefined ? { body: req.body } : {}),
        timeoutMs: this.#options.timeoutMs,
        ...(req.signal ? { signal: req.signal } : {}),
      });
    } catch (error) {
      if (req.signal?.aborted) throw error;
      const cause = error instanceof HttpTimeoutError ? error.message : socketErrorText(error);
      throw new DeliveryError(`${this.destination}: ${cause}`, {
        kind: 'retryable',
        code: socketFailureOf(error),
        cause: error,
      });
    }
  }

  /** The body of a 2xx (or `okStatuses`) answer; any other answer throws an Error naming `what`. */
  async expectOk(what: string, req: InfluxRequest, okStatuses: readonly number[] = []): Promise<string> {
    const { status, body } = await this.request(req);
    if ((status >= 200 && status < 300) || okStatuses.includes(status)) return body;
    throw new Error(`${this.destination}: ${what} failed: HTTP ${status}${this.quoteAnswer(body)}`);
  }

  /** Runs an InfluxQL statement (1.x); its series, or an Error with InfluxDB's own message. */
  async influxQl(statement: string): Promise<unknown[]> {
    const what = statement.split(' ').slice(0, 2).join(' ');
    const body = await this.expectOk(what, {
      method: 'POST',
      path: '/query',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ q: statement }).toString(),
    });
    const json = safeJson(body) as { error?: string; results?: { error?: string; series?: unknown[] }[] };
    const error = json?.error ?? json?.results?.find((r) => r.error)?.error;
    if (error) throw new Error(`${this.destination}: ${what} failed: ${this.#redacted(error)}`);
    return json?.results?.[0]?.series ?? [];
  }

  /** `: <InfluxDB's message>` for an error answer, redacted and cut; '' for an empty one. */
  quoteAnswer(body: string): string {
    return body ? `: ${this.#redacted(errorBodyMessage(body))}` : '';
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  #redacted(text: string): string {
    return redactedExcerpt(this.#redact, text, MAX_QUOTED_CHARS);
  }
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
