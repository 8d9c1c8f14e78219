/**
 * A fake InfluxDB 2.x / 3.x server for tests: no InfluxDB 2 or 3 server can be installed
 * here, so this implements, strictly, the documented endpoints the product calls:
 *
 * - v2: `POST /api/v2/write?org=&bucket=&precision=` (`Authorization: Token`, gzip bodies,
 *   204 on success, 400 with InfluxDB's JSON error body on malformed line protocol and the
 *   whole batch rejected, 401, 404 bucket/org not found, 413 body too large, 422 field type
 *   conflict), `GET /api/v2/orgs`, `GET|POST /api/v2/buckets`, `GET /health`.
 * - v3: `POST /api/v3/write_lp?db=&precision=&accept_partial=` and
 *   `GET|POST /api/v3/configure/database` with `Authorization: Bearer`.
 *
 * Points are parsed and stored with their field types, so tests can assert exactly what an
 * InfluxDB would have stored. Faults (status codes, slow answers) can be switched on.
 *
 * The line protocol parser used by the server is exported for tests of the encoder.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type ParsedFieldType = 'float' | 'integer' | 'uint' | 'string' | 'boolean';

export interface ParsedField {
  type: ParsedFieldType;
  /** number for float, string for string, boolean for boolean, bigint for integer/uint. */
  value: number | string | boolean | bigint;
}

export interface ParsedPoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, ParsedField>;
  /** Timestamp text as sent (in the request's precision), or undefined when absent. */
  timestamp: string | undefined;
}

export interface ParsedLine {
  point: ParsedPoint;
  /** The raw text of the point. */
  text: string;
  /** 1-based physical line number where the point starts. */
  lineNumber: number;
}

export interface LineError {
  lineNumber: number;
  text: string;
  reason: string;
}

const BOOLEANS: Record<string, boolean> = {
  t: true,
  T: true,
  true: true,
  True: true,
  TRUE: true,
  f: false,
  F: false,
  false: false,
  False: false,
  FALSE: false,
};
const FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+i$/;
const UINT = /^\d+u$/;
const TIMESTAMP = /^-?\d+$/;

class LineSyntaxError extends Error {}

function unescapeText(text: string, specials: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\\' && next !== undefined && specials.includes(next)) {
      out += next;
      i++;
    } else out += c;
  }
  return out;
}

/** Reads up to the first unescaped stop character; returns [raw text, index of the stop]. */
function readUntil(line: string, start: number, stops: string): [string, number] {
  let i = start;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      i += 2;
      continue;
    }
    if (stops.includes(c)) break;
    i++;
  }
  return [line.slice(start, i), i];
}

function parseFieldValue(raw: string): ParsedField {
  if (raw === '') throw new LineSyntaxError('missing field value');
  if (raw in BOOLEANS) return { type: 'boolean', value: BOOLEANS[raw]! };
  if (INTEGER.test(raw)) {
    const value = BigInt(raw.slice(0, -1));
    if (value > 9223372036854775807n || value < -9223372036854775808n)
      throw new LineSyntaxError('value out of range');
    return { type: 'integer', value };
  }
  if (UINT.test(raw)) {
    const value = BigInt(raw.slice(0, -1));
    if (value > 18446744073709551615n) throw new LineSyntaxError('value out of range');
    return { type: 'uint', value };
  }
  if (FLOAT.test(raw)) {
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new LineSyntaxError('invalid number');
    return { type: 'float', value };
  }
  throw new LineSyntaxError(`invalid field value '${raw}'`);
}

/** Parses one point (text without the trailing newline). */
export function parsePoint(line: string): ParsedPoint {
  const [rawMeasurement, afterMeasurement] = readUntil(line, 0, ', ');
  const measurement = unescapeText(rawMeasurement, ', ');
  if (measurement === '') throw new LineSyntaxError('missing measurement');
  const tags: Record<string, string> = {};
  let i = afterMeasurement;
  while (line[i] === ',') {
    const [rawKey, eq] = readUntil(line, i + 1, '=, ');
    if (line[eq] !== '=') throw new LineSyntaxError('missing tag value');
    const [rawValue, end] = readUntil(line, eq + 1, ', ');
    if (rawKey === '') throw new LineSyntaxError('missing tag key');
    if (rawValue === '') throw new LineSyntaxError('missing tag value');
    tags[unescapeText(rawKey, ',= ')] = unescapeText(rawValue, ',= ');
    i = end;
  }
  if (line[i] !== ' ') throw new LineSyntaxError('missing fields');
  i++;
  const fields: Record<string, ParsedField> = {};
  for (;;) {
    const [rawKey, eq] = readUntil(line, i, '=, ');
    if (rawKey === '') throw new LineSyntaxError('missing fields');
    if (line[eq] !== '=') throw new LineSyntaxError('missing field value');
    const key = unescapeText(rawKey, ',= ');
    let end: number;
    if (line[eq + 1] === '"') {
      let text = '';
      let j = eq + 2;
      for (; j < line.length; j++) {
        const c = line[j]!;
        if (c === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) {
          text += line[j + 1];
          j++;
        } else if (c === '"') break;
        else text += c;
      }
      if (j >= line.length) throw new LineSyntaxError('unbalanced quotes');
      fields[key] = { type: 'string', value: text };
      end = j + 1;
    } else {
      const [raw, stop] = readUntil(line, eq + 1, ', ');
      fields[key] = parseFieldValue(raw);
      end = stop;
    }
    if (line[end] === ',') {
      i = end + 1;
      continue;
    }
    i = end;
    break;
  }
  let timestamp: string | undefined;
  if (i < line.length) {
    if (line[i] !== ' ') throw new LineSyntaxError('invalid field format');
    const rest = line.slice(i + 1);
    if (!TIMESTAMP.test(rest)) throw new LineSyntaxError(`unable to parse timestamp '${rest}'`);
    timestamp = rest;
  }
  return { measurement, tags, fields, timestamp };
}

/**
 * Splits a body into points (newlines inside quoted string fields do not end a point) and
 * parses each one. Blank lines and `#` comments are skipped.
 */
export function parseBody(body: string): { lines: ParsedLine[]; errors: LineError[] } {
  const lines: ParsedLine[] = [];
  const errors: LineError[] = [];
  let lineNumber = 1;
  let start = 0;
  while (start < body.length) {
    // Find the end of this point: a newline outside a quoted field value.
    let i = start;
    let inQuotes = false;
    let newlines = 0;
    let seenSpace = false;
    while (i < body.length) {
      const c = body[i]!;
      if (c === '\\' && i + 1 < body.length) {
        if (body[i + 1] === '\n') newlines++;
        i += 2;
        continue;
      }
      if (!inQuotes && c === '\n') break;
      if (c === ' ') seenSpace = true;
      // Quotes only open a string in the field set (after the first unescaped space).
      if (c === '"' && seenSpace && (inQuotes || body[i - 1] === '=')) inQuotes = !inQuotes;
      else if (c === '\n') newlines++;
      i++;
    }
    const text = body.slice(start, i).replace(/\r$/, '');
    if (text.trim() !== '' && !text.startsWith('#')) {
      try {
        lines.push({ point: parsePoint(text), text, lineNumber });
      } catch (error) {
        if (!(error instanceof LineSyntaxError)) throw error;
        errors.push({ lineNumber, text, reason: error.message });
      }
    }
    lineNumber += newlines + 1;
    start = i + 1;
  }
  return { lines, errors };
}

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

export interface StoredPoint extends ParsedPoint {
  /** v2 bucket or v3 database the point was written to. */
  database: string;
  /** Timestamp in ns (text, exact); server time when the line had none. */
  timeNs: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Decoded body (after gunzip). */
  body: string;
  status: number;
}

export interface Fault {
  /** Answer with this status instead of handling the request. */
  status?: number;
  /** Only for this many requests (default: until cleared). */
  times?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Only requests whose path starts with this (default: every write endpoint). */
  pathPrefix?: string;
}

export interface FakeInfluxOptions {
  /** Accepted token for both v2 (`Token`) and v3 (`Bearer`). */
  token: string;
  org?: string;
  /** Buckets that exist from the start (v2). */
  buckets?: string[];
  /** Databases that exist from the start (v3). */
  databases?: string[];
  /** Largest accepted (decoded) body; larger answers 413. */
  maxBodyBytes?: number;
}

export interface FakeInflux {
  url: string;
  port: number;
  points: StoredPoint[];
  requests: RecordedRequest[];
  buckets: Map<string, { id: string; name: string; retentionRules: unknown[]; description?: string }>;
  databases: Set<string>;
  setFault(fault: Fault | undefined): void;
  close(): Promise<void>;
}

const PRECISION_V2: Record<string, bigint> = { ns: 1n, us: 1000n, ms: 1_000_000n, s: 1_000_000_000n };
const PRECISION_V3: Record<string, bigint | 'auto'> = {
  auto: 'auto',
  nanosecond: 1n,
  ns: 1n,
  microsecond: 1000n,
  us: 1000n,
  millisecond: 1_000_000n,
  ms: 1_000_000n,
  second: 1_000_000_000n,
  s: 1_000_000_000n,
};

function autoPrecision(value: bigint): bigint {
  if (value < 5_000_000_000n) return 1_000_000_000n;
  if (value < 5_000_000_000_000n) return 1_000_000n;
  if (value < 5_000_000_000_000_000n) return 1000n;
  return 1n;
}

class HttpError extends Error {
  status: number;
  body: unknown;
  constructor(status: number, body: unknown) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

const v2Error = (status: number, code: string, message: string): HttpError =>
  new HttpError(status, { code, message });

export async function startFakeInflux(options: FakeInfluxOptions): Promise<FakeInflux> {
  const org = options.org ?? 'myorg';
  const orgId = '0123456789abcdef';
  const maxBody = options.maxBodyBytes ?? 25 * 1024 * 1024;
  const points: StoredPoint[] = [];
  const requests: RecordedRequest[] = [];
  const buckets = new Map<
    string,
    { id: string; name: string; retentionRules: unknown[]; description?: string }
  >();
  for (const name of options.buckets ?? [])
    buckets.set(name, { id: bucketId(name), name, retentionRules: [] });
  const databases = new Set(options.databases ?? []);
  /** measurement → field → type, per database, as InfluxDB locks field types. */
  const schema = new Map<string, ParsedFieldType>();
  let fault: Fault | undefined;

  function bucketId(name: string): string {
    return Buffer.from(name).toString('hex').padEnd(16, '0').slice(0, 16);
  }

  function checkAuth(req: http.IncomingMessage, scheme: 'Token' | 'Bearer'): void {
    const header = req.headers.authorization;
    if (header !== `${scheme} ${options.token}`) {
      if (scheme === 'Token') throw v2Error(401, 'unauthorized', 'unauthorized access');
      throw new HttpError(401, { error: 'unauthorized access' });
    }
  }

  /** Stores parsed points atomically: a type conflict rejects them all. */
  function store(database: string, lines: ParsedLine[], unit: bigint | 'auto'): string | undefined {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const pending = new Map<string, ParsedFieldType>();
    for (const { point } of lines) {
      for (const [key, field] of Object.entries(point.fields)) {
        const k = `${database}\u0000${point.measurement}\u0000${key}`;
        const known = schema.get(k) ?? pending.get(k);
        if (known !== undefined && known !== field.type)
          return `field type conflict: input field "${key}" on measurement "${point.measurement}" is type ${field.type}, already exists as type ${known}`;
        pending.set(k, field.type);
      }
    }
    for (const [k, t] of pending) schema.set(k, t);
    for (const { point } of lines) {
      let timeNs = nowNs;
      if (point.timestamp !== undefined) {
        const value = BigInt(point.timestamp);
        timeNs = value * (unit === 'auto' ? autoPrecision(value) : unit);
      }
      points.push({ ...point, database, timeNs: timeNs.toString() });
    }
    return undefined;
  }

  function writeV2(req: http.IncomingMessage, query: URLSearchParams, body: string): number {
    checkAuth(req, 'Token');
    const orgParam = query.get('org') ?? query.get('orgID');
    if (!orgParam) throw v2Error(400, 'invalid', 'Please provide either orgID or org');
    if (orgParam !== org && orgParam !== orgId)
      throw v2Error(404, 'not found', `organization name "${orgParam}" not found`);
    const bucket = query.get('bucket');
    if (!bucket) throw v2Error(400, 'invalid', 'Please provide bucket');
    if (!buckets.has(bucket)) throw v2Error(404, 'not found', `bucket "${bucket}" not found`);
    const precision = query.get('precision') ?? 'ns';
    const unit = PRECISION_V2[precision];
    if (unit === undefined)
      throw v2Error(400, 'invalid', 'invalid precision; valid precision units are ns, us, ms, and s');
    const { lines, errors } = parseBody(body);
    const first = errors[0];
    if (first) throw v2Error(400, 'invalid', `unable to parse '${first.text}': ${first.reason}`);
    const conflict = store(bucket, lines, unit);
    if (conflict)
      throw v2Error(
        422,
        'unprocessable entity',
        `failure writing points to database: partial write: ${conflict} dropped=${lines.length}`,
      );
    return 204;
  }

  function writeV3(req: http.IncomingMessage, query: URLSearchParams, body: string): number {
    checkAuth(req, 'Bearer');
    const db = query.get('db');
    if (!db) throw new HttpError(400, { error: 'missing query parameter: db' });
    const precision = query.get('precision') ?? 'auto';
    const unit = PRECISION_V3[precision];
    if (unit === undefined) throw new HttpError(400, { error: `invalid precision: ${precision}` });
    const acceptPartial = query.get('accept_partial') !== 'false';
    const { lines, errors } = parseBody(body);
    const detail = (e: LineError) => ({
      original_line: e.text,
      line_number: e.lineNumber,
      error_message: e.reason,
    });
    if (errors.length > 0 && !acceptPartial)
      throw new HttpError(400, { error: 'parsing failed for write_lp endpoint', data: detail(errors[0]!) });
    databases.add(db); // InfluxDB 3 creates a database on its first write.
    const conflict = store(db, lines, unit);
    if (conflict)
      throw new HttpError(400, {
        error: 'parsing failed for write_lp endpoint',
        data: { original_line: lines[0]?.text, line_number: lines[0]?.lineNumber, error_message: conflict },
      });
    if (errors.length > 0)
      throw new HttpError(400, {
        error: 'partial write of line protocol occurred',
        data: errors.map(detail),
      });
    return 204;
  }

  function route(req: http.IncomingMessage, url: URL, body: string): { status: number; json?: unknown } {
    const q = url.searchParams;
    const key = `${req.method} ${url.pathname}`;
    switch (key) {
      case 'GET /health':
        return {
          status: 200,
          json: {
            name: 'influxdb',
            message: 'ready for queries and writes',
            status: 'pass',
            checks: [],
            version: 'v2.7.11',
            commit: 'fake',
          },
        };
      case 'POST /api/v2/write':
        return { status: writeV2(req, q, body) };
      case 'GET /api/v2/orgs': {
        checkAuth(req, 'Token');
        const name = q.get('org');
        if (name && name !== org) throw v2Error(404, 'not found', `organization name "${name}" not found`);
        return { status: 200, json: { orgs: [{ id: orgId, name: org }] } };
      }
      case 'GET /api/v2/buckets': {
        checkAuth(req, 'Token');
        const orgID = q.get('orgID');
        if (orgID && orgID !== orgId) throw v2Error(404, 'not found', `organization id "${orgID}" not found`);
        const name = q.get('name');
        if (name && !buckets.has(name)) throw v2Error(404, 'not found', `bucket "${name}" not found`);
        const list = name ? [buckets.get(name)!] : [...buckets.values()];
        return { status: 200, json: { buckets: list.map((b) => ({ ...b, orgID: orgId, type: 'user' })) } };
      }
      case 'POST /api/v2/buckets': {
        checkAuth(req, 'Token');
        let spec: { orgID?: unknown; name?: unknown; description?: unknown; retentionRules?: unknown };
        try {
          spec = JSON.parse(body);
        } catch {
          throw v2Error(400, 'invalid', 'malformed JSON body');
        }
        if (spec.orgID !== orgId) throw v2Error(404, 'not found', 'organization not found');
        if (typeof spec.name !== 'string' || spec.name === '')
          throw v2Error(400, 'invalid', 'bucket name is required');
        if (!Array.isArray(spec.retentionRules))
          throw v2Error(400, 'invalid', 'retentionRules must be an array');
        if (buckets.has(spec.name))
          throw v2Error(422, 'conflict', `bucket with name ${spec.name} already exists`);
        const bucket = {
          id: bucketId(spec.name),
          name: spec.name,
          retentionRules: spec.retentionRules,
          ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
        };
        buckets.set(spec.name, bucket);
        return { status: 201, json: { ...bucket, orgID: orgId, type: 'user' } };
      }
      case 'POST /api/v3/write_lp':
        return { status: writeV3(req, q, body) };
      case 'GET /api/v3/configure/database': {
        checkAuth(req, 'Bearer');
        return { status: 200, json: [...databases].map((name) => ({ 'iox::database': name })) };
      }
      case 'POST /api/v3/configure/database': {
        checkAuth(req, 'Bearer');
        let spec: { db?: unknown };
        try {
          spec = JSON.parse(body);
        } catch {
          throw new HttpError(400, { error: 'malformed JSON body' });
        }
        if (typeof spec.db !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(spec.db))
          throw new HttpError(400, { error: 'invalid database name' });
        if (databases.has(spec.db))
          throw new HttpError(409, { error: 'attempted to create a resource that already exists' });
        databases.add(spec.db);
        return { status: 200 };
      }
      default:
        throw new HttpError(404, { code: 'not found', message: 'path not found' });
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      let result: { status: number; json?: unknown };
      let body = '';
      const activeFault =
        fault && (!fault.pathPrefix || url.pathname.startsWith(fault.pathPrefix)) ? fault : undefined;
      try {
        if (activeFault?.delayMs) await new Promise((r) => setTimeout(r, activeFault.delayMs));
        if (activeFault?.status) {
          if (activeFault.times !== undefined && --activeFault.times <= 0) fault = undefined;
          throw v2Error(activeFault.status, 'internal error', 'injected fault');
        }
        if (tooLarge) throw v2Error(413, 'request too large', `request body exceeds ${maxBody} bytes`);
        let raw = Buffer.concat(chunks);
        const encoding = req.headers['content-encoding'];
        if (encoding === 'gzip') {
          try {
            raw = gunzipSync(raw);
          } catch {
            throw v2Error(400, 'invalid', 'unable to decode gzip body');
          }
        } else if (encoding !== undefined && encoding !== 'identity') {
          throw v2Error(415, 'unsupported media type', `unsupported Content-Encoding ${encoding}`);
        }
        if (raw.length > maxBody)
          throw v2Error(413, 'request too large', `request body exceeds ${maxBody} bytes`);
        body = raw.toString('utf8');
        result = route(req, url, body);
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        result = { status: error.status, json: error.body };
      }
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        status: result.status,
      });
      if (result.json === undefined) res.writeHead(result.status).end();
      else
        res
          .writeHead(result.status, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify(result.json));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    points,
    requests,
    buckets,
    databases,
    setFault(next) {
      fault = next ? { ...next } : undefined;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
