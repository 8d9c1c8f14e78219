/**
 * Turning `InfluxPoint`s into rows of the points table, and telling which points cannot
 * be stored (and why).
 */
import type { InfluxPoint } from '../../mapping/shapes.ts';

/** time_ms, measurement, tags (JSON), fields (JSON). */
export type PointRow = [number, string, string, string];

type FieldValue = number | string | boolean;

export interface BatchRows {
  rows: PointRow[];
  /** Indexes of the points that cannot be stored. */
  bad: number[];
  /** Why, once per distinct reason. */
  reasons: Set<string>;
}

/** Points without a time get `nowMs`. */
export function batchRows(points: readonly unknown[], nowMs: number): BatchRows {
  const rows: PointRow[] = [];
  const bad: number[] = [];
  const reasons = new Set<string>();
  for (let i = 0; i < points.length; i++) {
    const row = toRow(points[i], nowMs);
    if (typeof row === 'string') {
      bad.push(i);
      reasons.add(row);
    } else rows.push(row);
  }
  return { rows, bad, reasons };
}

/** One point as row values, or a reason why it cannot be stored. */
function toRow(p: unknown, nowMs: number): PointRow | string {
  if (typeof p !== 'object' || p === null) return 'not an object';
  const point = p as Partial<InfluxPoint>;
  if (typeof point.measurement !== 'string' || point.measurement === '') return 'no measurement';
  const fieldsIn = point.fields;
  if (typeof fieldsIn !== 'object' || fieldsIn === null) return 'no fields';
  const fields = storableFields(fieldsIn);
  if (fields === undefined) return 'no valid field';
  const t = point.timeMs;
  const timeMs = typeof t === 'number' && Number.isFinite(t) ? Math.floor(t) : nowMs;
  return [timeMs, point.measurement, JSON.stringify(storableTags(point.tags)), JSON.stringify(fields)];
}

/** The fields with a storable value; undefined when there is none. */
function storableFields(fieldsIn: InfluxPoint['fields']): Record<string, FieldValue> | undefined {
  const fields: Record<string, FieldValue> = {};
  let fieldCount = 0;
  for (const name in fieldsIn) {
    const v = fieldsIn[name]?.value;
    // Non-finite numbers are skipped, as the InfluxDB sinks do
    // (docs/reference/influxdb.md#field-types-per-version).
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) {
      fields[name] = v;
      fieldCount++;
    }
  }
  return fieldCount === 0 ? undefined : fields;
}

/** Tags with a non-empty string value. */
function storableTags(tagsIn: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  if (typeof tagsIn === 'object' && tagsIn !== null) {
    for (const name in tagsIn) {
      const v = (tagsIn as Record<string, unknown>)[name];
      if (typeof v === 'string' && v !== '') tags[name] = v;
    }
  }
  return tags;
}
