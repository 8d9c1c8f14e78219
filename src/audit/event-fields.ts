/**
 * The values every audit destination reads from an audit event (docs/reference/audit-api.md#destinations):
 * context strings, event values, the object type, the data state and the saved screenshot
 * paths. Each destination applies its own rules for what it writes (InfluxDB skips empty
 * strings and 0 data states, files keep them).
 */
import type { AuditEventRecord } from '../records/audit-event.ts';

export type Plain = Record<string, unknown>;

export function asObject(value: unknown): Plain | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Plain) : undefined;
}

/** A non-empty string, or undefined. */
export function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export interface AuditParts {
  context: Plain;
  event: Plain;
  /** `event.objectData` when it is an object or an array (null and scalars are not). */
  objectData: object | undefined;
  /** `objectData.objectType` when a string. */
  objectType: string | undefined;
}

export function partsOf(record: AuditEventRecord): AuditParts {
  const context = asObject(record.envelope.payload.context) ?? {};
  const event = asObject(record.envelope.payload.event) ?? {};
  const data = event.objectData;
  const objectData = data !== null && typeof data === 'object' ? data : undefined;
  const objectType =
    objectData && !Array.isArray(objectData) ? nonEmpty((objectData as Plain).objectType) : undefined;
  return { context, event, objectData, objectType };
}

/** `YYYYMMDDTHHMMSS.mmmZ` of an envelope timestamp (UTC), or `invalid_timestamp`. */
export function compactTimestamp(timestamp: string): string {
  const ms = Date.parse(timestamp);
  if (!Number.isFinite(ms)) return 'invalid_timestamp';
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

/** An id as a file name part: characters outside `[A-Za-z0-9._-]` become `_`, at most 128; `none` when empty. */
export function safeIdPart(value: unknown): string {
  if (typeof value !== 'string' || value === '') return 'none';
  return value.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 128);
}

/** `<ts>_<eventId>_<correlationId>`: the base name of an event's JSON file and screenshots. */
export function eventFileBase(record: Pick<AuditEventRecord, 'envelope'>): string {
  const { timestamp, eventId, correlationId } = record.envelope;
  return `${compactTimestamp(timestamp)}_${safeIdPart(eventId)}_${safeIdPart(correlationId)}`;
}

/** Static tags as an object (entries with an empty name or value left out), or undefined when none. */
export function tagObject(
  tags: readonly { name: string; value: string }[],
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const { name, value } of tags) if (name !== '' && value !== '') out[name] = value;
  return Object.keys(out).length > 0 ? out : undefined;
}

export const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

/** The event's ids as both file formats write them (JSON files, Parquet/QVD rows): null when missing or empty. */
export function fileIds(record: AuditEventRecord) {
  return {
    eventId: orNull(nonEmpty(record.envelope.eventId)),
    correlationId: orNull(nonEmpty(record.envelope.correlationId)),
  };
}

/**
 * Who looked at what, where, as both file formats write it, in the files' column order: each a
 * text, null when missing or empty (InfluxDB leaves such tags out instead: influx-point.ts).
 */
export function fileContext(record: AuditEventRecord, parts: AuditParts) {
  const { identity } = record;
  const { context, event, objectType } = parts;
  return {
    user: orNull(identity.user),
    userDirectory: orNull(identity.userDirectory),
    userId: orNull(identity.userId),
    appId: orNull(nonEmpty(context.appId)),
    appName: orNull(nonEmpty(context.appName)),
    sheetId: orNull(nonEmpty(context.sheetId)),
    sheetName: orNull(nonEmpty(context.sheetName)),
    objectId: orNull(nonEmpty(event.objectId)),
    objectType: orNull(objectType),
    selectionTxnId: orNull(nonEmpty(event.selectionTxnId)),
  };
}
