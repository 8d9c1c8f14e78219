/**
 * An audit event as a row of the Parquet and QVD files (docs/reference/audit-api.md#parquet-and-qvd-files):
 * the columns in file order, each nullable. Differences from the InfluxDB point are upstream's:
 * a fractional duration is left out, a digit-string data state is kept.
 */
import type { AuditEventRecord } from '../records/audit-event.ts';
import { fileContext, fileIds, nonEmpty, orNull, partsOf, tagObject } from './event-fields.ts';

export const AUDIT_COLUMNS = [
  ['timestamp', 'int64'],
  ['date', 'text'],
  ['eventId', 'text'],
  ['correlationId', 'text'],
  ['eventType', 'text'],
  ['user', 'text'],
  ['userDirectory', 'text'],
  ['userId', 'text'],
  ['appId', 'text'],
  ['appName', 'text'],
  ['sheetId', 'text'],
  ['sheetName', 'text'],
  ['objectId', 'text'],
  ['objectType', 'text'],
  ['selectionTxnId', 'text'],
  ['durationMs', 'int64'],
  ['visible', 'boolean'],
  ['enteredAt', 'text'],
  ['leftAt', 'text'],
  ['dataStateId', 'int64'],
  ['selectionDetails', 'text'],
  ['screenshotUrl', 'text'],
  ['screenshotSavedPaths', 'text'],
  ['objectData', 'text'],
  ['tags', 'text'],
] as const;

export type AuditColumn = (typeof AUDIT_COLUMNS)[number][0];
export type AuditRow = Record<AuditColumn, string | number | boolean | null>;

/** An integer number, or a string of digits with an optional `-`; anything else is null. */
function wholeNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : null;
  }
  return null;
}

export function auditRow(
  record: AuditEventRecord,
  staticTags: readonly { name: string; value: string }[],
): AuditRow {
  const { envelope, extras } = record;
  const parts = partsOf(record);
  const { event, objectData } = parts;
  const parsed = Date.parse(envelope.timestamp);
  const time = Number.isFinite(parsed) ? parsed : null;
  const tags = tagObject(staticTags);
  return {
    timestamp: time,
    date: time === null ? null : new Date(time).toISOString().slice(0, 10).replace(/-/g, ''),
    ...fileIds(record),
    eventType: orNull(nonEmpty(envelope.type)),
    ...fileContext(record, parts),
    durationMs: wholeNumber(event.duration),
    visible: typeof event.visible === 'boolean' ? event.visible : null,
    enteredAt: orNull(nonEmpty(event.enteredAt)),
    leftAt: orNull(nonEmpty(event.leftAt)),
    dataStateId: wholeNumber(event.dataStateId) ?? wholeNumber(extras.dataStateId),
    selectionDetails: extras.selectionDetails ? JSON.stringify(extras.selectionDetails) : null,
    screenshotUrl: orNull(nonEmpty(event.screenshotUrl)),
    screenshotSavedPaths:
      extras.savedPaths && extras.savedPaths.length > 0 ? JSON.stringify(extras.savedPaths) : null,
    objectData: objectData === undefined ? null : JSON.stringify(objectData),
    tags: tags ? JSON.stringify(tags) : null,
  };
}
