/**
 * A local stand-in for New Relic's ingest APIs, strict the way the real ones are documented:
 *
 * - Metric API `POST /metric/v1`, Log API `POST /log/v1`: key in `Api-Key` (or
 *   `X-Insert-Key` / `X-License-Key`, or the `Api-Key` query parameter); 202
 *   `{"requestId": ...}`.
 * - Event API `POST /v1/accounts/<id>/events`: key in `Api-Key` or `X-Insert-Key`, and it
 *   must belong to the account of the path; 200 `{"success":true,"uuid":...}`.
 * - Synchronous errors as documented: 404 unknown path, 405 not POST, 403 missing/unknown
 *   key, 411 no Content-Length, 413 body over 10^6 bytes, 415 wrong Content-Type or
 *   Content-Encoding, 400 undecodable gzip, invalid JSON or invalid structure.
 * - What the real APIs drop asynchronously (attribute limits and types, timestamps out of
 *   range, non-numeric metric values) is accepted but listed in `violations`, so tests can
 *   assert there are none.
 *
 * Every accepted request is recorded (decompressed and parsed) with its account. A fault
 * switch answers a status (500, 503, 429, ...) or delays responses, for fault tests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export const NEW_RELIC_MAX_PAYLOAD_BYTES = 1_000_000;
const MAX_ATTRIBUTE_NAME = 255;
const MAX_ATTRIBUTE_VALUE = 4096;
const MAX_EVENT_ATTRIBUTES = 254;
const MAX_METRIC_ATTRIBUTES = 150;
const EVENT_TYPE = /^[A-Za-z0-9:_]{1,255}$/;
const HOUR_MS = 3_600_000;

export type FakeApi = 'metric' | 'event' | 'log';

export interface FakeAccount {
  accountId: string;
  /** Keys accepted for this account (license or insert keys). */
  keys: string[];
}

export interface RecordedRequest {
  api: FakeApi;
  accountId: string;
  /** Request headers, lower-cased names; key headers replaced by "<key>". */
  headers: Record<string, string>;
  contentEncoding: string | undefined;
  /** Bytes as received (compressed when gzip). */
  receivedBytes: number;
  /** Bytes of the JSON after decompression. */
  jsonBytes: number;
  payload: unknown;
}

export interface Fault {
  /** Answer this status instead of processing (e.g. 500, 503, 429). */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Only for this many requests; absent: until cleared. */
  count?: number;
}

export interface FakeNewRelic {
  /** http://127.0.0.1:PORT; metric URL is `${url}/metric/v1`, event base URL is `url`. */
  url: string;
  metricUrl: string;
  eventUrl: string;
  logUrl: string;
  /** Accepted requests, in arrival order. */
  requests: RecordedRequest[];
  /** Accepted requests of one account. */
  accepted(accountId: string, api?: FakeApi): RecordedRequest[];
  /** Every response that was not a success, with its reason. */
  refusals: { status: number; reason: string; path: string }[];
  /** Problems the real API would drop asynchronously. */
  violations: string[];
  setFault(fault: Fault | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkAttributes(
  where: string,
  attributes: Record<string, unknown>,
  maxCount: number,
  allowBoolean: boolean,
  violations: string[],
): void {
  const names = Object.keys(attributes);
  if (names.length > maxCount) violations.push(`${where}: ${names.length} attributes (max ${maxCount})`);
  for (const name of names) {
    const value = attributes[name];
    if (name.length > MAX_ATTRIBUTE_NAME)
      violations.push(`${where}: attribute name longer than 255: ${name.slice(0, 40)}…`);
    if (typeof value === 'string') {
      if (value.length > MAX_ATTRIBUTE_VALUE)
        violations.push(`${where}: attribute ${name} longer than 4096 characters`);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) violations.push(`${where}: attribute ${name} is not finite`);
    } else if (typeof value === 'boolean') {
      if (!allowBoolean)
        violations.push(`${where}: attribute ${name} is a boolean (only strings and numbers allowed)`);
    } else if (value !== null) {
      violations.push(`${where}: attribute ${name} has unsupported type ${typeof value}`);
    }
  }
}

function checkTimestamp(
  where: string,
  timestamp: unknown,
  now: number,
  violations: string[],
  pastHours: number,
): void {
  if (typeof timestamp !== 'number' || !Number.isInteger(timestamp)) {
    violations.push(`${where}: timestamp is not an integer`);
    return;
  }
  const ms = timestamp < 1e11 ? timestamp * 1000 : timestamp;
  if (ms < now - pastHours * HOUR_MS || ms > now + 24 * HOUR_MS)
    violations.push(`${where}: timestamp out of range`);
}

/** Metric API structure; returns a 400 reason or undefined. Adds async-drop violations. */
function checkMetricPayload(payload: unknown, now: number, violations: string[]): string | undefined {
  if (!Array.isArray(payload)) return 'payload must be a JSON array';
  for (const [b, block] of payload.entries()) {
    if (!isObject(block) || !Array.isArray(block.metrics)) return `block ${b}: "metrics" array required`;
    const common = block.common;
    if (common !== undefined && !isObject(common)) return `block ${b}: "common" must be an object`;
    const commonAttributes = isObject(common?.attributes) ? common.attributes : {};
    if (common?.attributes !== undefined && !isObject(common.attributes))
      return `block ${b}: common.attributes must be an object`;
    checkAttributes(`block ${b} common`, commonAttributes, MAX_METRIC_ATTRIBUTES, true, violations);
    for (const [m, metric] of block.metrics.entries()) {
      const where = `block ${b} metric ${m}`;
      if (!isObject(metric)) return `${where}: not an object`;
      if (typeof metric.name !== 'string' || metric.name.length === 0) return `${where}: name required`;
      const type = metric.type ?? 'gauge';
      if (type !== 'gauge' && type !== 'count' && type !== 'summary')
        return `${where}: unknown type ${String(type)}`;
      if (type === 'gauge' || type === 'count') {
        if (typeof metric.value !== 'number')
          violations.push(`${where} (${metric.name}): value is not a number`);
      }
      if (type !== 'gauge' && metric['interval.ms'] === undefined && common?.['interval.ms'] === undefined) {
        violations.push(`${where}: ${type} without interval.ms`);
      }
      const timestamp = metric.timestamp ?? common?.timestamp;
      if (timestamp === undefined) violations.push(`${where}: no timestamp`);
      else checkTimestamp(where, timestamp, now, violations, 48);
      if (metric.attributes !== undefined && !isObject(metric.attributes))
        return `${where}: attributes must be an object`;
      const attributes = { ...commonAttributes, ...((metric.attributes as Record<string, unknown>) ?? {}) };
      checkAttributes(where, attributes, MAX_METRIC_ATTRIBUTES, true, violations);
    }
  }
  return undefined;
}

function checkEventPayload(payload: unknown, now: number, violations: string[]): string | undefined {
  const events = Array.isArray(payload) ? payload : [payload];
  if (!Array.isArray(payload) && !isObject(payload)) return 'payload must be a JSON object or array';
  for (const [e, event] of events.entries()) {
    const where = `event ${e}`;
    if (!isObject(event)) return `${where}: not an object`;
    if (typeof event.eventType !== 'string' || !EVENT_TYPE.test(event.eventType)) {
      violations.push(`${where}: missing or invalid eventType`);
    }
    if (event.timestamp !== undefined) checkTimestamp(where, event.timestamp, now, violations, 24);
    if ('accountId' in event) violations.push(`${where}: reserved attribute accountId`);
    if ('appId' in event && !Number.isInteger(event.appId))
      violations.push(`${where}: appId must be an integer`);
    const { eventType: _eventType, ...attributes } = event;
    checkAttributes(where, attributes, MAX_EVENT_ATTRIBUTES, false, violations);
  }
  return undefined;
}

function checkLogPayload(payload: unknown, now: number, violations: string[]): string | undefined {
  const blocks = Array.isArray(payload) ? payload : [payload];
  for (const [b, block] of blocks.entries()) {
    if (!isObject(block)) return `block ${b}: not an object`;
    // Simple form: one log entry per element. Detailed form: {common?, logs: [...]}.
    const entries = Array.isArray(block.logs) ? block.logs : [block];
    for (const [l, entry] of entries.entries()) {
      const where = `block ${b} log ${l}`;
      if (!isObject(entry)) return `${where}: not an object`;
      if (entry.timestamp !== undefined) checkTimestamp(where, entry.timestamp, now, violations, 48);
      if (entry.attributes !== undefined && !isObject(entry.attributes))
        return `${where}: attributes must be an object`;
      checkAttributes(where, (entry.attributes as Record<string, unknown>) ?? {}, 255, true, violations);
    }
  }
  return undefined;
}

const KEY_HEADERS: Record<FakeApi, string[]> = {
  metric: ['api-key', 'x-insert-key'],
  event: ['api-key', 'x-insert-key'],
  log: ['api-key', 'x-license-key', 'x-insert-key'],
};

export async function startFakeNewRelic(accounts: FakeAccount[]): Promise<FakeNewRelic> {
  const requests: RecordedRequest[] = [];
  const refusals: FakeNewRelic['refusals'] = [];
  const violations: string[] = [];
  let fault: Fault | undefined;

  const accountOfKey = (key: string | undefined): FakeAccount | undefined =>
    key === undefined ? undefined : accounts.find((account) => account.keys.includes(key));

  const answer = (
    response: ServerResponse,
    path: string,
    status: number,
    body: unknown,
    reason?: string,
  ): void => {
    if (reason !== undefined) refusals.push({ status, reason, path });
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
    });
    response.end(text);
  };
  const refuse = (response: ServerResponse, path: string, status: number, reason: string): void =>
    answer(response, path, status, { requestId: randomUUID(), error: reason }, reason);

  const readBody = (request: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) tooLarge = true;
        else chunks.push(chunk);
      });
      request.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
      request.on('error', reject);
    });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const path = url.pathname;
    if (fault && (fault.count === undefined || fault.count > 0)) {
      const active = fault;
      if (active.count !== undefined) active.count--;
      if (active.delayMs) await new Promise((resolve) => setTimeout(resolve, active.delayMs));
      if (active.status !== undefined) {
        request.resume();
        refuse(response, path, active.status, `injected fault ${active.status}`);
        return;
      }
    }

    let api: FakeApi;
    let pathAccountId: string | undefined;
    const eventPath = /^\/v1\/accounts\/(\d+)\/events\/?$/.exec(path);
    if (path === '/metric/v1') api = 'metric';
    else if (path === '/log/v1') api = 'log';
    else if (eventPath) {
      api = 'event';
      pathAccountId = eventPath[1];
    } else {
      request.resume();
      return refuse(response, path, 404, 'request path incorrect');
    }
    if (request.method !== 'POST') {
      request.resume();
      return refuse(response, path, 405, 'only POST is allowed');
    }

    const key =
      KEY_HEADERS[api].map((name) => request.headers[name]).find((value) => typeof value === 'string') ??
      (api !== 'event' ? (url.searchParams.get('Api-Key') ?? undefined) : undefined);
    const account = accountOfKey(key as string | undefined);
    if (!account || (pathAccountId !== undefined && account.accountId !== pathAccountId)) {
      request.resume();
      return refuse(
        response,
        path,
        403,
        key === undefined ? 'missing API key' : 'invalid API key for this account',
      );
    }
    if (request.headers['content-length'] === undefined) {
      request.resume();
      return refuse(response, path, 411, 'Content-Length required');
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    const allowedTypes =
      api === 'log' ? ['application/json', 'json', 'application/gzip', 'gzip'] : ['application/json'];
    if (!contentType || !allowedTypes.includes(contentType)) {
      request.resume();
      return refuse(response, path, 415, `unsupported Content-Type ${contentType || '(none)'}`);
    }
    const encoding = request.headers['content-encoding']?.toLowerCase();
    if (
      encoding !== undefined &&
      encoding !== 'gzip' &&
      encoding !== 'identity' &&
      !(api === 'event' && encoding === 'deflate')
    ) {
      request.resume();
      return refuse(response, path, 415, `unsupported Content-Encoding ${encoding}`);
    }

    const raw = await readBody(request, NEW_RELIC_MAX_PAYLOAD_BYTES);
    if (raw === 'too-large') return refuse(response, path, 413, 'payload larger than 10^6 bytes');
    let json: Buffer;
    try {
      json = encoding === 'gzip' ? gunzipSync(raw) : raw;
    } catch {
      return refuse(response, path, 400, 'body is not valid gzip');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(json.toString('utf8'));
    } catch {
      return refuse(response, path, 400, 'body is not valid JSON');
    }
    const now = Date.now();
    const check =
      api === 'metric' ? checkMetricPayload : api === 'event' ? checkEventPayload : checkLogPayload;
    const problem = check(payload, now, violations);
    if (problem) return refuse(response, path, 400, problem);

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value !== 'string') continue;
      headers[name] = KEY_HEADERS[api].includes(name) ? '<key>' : value;
    }
    requests.push({
      api,
      accountId: account.accountId,
      headers,
      contentEncoding: encoding,
      receivedBytes: raw.length,
      jsonBytes: json.length,
      payload,
    });
    if (api === 'event') answer(response, path, 200, { success: true, uuid: randomUUID() });
    else answer(response, path, 202, { requestId: randomUUID() });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        refuse(response, request.url ?? '', 500, `fake failed: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    metricUrl: `${url}/metric/v1`,
    eventUrl: url,
    logUrl: `${url}/log/v1`,
    requests,
    accepted: (accountId, api) =>
      requests.filter((r) => r.accountId === accountId && (api === undefined || r.api === api)),
    refusals,
    violations,
    setFault: (next) => {
      fault = next ? { ...next } : undefined;
    },
    reset: () => {
      requests.length = 0;
      refusals.length = 0;
      violations.length = 0;
      fault = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
