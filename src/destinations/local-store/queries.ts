/**
 * The read side of the local store: the few query shapes the web UI needs, each turned into a
 * plan (SQL statements with their parameters, and how their rows become the answer) that an
 * executor runs: in this thread (the store's own `series()`, `events()`, ..., for tests and benchmarks) or in a worker thread
 * (query-worker.ts, what the web UI uses, so no query can stall UDP intake or deliveries).
 *
 * Every request's work is bounded three ways: each list (tags, fields, text fields, group-by,
 * tag filters and their values) has a limit, and a request over it is refused naming the
 * limit; every statement scans a bounded number of rows or a bounded time range; and every
 * statement calls `within_cap()` per row it looks at, which stops it once the request's time
 * cap has passed.
 *
 * Tag and field names reach SQL only as bound JSON paths (`$."name"`), after a name check,
 * so no request value is ever spliced into SQL text.
 */
import type { SQLInputValue } from 'node:sqlite';

export type TagMap = Record<string, string>;
export type FieldMap = Record<string, number | string | boolean | null>;

export interface SeriesQuery {
  measurement: string;
  fields: string[];
  sinceMs: number;
  /** Default: now. */
  untilMs?: number;
  /** Tags that tell series apart (default `server_name`). */
  groupBy?: string[];
  /** Upper bound on points per series; older points are averaged into time buckets. Default 600. */
  maxPoints?: number;
}

export interface Series {
  tags: TagMap;
  /** Time of the newest point in each bucket, ms since the epoch, ascending. */
  time: number[];
  /** Per field, the bucket averages aligned with `time` (booleans average to 0..1). */
  values: Record<string, Array<number | null>>;
}

export interface SeriesResult {
  bucketMs: number;
  series: Series[];
}

export interface LatestQuery {
  measurement: string;
  groupBy?: string[];
  /** Ignore points older than this (default: any age). */
  sinceMs?: number;
}

export interface LatestPoint {
  tags: TagMap;
  timeMs: number;
  fields: FieldMap;
}

export interface EventsQuery {
  measurement: string;
  /** Rows to return, newest first (default 200, at most 1000). */
  limit?: number;
  /** Tag filters: a row matches when each listed tag has one of the given values. */
  tags?: Record<string, string[]>;
  /** Case-insensitive substring searched in `textFields` (and tags named there). */
  text?: string;
  textFields?: string[];
  sinceMs?: number;
  /** Only rows inserted after this row id (for live tails). */
  afterId?: number;
  /**
   * Filters look at the newest `scanLimit` rows of the measurement only (default 50 000),
   * which bounds the cost of a filter that matches nothing on a large store.
   */
  scanLimit?: number;
}

export interface EventRow {
  id: number;
  timeMs: number;
  tags: TagMap;
  fields: FieldMap;
}

export interface FacetsQuery {
  measurement: string;
  tags: string[];
  /** Distinct values among the newest rows only (default 5000). */
  scanLimit?: number;
}

/** The limits of one request; a request beyond them is refused with a message naming the limit. */
export const QUERY_LIMITS = {
  /** Tags of one facets request. */
  facetTags: 20,
  /** Fields of one series request. */
  fields: 20,
  /** Text fields searched by one events request. */
  textFields: 10,
  /** Tags one series or latest request groups by. */
  groupBy: 5,
  /** Tags one events request filters on, and values per tag. */
  tagFilters: 10,
  tagFilterValues: 50,
  /** Characters of the searched text. */
  textChars: 200,
  /** Rows a series or latest answer may have (buckets × groups). */
  resultRows: 100_000,
  /** Time one request may run (all its statements). */
  timeCapMs: 2000,
} as const;

const NAME = /^[A-Za-z0-9_.:\- ]{1,100}$/;
const MAX_EVENTS = 1000;
/** What `within_cap()` throws with once the time cap has passed; recognised in the error text. */
export const TIME_CAP_MARKER = 'butler-sos: query time cap reached';

export class StoreQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreQueryError';
  }
}

/** A request refused because too many requests are waiting for the store. */
export class StoreBusyError extends Error {
  readonly statusCode = 503;
  constructor(message: string) {
    super(message);
    this.name = 'StoreBusyError';
  }
}

function checkName(kind: string, name: string): string {
  if (!NAME.test(name)) {
    throw new StoreQueryError(
      `invalid ${kind} name ${JSON.stringify(name.slice(0, 100))}: use letters, digits, _ . : - or space`,
    );
  }
  return name;
}

/** Refuses a list longer than its limit, naming both. */
export function checkCount(what: string, count: number, limit: number): void {
  if (count > limit) throw new StoreQueryError(`${what}: ${count} given, at most ${limit} allowed`);
}

const jsonPath = (name: string) => `$."${name}"`;

function finite(n: number | undefined, fallback: number): number {
  return n === undefined || !Number.isFinite(n) ? fallback : n;
}

export type Row = Record<string, number | string | null>;

/** One SQL statement and its parameters; `maxRows`: stop reading after that many rows plus one. */
export interface PlannedStatement {
  sql: string;
  params: SQLInputValue[];
  maxRows?: number;
}

/** A query as statements, and how their rows (one list per statement) become the answer. */
export interface Plan<T> {
  statements: PlannedStatement[];
  finish(rows: Row[][]): T;
}

export interface StoreReader {
  series(q: SeriesQuery): SeriesResult;
  latest(q: LatestQuery): LatestPoint[];
  events(q: EventsQuery): EventRow[];
  facets(q: FacetsQuery): Record<string, string[]>;
  measurements(): string[];
}

/** The same queries, answered without blocking the caller (the web UI's view of the store). */
export interface AsyncStoreReader {
  series(q: SeriesQuery): Promise<SeriesResult>;
  latest(q: LatestQuery): Promise<LatestPoint[]>;
  events(q: EventsQuery): Promise<EventRow[]>;
  facets(q: FacetsQuery): Promise<Record<string, string[]>>;
  measurements(): Promise<string[]>;
}

export const queryPlans = {
  series: seriesPlan,
  latest: latestPlan,
  events: eventsPlan,
  facets: facetsPlan,
  measurements: measurementsPlan,
};

/** Runs plans with `run(statements)`, synchronously. */
export function readerOf(run: (statements: PlannedStatement[]) => Row[][], now: () => number): StoreReader {
  const exec = <T>(plan: Plan<T>): T => plan.finish(run(plan.statements));
  return {
    series: (q) => exec(seriesPlan(q, now)),
    latest: (q) => exec(latestPlan(q)),
    events: (q) => exec(eventsPlan(q)),
    facets: (q) => exec(facetsPlan(q)),
    measurements: () => exec(measurementsPlan()),
  };
}

/** Runs plans with `run(statements)`, asynchronously (a bad query is refused before anything runs). */
export function asyncReaderOf(
  run: (statements: PlannedStatement[]) => Promise<Row[][]>,
  now: () => number,
): AsyncStoreReader {
  const exec = async <T>(plan: () => Plan<T>): Promise<T> => {
    const p = plan();
    return p.finish(await run(p.statements));
  };
  return {
    series: (q) => exec(() => seriesPlan(q, now)),
    latest: (q) => exec(() => latestPlan(q)),
    events: (q) => exec(() => eventsPlan(q)),
    facets: (q) => exec(() => facetsPlan(q)),
    measurements: () => exec(measurementsPlan),
  };
}

function groupTags(groupBy: string[] | undefined): string[] {
  const tags = groupBy ?? ['server_name'];
  checkCount('groupBy tags', tags.length, QUERY_LIMITS.groupBy);
  return tags.map((t) => checkName('tag', t));
}

const groupColumns = (groupBy: string[]) => groupBy.map((_, i) => `json_extract(tags, ?) AS g${i}`);

/** Refuses an answer cut at `maxRows` (the statement found more). */
function checkRows(rows: Row[], what: string): Row[] {
  if (rows.length > QUERY_LIMITS.resultRows) {
    throw new StoreQueryError(
      `${what}: more than ${QUERY_LIMITS.resultRows} rows; ask for fewer groupBy tags, a shorter time range or fewer points`,
    );
  }
  return rows;
}

/** Bucket averages per series (one series per combination of the groupBy tags). */
function seriesPlan(q: SeriesQuery, now: () => number): Plan<SeriesResult> {
  const measurement = checkName('measurement', q.measurement);
  checkCount('fields', q.fields.length, QUERY_LIMITS.fields);
  const fields = q.fields.map((f) => checkName('field', f));
  if (fields.length === 0) throw new StoreQueryError('at least one field is required');
  const groupBy = groupTags(q.groupBy);
  const untilMs = finite(q.untilMs, now());
  const sinceMs = finite(q.sinceMs, untilMs - 3_600_000);
  const maxPoints = Math.max(1, Math.min(10_000, Math.floor(finite(q.maxPoints, 600))));
  const bucketMs = Math.max(1, Math.ceil((untilMs - sinceMs) / maxPoints));

  const fieldCols = fields.map((_, i) => `avg(json_extract(fields, ?)) AS f${i}`);
  const sql = `SELECT max(time_ms) AS t, ${[...groupColumns(groupBy), ...fieldCols].join(', ')}
    FROM points WHERE measurement = ? AND time_ms >= ? AND time_ms <= ? AND within_cap()
    GROUP BY ${['time_ms / CAST(? AS INTEGER)', ...groupBy.map((_, i) => `g${i}`)].join(', ')} ORDER BY t`;
  const params: SQLInputValue[] = [
    ...groupBy.map(jsonPath),
    ...fields.map(jsonPath),
    measurement,
    Math.floor(sinceMs),
    Math.floor(untilMs),
    bucketMs,
  ];
  return {
    statements: [{ sql, params, maxRows: QUERY_LIMITS.resultRows }],
    finish: ([rows]) => ({
      bucketMs,
      series: sortedByTags(seriesOf(checkRows(rows!, 'series'), groupBy, fields)),
    }),
  };
}

/** Rows (ordered by time) split into one series per group. */
function seriesOf(rows: Row[], groupBy: string[], fields: string[]): Series[] {
  const byKey = new Map<string, Series>();
  for (const row of rows) {
    const tags: TagMap = {};
    groupBy.forEach((tag, i) => {
      const v = row[`g${i}`];
      if (v !== null && v !== undefined) tags[tag] = String(v);
    });
    const key = JSON.stringify(groupBy.map((t) => tags[t] ?? null));
    let s = byKey.get(key);
    if (s === undefined) {
      s = { tags, time: [], values: Object.fromEntries(fields.map((f) => [f, []])) };
      byKey.set(key, s);
    }
    s.time.push(Number(row.t));
    fields.forEach((f, i) => {
      const v = row[`f${i}`];
      s.values[f]!.push(typeof v === 'number' && Number.isFinite(v) ? v : null);
    });
  }
  return [...byKey.values()];
}

/** Code-unit order of the tags, not localeCompare: that would page in ICU data (~8 MB resident). */
function sortedByTags(list: Series[]): Series[] {
  const tagKey = (tags: unknown) => JSON.stringify(tags);
  return list.sort((a, b) => {
    const left = tagKey(a.tags);
    const right = tagKey(b.tags);
    return left < right ? -1 : left > right ? 1 : 0;
  });
}

function latestPlan(q: LatestQuery): Plan<LatestPoint[]> {
  const measurement = checkName('measurement', q.measurement);
  const groupBy = groupTags(q.groupBy);
  // SQLite returns the other columns of the row holding max(): the newest point per group.
  const sql = `SELECT max(time_ms) AS t, tags, fields, ${groupColumns(groupBy).join(', ')}
    FROM points WHERE measurement = ? AND time_ms >= ? AND within_cap() GROUP BY ${groupBy.map((_, i) => `g${i}`).join(', ')}`;
  const params = [...groupBy.map(jsonPath), measurement, Math.floor(finite(q.sinceMs, 0))];
  return {
    statements: [{ sql, params, maxRows: QUERY_LIMITS.resultRows }],
    finish: ([rows]) =>
      checkRows(rows!, 'latest').map((r) => ({
        timeMs: Number(r.t),
        tags: JSON.parse(String(r.tags)),
        fields: JSON.parse(String(r.fields)),
      })),
  };
}

function eventsPlan(q: EventsQuery): Plan<EventRow[]> {
  const measurement = checkName('measurement', q.measurement);
  const limit = Math.max(1, Math.min(MAX_EVENTS, Math.floor(finite(q.limit, 200))));
  const scanLimit = Math.max(limit, Math.min(1_000_000, Math.floor(finite(q.scanLimit, 50_000))));
  const { where, params } = eventFilters(q);
  const sql = `SELECT id, time_ms, tags, fields FROM (
      SELECT id, time_ms, tags, fields FROM points
      WHERE measurement = ? AND time_ms >= ? AND id > ? AND within_cap()
      ORDER BY time_ms DESC, id DESC LIMIT ?
    ) ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY time_ms DESC, id DESC LIMIT ?`;
  const all: SQLInputValue[] = [
    measurement,
    Math.floor(finite(q.sinceMs, 0)),
    Math.floor(finite(q.afterId, 0)),
    scanLimit,
    ...params,
    limit,
  ];
  return {
    statements: [{ sql, params: all }],
    finish: ([rows]) =>
      rows!.map((r) => ({
        id: Number(r.id),
        timeMs: Number(r.time_ms),
        tags: JSON.parse(String(r.tags)),
        fields: JSON.parse(String(r.fields)),
      })),
  };
}

/** The tag and text filters of an events query, as SQL conditions and their parameters. */
function eventFilters(q: EventsQuery): { where: string[]; params: SQLInputValue[] } {
  const where: string[] = [];
  const params: SQLInputValue[] = [];
  const filters = Object.entries(q.tags ?? {});
  checkCount('tag filters', filters.length, QUERY_LIMITS.tagFilters);
  for (const [tag, values] of filters) {
    checkCount(`values of tag filter ${tag.slice(0, 100)}`, values.length, QUERY_LIMITS.tagFilterValues);
    const wanted = values.filter((v) => v !== '');
    if (wanted.length === 0) continue;
    checkName('tag', tag);
    where.push(`json_extract(tags, ?) IN (${wanted.map(() => '?').join(', ')})`);
    params.push(jsonPath(tag), ...wanted);
  }
  const text = q.text?.trim().toLowerCase() ?? '';
  checkCount('characters of text', text.length, QUERY_LIMITS.textChars);
  if (text !== '') {
    const textFields = q.textFields ?? ['message'];
    checkCount('textFields', textFields.length, QUERY_LIMITS.textFields);
    const names = textFields.map((f) => checkName('field', f));
    const parts = names.map(() => "coalesce(json_extract(fields, ?), json_extract(tags, ?), '')");
    where.push(`text_contains(${parts.join(" || ' ' || ")}, ?)`);
    for (const n of names) params.push(jsonPath(n), jsonPath(n));
    params.push(text);
  }
  return { where, params };
}

function facetsPlan(q: FacetsQuery): Plan<Record<string, string[]>> {
  const measurement = checkName('measurement', q.measurement);
  checkCount('tags', q.tags.length, QUERY_LIMITS.facetTags);
  const tags = q.tags.map((t) => checkName('tag', t));
  const scanLimit = Math.max(1, Math.min(1_000_000, Math.floor(finite(q.scanLimit, 5000))));
  const sql = `SELECT DISTINCT v FROM (
         SELECT json_extract(tags, ?) AS v FROM points WHERE measurement = ? AND within_cap()
         ORDER BY time_ms DESC, id DESC LIMIT ?
       ) WHERE v IS NOT NULL ORDER BY v`;
  return {
    statements: tags.map((tag) => ({ sql, params: [jsonPath(tag), measurement, scanLimit] })),
    finish: (rows) => Object.fromEntries(tags.map((tag, i) => [tag, rows[i]!.map((r) => String(r.v))])),
  };
}

function measurementsPlan(): Plan<string[]> {
  return {
    statements: [
      { sql: 'SELECT DISTINCT measurement FROM points WHERE within_cap() ORDER BY measurement', params: [] },
    ],
    finish: ([rows]) => rows!.map((r) => String(r.measurement)),
  };
}
