/**
 * InfluxDB line protocol encoder.
 *
 * Hand-written rather than taken from a client library because it is on the hot path (every
 * log and user event becomes one line, 25k+ per second end to end), the format is small and
 * fully documented, and the client libraries build intermediate Point objects, sort tags and
 * re-validate every value, which costs several times more than a single string build here.
 * Every string is first tested with one regular expression and only copied when it actually
 * contains a character that needs escaping, which is rare in real data.
 *
 * Rules (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/):
 * - measurement: escape comma and space;
 * - tag keys, tag values, field keys: escape comma, equals sign and space;
 * - string field values: escape double quote and backslash, wrap in double quotes.
 * Choices beyond the documented rules (all of them keep one bad value from breaking a batch):
 * - A backslash that would otherwise escape the next delimiter (it ends the text or precedes
 *   a comma, equals sign or space) is doubled. InfluxDB 1.x/2.x then keep both backslashes;
 *   without it the line would not parse.
 * - A newline or carriage return in a measurement, tag or field key is written as the two
 *   characters `\n` / `\r`: a raw one would end the line. Inside string field values they are
 *   kept as they are (upstream does the same and InfluxDB's parsers accept them in quotes).
 * - Tags whose value is undefined or empty are omitted (never `key=`), as are tags with an
 *   empty key. Tag order is kept as given; InfluxDB sorts tags itself, and the v2/v3 upstream
 *   clients sort them before sending, so the order never changes the stored series.
 * - Fields: `integer` → `12i` (non-integers floored), `uint` → `12u` (negatives skipped),
 *   `float` → shortest round-trip decimal, `string` → quoted, `boolean` → `true`/`false`
 *   (the same stored value as upstream v2's `T`/`F`). Non-finite numbers and integers outside
 *   the 64-bit range are skipped, never written as `NaN`. A point left with no field at all
 *   encodes to the empty string, which callers must not send.
 * - Timestamps are nanoseconds, built as text from `timeMs` and `timeNsOffset` so they stay
 *   exact (ns since 1970 exceed 2^53). A point without `timeMs` gets "now" from a clock that
 *   hands out a distinct nanosecond to every such point, rather than leaving the time to the
 *   server: a retried or spooled batch must rewrite identical points (InfluxDB then keeps one
 *   copy, never a duplicate), a replay hours later must keep the original time, and two
 *   points of the same series in one request must not overwrite each other.
 */
import type { InfluxField, InfluxPoint } from '../../mapping/shapes.ts';

const MEASUREMENT_SPECIAL = /[, \\\n\r]/;
const KEY_SPECIAL = /[,= \\\n\r]/;
const STRING_SPECIAL = /["\\]/;

// Exact as doubles: powers of two.
const TWO_POW_63 = 2 ** 63;
const TWO_POW_64 = 2 ** 64;

function escapeWith(text: string, loneBackslash: RegExp, delimiters: RegExp): string {
  return text
    .replace(loneBackslash, '\\\\')
    .replace(delimiters, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
}

export function escapeMeasurement(name: string): string {
  return MEASUREMENT_SPECIAL.test(name) ? escapeWith(name, /\\(?=[, ]|$)/g, /[, \n\r]/g) : name;
}

/** Escapes a tag key, tag value or field key. */
export function escapeKey(text: string): string {
  return KEY_SPECIAL.test(text) ? escapeWith(text, /\\(?=[, =]|$)/g, /[,= \n\r]/g) : text;
}

export function escapeStringField(text: string): string {
  // Two replaces with string patterns beat one with a callback (V8 fast path).
  return STRING_SPECIAL.test(text) ? text.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : text;
}

/** The encoded value of one field, or undefined when the value cannot be written. */
export function encodeFieldValue(field: InfluxField): string | undefined {
  const value = field.value;
  switch (field.type) {
    case 'float': {
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(n) ? String(n) : undefined;
    }
    case 'integer': {
      const n = Math.floor(typeof value === 'number' ? value : Number(value));
      return Number.isFinite(n) && n >= -TWO_POW_63 && n < TWO_POW_63 ? `${integerText(n)}i` : undefined;
    }
    case 'uint': {
      const n = Math.floor(typeof value === 'number' ? value : Number(value));
      return Number.isFinite(n) && n >= 0 && n < TWO_POW_64 ? `${integerText(n)}u` : undefined;
    }
    case 'string':
      return `"${escapeStringField(typeof value === 'string' ? value : String(value))}"`;
    case 'boolean':
      return value === true || value === 'true'
        ? 'true'
        : value === false || value === 'false'
          ? 'false'
          : undefined;
    default:
      return undefined;
  }
}

/** Integer text without exponent notation (String(1e21) would give "1e+21"). */
function integerText(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}

let clockMs = 0;
let clockSeq = 0;
/** "Now" in ns as text, distinct for every call within one process. */
export function nowNs(): string {
  const ms = Date.now();
  if (ms > clockMs) {
    clockMs = ms;
    clockSeq = 0;
  } else if (++clockSeq >= 1_000_000) {
    clockMs++;
    clockSeq = 0;
  }
  return msNsText(clockMs, clockSeq);
}

function msNsText(ms: number, ns: number): string {
  // ns is 0..999 999: six digits, zero padded.
  return ms === 0 ? String(ns) : `${ms}${String(ns).padStart(6, '0')}`;
}

/** Nanosecond timestamp text for a point time, exact to the nanosecond. */
export function timestampNs(timeMs: number, timeNsOffset = 0): string {
  const ms = Math.floor(timeMs);
  const ns = Math.round((timeMs - ms) * 1e6) + Math.floor(timeNsOffset);
  if (ns >= 1_000_000 || ns < 0 || ms < 0) {
    // Rare: a carry into the next millisecond or a time before 1970. Exact with BigInt.
    return (BigInt(ms) * 1_000_000n + BigInt(ns)).toString();
  }
  return msNsText(ms, ns);
}

/** One line of line protocol, without trailing newline; '' when the point has no writable field. */
export function encodeLine(point: InfluxPoint): string {
  let fields = '';
  for (const key in point.fields) {
    const field = point.fields[key];
    if (field === undefined || key === '') continue;
    const encoded = encodeFieldValue(field);
    if (encoded === undefined) continue;
    fields += `${fields === '' ? '' : ','}${escapeKey(key)}=${encoded}`;
  }
  if (fields === '') return '';

  let line = escapeMeasurement(point.measurement);
  const tags = point.tags;
  for (const key in tags) {
    const value = tags[key];
    if (value === undefined || value === '' || key === '') continue;
    line += `,${escapeKey(key)}=${escapeKey(typeof value === 'string' ? value : String(value))}`;
  }
  const time =
    point.timeMs === undefined || !Number.isFinite(point.timeMs)
      ? nowNs()
      : timestampNs(point.timeMs, point.timeNsOffset);
  const result = `${line} ${fields} ${time}`;
  // The line was built from dozens of concatenations: V8 keeps it as a rope of small pieces
  // (about 6 times the memory of the text) until something flattens it. Lines wait in queues
  // and spools, so flatten it now; a regexp test does that, and is cheap.
  FLATTEN.test(result);
  return result;
}
const FLATTEN = /^$/;

/** Encodes many points, leaving out those with no writable field. */
export function encodeLines(points: readonly InfluxPoint[]): string[] {
  const lines: string[] = [];
  for (const point of points) {
    const line = encodeLine(point);
    if (line !== '') lines.push(line);
  }
  return lines;
}
