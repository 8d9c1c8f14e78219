/**
 * InfluxDB sink: writes batches of encoded line protocol to InfluxDB 1.x, 2.x or 3.x over
 * HTTP, and provisions the database on start as upstream Butler SOS does
 * (docs/reference/influxdb.md#provisioning). It sits behind a delivery queue, which gives it batches of
 * `influxdbConfig.maxBatchSize` lines and retries or splits according to the DeliveryError
 * it throws.
 *
 * Endpoints (all with `precision` nanoseconds, since the encoder writes ns timestamps):
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
 * the cause, never a token or password.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { DeliveryError } from '../../delivery/types.ts';
import { createHttpClient, HttpTimeoutError } from '../../http/client.ts';
import type { Logger } from '../../logging/logger.ts';
import { durationSeconds, isInfluxDuration } from './duration.ts';
import { classifyStatus, droppedCount, errorBodyMessage, findBadLines } from './write-errors.ts';

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
  /** Writes lines; throws DeliveryError (retryable or rejected, with the bad lines if known). */
  write(lines: string[], signal?: AbortSignal): Promise<void>;
  /** `InfluxDB v1 at http://host:port db=...`: for logs and error messages. */
  describe(): string;
  close(): Promise<void>;
}

const GZIP_THRESHOLD_BYTES = 1000;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

interface Request {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

export function createInfluxSink(options: InfluxSinkOptions): InfluxSink {
  const origin = `${options.useHttps ? 'https' : 'http'}://${options.host}:${options.port}`;
  const config = requireVersionConfig(options);
  const destination = `InfluxDB v${options.version} at ${origin} ${config.label}`;
  const secrets = config.secrets.filter((s) => s.length >= 3);
  const useGzip = options.gzip ?? options.version !== 1;
  const http = createHttpClient(origin, {
    connections: options.connections ?? 2,
    maxResponseBytes: MAX_ERROR_BODY_BYTES,
  });

  /** Removes anything secret from text that goes into an error message. */
  function scrub(text: string): string {
    let out = text.length > 500 ? `${text.slice(0, 500)}…` : text;
    for (const secret of secrets) out = out.split(secret).join('***');
    return out;
  }

  async function request(req: Request): Promise<{ status: number; body: string }> {
    const query = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
    try {
      return await http.request({
        method: req.method,
        path: `${req.path}${query}`,
        headers: { ...config.authHeaders, ...req.headers },
        ...(req.body !== undefined ? { body: req.body } : {}),
        timeoutMs: options.timeoutMs,
        ...(req.signal ? { signal: req.signal } : {}),
      });
    } catch (error) {
      if (req.signal?.aborted) throw error;
      throw new DeliveryError(`${destination}: ${networkCause(error)}`, { kind: 'retryable', cause: error });
    }
  }

  async function write(all: string[], signal?: AbortSignal): Promise<void> {
    // encodeLine gives '' for a point without a writable field: nothing to send for it.
    const lines = all.includes('') ? all.filter((line) => line !== '') : all;
    if (lines.length === 0) return;
    const text = lines.join('\n');
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    let body: string | Buffer = text;
    if (useGzip && text.length > GZIP_THRESHOLD_BYTES) {
      body = await gzip(text, { level: 1 });
      headers['content-encoding'] = 'gzip';
    }
    const { status, body: answer } = await request({
      method: 'POST',
      path: config.writePath,
      query: config.writeQuery,
      headers,
      body,
      ...(signal ? { signal } : {}),
    });
    if (status >= 200 && status < 300) return;
    const kind = classifyStatus(status);
    const message = `${destination}: write of ${lines.length} points failed: HTTP ${status}${
      answer ? `: ${scrub(errorBodyMessage(answer))}` : ''
    }`;
    if (kind === 'retryable') throw new DeliveryError(message, { kind });
    let bad = findBadLines(lines, answer);
    if (bad.length === 0 && droppedCount(answer) === lines.length) bad = lines.map((_, i) => i);
    // Indexes into what the queue handed over, which may have held empty lines.
    const badItems = lines === all ? bad : indexesIn(all, bad);
    throw new DeliveryError(message, { kind, ...(badItems.length > 0 ? { badItems } : {}) });
  }

  async function expectOk(what: string, req: Request, okStatuses: number[] = []): Promise<string> {
    const { status, body } = await request(req);
    if ((status >= 200 && status < 300) || okStatuses.includes(status)) return body;
    throw new Error(
      `${destination}: ${what} failed: HTTP ${status}${body ? `: ${scrub(errorBodyMessage(body))}` : ''}`,
    );
  }

  async function influxQl(statement: string): Promise<unknown[]> {
    const body = await expectOk(statement.split(' ').slice(0, 2).join(' '), {
      method: 'POST',
      path: '/query',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ q: statement }).toString(),
    });
    const json = safeJson(body) as { error?: string; results?: { error?: string; series?: unknown[] }[] };
    const error = json?.error ?? json?.results?.find((r) => r.error)?.error;
    if (error)
      throw new Error(
        `${destination}: ${statement.split(' ').slice(0, 2).join(' ')} failed: ${scrub(error)}`,
      );
    return json?.results?.[0]?.series ?? [];
  }

  async function setupV1(v1: NonNullable<InfluxSinkOptions['v1']>): Promise<void> {
    const series = (await influxQl('SHOW DATABASES')) as { values?: unknown[][] }[];
    const names = (series[0]?.values ?? []).map((row) => row[0]);
    if (names.includes(v1.database)) {
      options.log.verbose(`${destination}: database exists, nothing to create`);
      return;
    }
    const duration = v1.retentionPolicy.duration.trim();
    if (!isInfluxDuration(duration))
      throw new Error(
        `${destination}: retention policy duration "${duration}" is not an InfluxDB duration (e.g. 10d)`,
      );
    await influxQl(`CREATE DATABASE ${quoteIdent(v1.database)}`);
    await influxQl(
      `CREATE RETENTION POLICY ${quoteIdent(v1.retentionPolicy.name)} ON ${quoteIdent(v1.database)} DURATION ${duration} REPLICATION 1 DEFAULT`,
    );
    options.log.info(
      `${destination}: created database with default retention policy "${v1.retentionPolicy.name}" (${duration})`,
    );
  }

  async function setupV2(v2: NonNullable<InfluxSinkOptions['v2']>): Promise<void> {
    const orgs = safeJson(
      await expectOk('organization lookup', { method: 'GET', path: '/api/v2/orgs', query: { org: v2.org } }),
    ) as { orgs?: { id?: string; name?: string }[] };
    const orgId = orgs?.orgs?.find((o) => o.name === v2.org)?.id ?? orgs?.orgs?.[0]?.id;
    if (!orgId) throw new Error(`${destination}: organization "${v2.org}" not found`);
    const lookup = await request({
      method: 'GET',
      path: '/api/v2/buckets',
      query: { orgID: orgId, name: v2.bucket },
    });
    if (lookup.status >= 200 && lookup.status < 300) {
      const buckets = (safeJson(lookup.body) as { buckets?: { name?: string }[] })?.buckets ?? [];
      if (buckets.some((b) => b.name === v2.bucket)) {
        options.log.verbose(`${destination}: bucket exists, nothing to create`);
        return;
      }
    } else if (lookup.status !== 404) {
      throw new Error(
        `${destination}: bucket lookup failed: HTTP ${lookup.status}: ${scrub(errorBodyMessage(lookup.body))}`,
      );
    }
    const retention = v2.retentionDuration ?? '0';
    const everySeconds = durationSeconds(retention);
    if (everySeconds === undefined)
      throw new Error(
        `${destination}: retentionDuration "${retention}" is not an InfluxDB duration (e.g. 10d)`,
      );
    await expectOk('bucket creation', {
      method: 'POST',
      path: '/api/v2/buckets',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        orgID: orgId,
        name: v2.bucket,
        ...(v2.description ? { description: v2.description } : {}),
        retentionRules: everySeconds > 0 ? [{ type: 'expire', everySeconds }] : [],
      }),
    });
    options.log.info(
      `${destination}: created bucket (retention ${everySeconds > 0 ? retention : 'infinite'})`,
    );
  }

  async function setupV3(v3: NonNullable<InfluxSinkOptions['v3']>): Promise<void> {
    const list = await request({
      method: 'GET',
      path: '/api/v3/configure/database',
      query: { format: 'json' },
    });
    if (list.status === 401 || list.status === 403) {
      // A database token may write but not list or create databases; InfluxDB 3 then
      // creates the database on the first write (upstream v15 provisions nothing either).
      options.log.info(`${destination}: token cannot list databases; the first write creates the database`);
      return;
    }
    if (list.status >= 200 && list.status < 300) {
      const rows = safeJson(list.body);
      if (Array.isArray(rows) && rows.some((r) => Object.values(r as object).includes(v3.database))) return;
    }
    await expectOk(
      'database creation',
      {
        method: 'POST',
        path: '/api/v3/configure/database',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ db: v3.database }),
      },
      [409],
    );
    options.log.info(`${destination}: created database`);
  }

  return {
    async setup() {
      if (options.version === 1) await setupV1(options.v1!);
      else if (options.version === 2) await setupV2(options.v2!);
      else await setupV3(options.v3!);
    },
    write,
    describe: () => destination,
    close: () => http.close(),
  };
}

interface VersionConfig {
  label: string;
  writePath: string;
  writeQuery: Record<string, string>;
  authHeaders: Record<string, string>;
  secrets: string[];
}

function requireVersionConfig(options: InfluxSinkOptions): VersionConfig {
  switch (options.version) {
    case 1: {
      const v1 = options.v1;
      if (!v1?.database) throw new Error('InfluxDB v1: v1Config.dbName is required');
      const auth: Record<string, string> = v1.username
        ? { authorization: `Basic ${Buffer.from(`${v1.username}:${v1.password ?? ''}`).toString('base64')}` }
        : {};
      return {
        label: `db=${v1.database}`,
        writePath: '/write',
        writeQuery: { db: v1.database, precision: 'ns' },
        authHeaders: auth,
        secrets: v1.password ? [v1.password] : [],
      };
    }
    case 2: {
      const v2 = options.v2;
      if (!v2?.org || !v2.bucket || !v2.token)
        throw new Error('InfluxDB v2: v2Config.org, v2Config.bucket and v2Config.token are required');
      return {
        label: `org=${v2.org} bucket=${v2.bucket}`,
        writePath: '/api/v2/write',
        writeQuery: { org: v2.org, bucket: v2.bucket, precision: 'ns' },
        authHeaders: { authorization: `Token ${v2.token}` },
        secrets: [v2.token],
      };
    }
    case 3: {
      const v3 = options.v3;
      if (!v3?.database || !v3.token)
        throw new Error('InfluxDB v3: v3Config.database and v3Config.token are required');
      return {
        label: `db=${v3.database}`,
        writePath: '/api/v3/write_lp',
        writeQuery: { db: v3.database, precision: 'nanosecond', accept_partial: 'false' },
        authHeaders: { authorization: `Bearer ${v3.token}` },
        secrets: [v3.token],
      };
    }
    default:
      throw new Error(`InfluxDB version ${String(options.version)} is not supported (1, 2 or 3)`);
  }
}

/** Maps indexes into `all` without its empty lines back to indexes into `all`. */
function indexesIn(all: readonly string[], indexes: readonly number[]): number[] {
  const positions: number[] = [];
  all.forEach((line, i) => {
    if (line !== '') positions.push(i);
  });
  return indexes.flatMap((i) => (positions[i] === undefined ? [] : [positions[i]]));
}

/** An InfluxQL identifier in double quotes. */
function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A short cause for a failed request: error code and message, or the timeout. */
function networkCause(error: unknown): string {
  if (error instanceof HttpTimeoutError) return error.message;
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const message = e.cause?.message ?? e.message ?? String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
