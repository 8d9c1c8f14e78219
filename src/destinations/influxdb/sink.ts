/**
 * InfluxDB sink: writes batches of encoded line protocol to InfluxDB 1.x, 2.x or 3.x over
 * HTTP, and provisions the database on start as upstream Butler SOS does
 * (docs/reference/influxdb.md#provisioning, `setup.ts`). It sits behind a delivery queue, which
 * gives it batches of `influxdbConfig.maxBatchSize` lines and retries or splits according to the
 * DeliveryError it throws.
 *
 * Endpoints (all with `precision` nanoseconds, since the encoder writes ns timestamps; see
 * `version-config.ts`):
 * - v1: `POST /write?db=<dbName>&precision=ns`, default retention policy (as upstream), HTTP
 *   basic auth when a username is set.
 * - v2: `POST /api/v2/write?org=&bucket=&precision=ns`, `Authorization: Token <token>`.
 * - v3: `POST /api/v3/write_lp?db=&precision=nanosecond&accept_partial=false`,
 *   `Authorization: Bearer <token>`. Upstream v15 used the v2-compatible endpoint of
 *   InfluxDB 3; the native one reports the bad line by number, and `accept_partial=false`
 *   keeps a rejected batch all-or-nothing, so the queue's split never writes a point twice.
 * Bodies of v2/v3 writes over 1000 bytes are gzipped (as upstream's clients do).
 *
 * Errors name the destination (`InfluxDB v2 at http://host:8086 org=... bucket=...`) and
 * the cause, never a token or password (`connection.ts`).
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { DeliveryError } from '../../delivery/types.ts';
import type { Logger } from '../../logging/logger.ts';
import { InfluxConnection } from './connection.ts';
import { asText, type LineItem, lineBodyParts } from './line-bytes.ts';
import { setupV1, setupV2, setupV3 } from './setup.ts';
import { requireVersionConfig, type VersionConfig } from './version-config.ts';
import { classifyStatus, droppedCount, findBadLines, writeFailureCode } from './write-errors.ts';

const gzip = promisify(gzipCallback);

export interface InfluxSinkOptions {
  version: 1 | 2 | 3;
  host: string;
  port: number;
  useHttps?: boolean;
  /** `influxdbConfig.v1Config` (auth flattened: set username only when auth is enabled). */
  v1?: {
    username?: string;
    password?: string;
    database: string;
    retentionPolicy: { name: string; duration: string };
  };
  /** `influxdbConfig.v2Config`. */
  v2?: { org: string; bucket: string; token: string; description?: string; retentionDuration?: string };
  /** `influxdbConfig.v3Config`. */
  v3?: { database: string; token: string };
  /** Per request (v3: `v3Config.writeTimeout`; upstream v1 30 s, v2 10 s). */
  timeoutMs: number;
  log: Logger;
  /** Gzip write bodies over 1000 bytes (default: true for v2/v3, false for v1 as upstream). */
  gzip?: boolean;
  /** Keep-alive connections in the pool (default 2: one write in flight plus setup). */
  connections?: number;
}

export interface InfluxSink {
  /**
   * Provisions the database (see docs/reference/influxdb.md#provisioning); throws an Error naming
   * the cause.
   */
  setup(): Promise<void>;
  /**
   * Writes lines (bytes as line-bytes.ts makes them, or strings); throws DeliveryError
   * (retryable or rejected, with the bad lines if known, coded `database_not_found` when the
   * database, bucket or organisation is missing).
   */
  write(lines: LineItem[], signal?: AbortSignal): Promise<void>;
  /** `InfluxDB v1 at http://host:port db=...`: for logs and error messages. */
  describe(): string;
  close(): Promise<void>;
}

const GZIP_THRESHOLD_BYTES = 1000;

export function createInfluxSink(options: InfluxSinkOptions): InfluxSink {
  const origin = `${options.useHttps ? 'https' : 'http'}://${options.host}:${options.port}`;
  const config = requireVersionConfig(options);
  const influx = new InfluxConnection({
    origin,
    destination: `InfluxDB v${options.version} at ${origin} ${config.label}`,
    authHeaders: config.authHeaders,
    secrets: config.secrets,
    timeoutMs: options.timeoutMs,
    connections: options.connections ?? 2,
  });
  const useGzip = options.gzip ?? options.version !== 1;
  return {
    async setup() {
      if (options.version === 1) await setupV1(influx, options.v1!, options.log);
      else if (options.version === 2) await setupV2(influx, options.v2!, options.log);
      else await setupV3(influx, options.v3!, options.log);
    },
    write: (lines, signal) => writeLines(influx, config, useGzip, lines, signal),
    describe: () => influx.destination,
    close: () => influx.close(),
  };
}

async function writeLines(
  influx: InfluxConnection,
  config: VersionConfig,
  useGzip: boolean,
  all: LineItem[],
  signal: AbortSignal | undefined,
): Promise<void> {
  // encodeLine gives '' for a point without a writable field: nothing to send for it.
  let lines = all;
  for (const line of all) {
    if (line.length === 0) {
      lines = all.filter((item) => item.length > 0);
      break;
    }
  }
  if (lines.length === 0) return;
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  const parts = lineBodyParts(lines);
  let body: Buffer | Uint8Array[] = parts;
  if (useGzip) {
    const whole = Buffer.concat(parts);
    body = whole;
    if (whole.length > GZIP_THRESHOLD_BYTES) {
      body = await gzip(whole, { level: 1 });
      headers['content-encoding'] = 'gzip';
    }
  }
  const { status, body: answer } = await influx.request({
    method: 'POST',
    path: config.writePath,
    query: config.writeQuery,
    headers,
    body,
    ...(signal ? { signal } : {}),
  });
  if (status >= 200 && status < 300) return;
  throw writeFailure(influx, all, lines, status, answer);
}

/** The DeliveryError for a write InfluxDB answered with an error status. */
function writeFailure(
  influx: InfluxConnection,
  all: LineItem[],
  lines: LineItem[],
  status: number,
  answer: string,
): DeliveryError {
  const kind = classifyStatus(status);
  const code = writeFailureCode(status, answer);
  const message = `${influx.destination}: write of ${lines.length} points failed: HTTP ${status}${influx.quoteAnswer(answer)}`;
  if (kind === 'retryable') return new DeliveryError(message, { kind, code });
  let bad = findBadLines(lines.map(asText), answer);
  if (bad.length === 0 && droppedCount(answer) === lines.length) bad = lines.map((_, i) => i);
  // Indexes into what the queue handed over, which may have held empty lines.
  const badItems = lines === all ? bad : indexesIn(all, bad);
  return new DeliveryError(message, { kind, code, ...(badItems.length > 0 ? { badItems } : {}) });
}

/** Maps indexes into `all` without its empty lines back to indexes into `all`. */
function indexesIn(all: readonly LineItem[], indexes: readonly number[]): number[] {
  const positions: number[] = [];
  all.forEach((line, i) => {
    if (line.length > 0) positions.push(i);
  });
  return indexes.flatMap((i) => (positions[i] === undefined ? [] : [positions[i]]));
}
