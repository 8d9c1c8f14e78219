/**
 * The read side of the local store: the few query shapes the web UI needs.
 *
 * Tag and field names reach SQL only as bound JSON paths (`$."name"`), after a name check,
 * so no request value is ever spliced into SQL text.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';

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

const NAME = /^[A-Za-z0-9_.:\- ]{1,100}$/;
const MAX_EVENTS = 1000;

export class StoreQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreQueryError';
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

const jsonPath = (name: string) => `$."${name}"`;

function finite(n: number | undefined, fallback: number): number {
  return n === undefined || !Number.isFinite(n) ? fallback : n;
}

export interface StoreReader {
  series(q: SeriesQuery): SeriesResult;
  latest(q: LatestQuery): LatestPoint[];
  events(q: EventsQuery): EventRow[];
  facets(q: FacetsQuery): Record<string, string[]>;
  measurements(): string[];
}

type Prepare = (sql: string) => StatementSync;
type Row = Record<string, number | string | null>;

export function createReader(db: DatabaseSync, now: () => number): StoreReader {
  const prepare = statementCache(db);
  // A JS function rather than SQLite's lower(), which only folds ASCII letters.
  db.function('text_contains', { deterministic: true }, (haystack, needle) =>
    typeof haystack === 'string' && typeof needle === 'string' && haystack.toLowerCase().includes(needle)
      ? 1
      : 0,
  );
  return {
    series: (q) => series(prepare, q, now),
    latest: (q) => latest(prepare, q),
    events: (q) => events(prepare, q),
    facets: (q) => facets(prepare, q),
    measurements() {
      const rows = prepare('SELECT DISTINCT measurement FROM points ORDER BY measurement').all() as Array<{
        measurement: string;
      }>;
      return rows.map((r) => r.measurement);
    },
  };
}

/** Statements cached by SQL text; the shapes vary only with the number of names. */
function statementCache(db: DatabaseSync): Prepare {
  const cache = new Map<string, StatementSync>();
  return (sql) => {
    let s = cache.get(sql);
    if (s === undefined) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
}

const groupTags = (groupBy: string[] | undefined) =>
  (groupBy ?? ['server_name']).map((t) => checkName('tag', t));

const groupColumns = (groupBy: string[]) => groupBy.map((_, i) => `json_extract(tags, ?) AS g${i}`);

/** Bucket averages per series (one series per combination of the groupBy tags). */
function series(prepare: Prepare, q: SeriesQuery, now: () => number): SeriesResult {
  const measurement = checkName('measurement', q.measurement);
  const fields = q.fields.map((f) => checkName('field', f));
  if (fields.length === 0) throw new StoreQueryError('at least one field is required');
  const groupBy = groupTags(q.groupBy);
  const untilMs = finite(q.untilMs, now());
  const sinceMs = finite(q.sinceMs, untilMs - 3_600_000);
  const maxPoints = Math.max(1, Math.min(10_000, Math.floor(finite(q.maxPoints, 600))));
  const bucketMs = Math.max(1, Math.ceil((untilMs - sinceMs) / maxPoints));

  const fieldCols = fields.map((_, i) => `avg(json_extract(fields, ?)) AS f${i}`);
  const sql = `SELECT max(time_ms) AS t, ${[...groupColumns(groupBy), ...fieldCols].join(', ')}
    FROM points WHERE measurement = ? AND time_ms >= ? AND time_ms <= ?
    GROUP BY ${['time_ms / CAST(? AS INTEGER)', ...groupBy.map((_, i) => `g${i}`)].join(', ')} ORDER BY t`;
  const params: SQLInputValue[] = [
    ...groupBy.map(jsonPath),
    ...fields.map(jsonPath),
    measurement,
    Math.floor(sinceMs),
    Math.floor(untilMs),
    bucketMs,
  ];
  const rows = prepare(sql).all(...params) as Row[];
  return { bucketMs, series: sortedByTags(seriesOf(rows, groupBy, fields)) };
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

function latest(prepare: Prepare, q: LatestQuery): LatestPoint[] {
  const measurement = checkName('measurement', q.measurement);
  const groupBy = groupTags(q.groupBy);
  // SQLite returns the other columns of the row holding max(): the newest point per group.
  const sql = `SELECT max(time_ms) AS t, tags, fields, ${groupColumns(groupBy).join(', ')}
    FROM points WHERE measurement = ? AND time_ms >= ? GROUP BY ${groupBy.map((_, i) => `g${i}`).join(', ')}`;
  const rows = prepare(sql).all(
    ...groupBy.map(jsonPath),
    measurement,
    Math.floor(finite(q.sinceMs, 0)),
  ) as Array<{ t: number; tags: string; fields: string }>;
  return rows.map((r) => ({ timeMs: r.t, tags: JSON.parse(r.tags), fields: JSON.parse(r.fields) }));
}

function events(prepare: Prepare, q: EventsQuery): EventRow[] {
  const measurement = checkName('measurement', q.measurement);
  const limit = Math.max(1, Math.min(MAX_EVENTS, Math.floor(finite(q.limit, 200))));
  const scanLimit = Math.max(limit, Math.min(1_000_000, Math.floor(finite(q.scanLimit, 50_000))));
  const { where, params } = eventFilters(q);
  const sql = `SELECT id, time_ms, tags, fields FROM (
      SELECT id, time_ms, tags, fields FROM points
      WHERE measurement = ? AND time_ms >= ? AND id > ?
      ORDER BY time_ms DESC, id DESC LIMIT ?
    ) ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY time_ms DESC, id DESC LIMIT ?`;
  const rows = prepare(sql).all(
    measurement,
    Math.floor(finite(q.sinceMs, 0)),
    Math.floor(finite(q.afterId, 0)),
    scanLimit,
    ...params,
    limit,
  ) as Array<{ id: number; time_ms: number; tags: string; fields: string }>;
  return rows.map((r) => ({
    id: r.id,
    timeMs: r.time_ms,
    tags: JSON.parse(r.tags),
    fields: JSON.parse(r.fields),
  }));
}

/** The tag and text filters of an events query, as SQL conditions and their parameters. */
function eventFilters(q: EventsQuery): { where: string[]; params: SQLInputValue[] } {
  const where: string[] = [];
  const params: SQLInputValue[] = [];
  for (const [tag, values] of Object.entries(q.tags ?? {})) {
    const wanted = values.filter((v) => v !== '');
    if (wanted.length === 0) continue;
    checkName('tag', tag);
    where.push(`json_extract(tags, ?) IN (${wanted.map(() => '?').join(', ')})`);
    params.push(jsonPath(tag), ...wanted);
  }
  const text = q.text?.trim().toLowerCase() ?? '';
  if (text !== '') {
    const names = (q.textFields ?? ['message']).map((f) => checkName('field', f));
    const parts = names.map(() => "coalesce(json_extract(fields, ?), json_extract(tags, ?), '')");
    where.push(`text_contains(${parts.join(" || ' ' || ")}, ?)`);
    for (const n of names) params.push(jsonPath(n), jsonPath(n));
    params.push(text);
  }
  return { where, params };
}

function facets(prepare: Prepare, q: FacetsQuery): Record<string, string[]> {
  const measurement = checkName('measurement', q.measurement);
  const tags = q.tags.map((t) => checkName('tag', t));
  const scanLimit = Math.max(1, Math.min(1_000_000, Math.floor(finite(q.scanLimit, 5000))));
  const out: Record<string, string[]> = {};
  for (const tag of tags) {
    const rows = prepare(
      `SELECT DISTINCT v FROM (
         SELECT json_extract(tags, ?) AS v FROM points WHERE measurement = ?
         ORDER BY time_ms DESC, id DESC LIMIT ?
       ) WHERE v IS NOT NULL ORDER BY v`,
    ).all(jsonPath(tag), measurement, scanLimit) as Array<{ v: unknown }>;
    out[tag] = rows.map((r) => String(r.v));
  }
  return out;
}
