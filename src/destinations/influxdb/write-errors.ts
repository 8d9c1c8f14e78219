/**
 * Reading InfluxDB's answer to a failed write: is it worth retrying, and which lines of the
 * batch were bad. The three server generations report bad lines differently:
 * - 1.x: `{"error":"unable to parse '<line>': <reason>"}`, one such phrase per bad line
 *   (`partial write: ...` when the good lines were stored anyway);
 * - 2.x OSS: `{"code":"invalid","message":"unable to parse '<line>': <reason>"}`;
 *   2.x Cloud / 3.x on `/api/v2/write`: `{"code":"invalid","line":N,"message":"... error
 *   parsing line N (1-based): ..."}`;
 * - 3.x `/api/v3/write_lp`: `{"error":"...","data":{"line_number":N,"original_line":...}}`
 *   (an array of those for partial writes).
 */
import type { DeliveryErrorCode } from '../../delivery/types.ts';
import { statusFailureOf } from '../../http/client.ts';

export type WriteFailureKind = 'retryable' | 'rejected';

/**
 * 5xx, 429 (too many requests) and 408 (timeout) are retried. So are 401/403 (bad token or
 * missing permission) and 404 (database, bucket or org missing): those are problems of the
 * destination or its settings, not of the data, and splitting the batch would end in every
 * point being dropped as "rejected" while an operator fixes a token. Other 4xx (400 bad line
 * protocol, 413 too large, 422 type conflict) reject the content.
 */
export function classifyStatus(status: number): WriteFailureKind {
  if (status >= 500 || status === 429 || status === 408) return 'retryable';
  if (status === 401 || status === 403 || status === 404) return 'retryable';
  return 'rejected';
}

/**
 * How InfluxDB says that what a write names is missing: 1.x and 3.x `database not found: "x"`,
 * 2.x `bucket "x" not found` or `organization name "x" not found`.
 */
const MISSING_DATABASE = /\b(?:database|bucket|organization)\b.*\bnot found\b/i;

/**
 * The code of a failed write's answer: a 404 whose message names a missing database, bucket
 * or organisation is `database_not_found` (provisioning again may help); other statuses are
 * coded by what HTTP says.
 */
export function writeFailureCode(status: number, body: string): DeliveryErrorCode {
  if (status === 404 && MISSING_DATABASE.test(errorBodyMessage(body))) return 'database_not_found';
  return statusFailureOf(status);
}

/** The human-readable message inside an InfluxDB error body (or the body itself). */
export function errorBodyMessage(body: string): string {
  const json = parseJson(body);
  if (json && typeof json === 'object') {
    const o = json as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of ['error', 'message'] as const) if (typeof o[key] === 'string') parts.push(o[key]);
    const data = Array.isArray(o.data) ? o.data : o.data ? [o.data] : [];
    for (const d of data.slice(0, 3)) {
      const e = d as Record<string, unknown>;
      if (typeof e.error_message === 'string')
        parts.push(`line ${String(e.line_number ?? '?')}: ${e.error_message}`);
    }
    if (parts.length > 0) return parts.join(': ');
  }
  return body.trim();
}

/** Indexes (into `lines`) of the lines the error body names as bad; empty when it names none. */
export function findBadLines(lines: readonly string[], body: string): number[] {
  const bad = new Set<number>();
  const json = parseJson(body);
  const lineNumbers: number[] = [];
  let text = body;
  if (json && typeof json === 'object') {
    const o = json as Record<string, unknown>;
    if (typeof o.line === 'number') lineNumbers.push(o.line);
    const data = Array.isArray(o.data) ? o.data : o.data ? [o.data] : [];
    for (const d of data) {
      const n = (d as Record<string, unknown>).line_number;
      if (typeof n === 'number') lineNumbers.push(n);
    }
    text = [o.error, o.message].filter((v) => typeof v === 'string').join('\n');
  }
  for (const m of text.matchAll(/error parsing line (\d+)/g)) lineNumbers.push(Number(m[1]));
  if (lineNumbers.length > 0) {
    const index = physicalLineIndex(lines);
    for (const n of lineNumbers) {
      const i = index(n);
      if (i !== undefined) bad.add(i);
    }
  }
  if (text.includes('unable to parse')) {
    lines.forEach((line, i) => {
      if (line !== '' && text.includes(`unable to parse '${line}'`)) bad.add(i);
    });
  }
  return [...bad].sort((a, b) => a - b);
}

/**
 * InfluxDB 1.x/2.x end a partial-write error with `dropped=N`, the number of points it did not
 * store. When that is the whole batch, every line is bad (e.g. all beyond the retention
 * policy), and splitting the batch to find them would only cost requests.
 */
export function droppedCount(body: string): number | undefined {
  const match = /dropped=(\d+)/.exec(body);
  return match ? Number(match[1]) : undefined;
}

/** Maps a 1-based physical line number of the joined body to the index of its line. */
function physicalLineIndex(lines: readonly string[]): (lineNumber: number) => number | undefined {
  // A line may hold newlines inside string fields, so it can span several physical lines.
  const starts: number[] = [];
  let next = 1;
  for (const line of lines) {
    starts.push(next);
    let newlines = 0;
    for (let p = line.indexOf('\n'); p !== -1; p = line.indexOf('\n', p + 1)) newlines++;
    next += newlines + 1;
  }
  return (lineNumber) => {
    if (!Number.isInteger(lineNumber) || lineNumber < 1 || lineNumber >= next) return undefined;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= lineNumber) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
}

function parseJson(body: string): unknown {
  const t = body.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}
