/**
 * An audit event as an InfluxDB point (measurement `audit_event`, upstream's point model,
 * docs/reference/audit-api.md#influxdb-audit_event): the same tags, fields and field types for
 * InfluxDB 1.x, 2.x and 3.x. Every number is a float, as upstream stores them in all three
 * versions. The point time is the envelope's timestamp (ms), so a replayed event rewrites the
 * same point. A point without any field is not written (InfluxDB refuses such a line); the
 * caller is told, to warn.
 */
import type { InfluxField, InfluxPoint } from '../mapping/shapes.ts';
import type { AuditEventRecord } from '../records/audit-event.ts';
import { finiteNumber, nonEmpty, partsOf } from './event-fields.ts';

export interface AuditInfluxConfig {
  measurementName: string;
  auditEventSchemaVersion: string;
  staticTags: readonly { name: string; value: string }[];
}

const str = (value: string): InfluxField => ({ type: 'string', value });
const float = (value: number): InfluxField => ({ type: 'float', value });

function tagsOf(record: AuditEventRecord, config: AuditInfluxConfig): Record<string, string | undefined> {
  const { envelope, identity } = record;
  const { context, event, objectType } = partsOf(record);
  const tags: Record<string, string | undefined> = {
    eventType: envelope.type || 'unknown',
    auditEventSchemaVersion: config.auditEventSchemaVersion || '1',
    eventId: nonEmpty(envelope.eventId),
    correlationId: nonEmpty(envelope.correlationId),
    selectionTxnId: nonEmpty(event.selectionTxnId),
    user: identity.user,
    userDirectory: identity.userDirectory,
    userId: identity.userId,
    appId: nonEmpty(context.appId),
    appName: nonEmpty(context.appName),
  };
  for (const { name, value } of config.staticTags) if (name !== '' && value !== '') tags[name] = value;
  if (objectType !== undefined) tags.objectType = objectType;
  return tags;
}

function fieldsOf(record: AuditEventRecord): Record<string, InfluxField> {
  const { context, event, objectData } = partsOf(record);
  const { extras } = record;
  const fields: Record<string, InfluxField> = {};
  const text = (name: string, value: unknown) => {
    const s = nonEmpty(value);
    if (s !== undefined) fields[name] = str(s);
  };
  text('sheetId', context.sheetId);
  text('sheetName', context.sheetName);
  text('objectId', event.objectId);
  const duration = finiteNumber(event.duration);
  if (duration !== undefined) fields.durationMs = float(duration);
  if (typeof event.visible === 'boolean') fields.visible = { type: 'boolean', value: event.visible };
  text('enteredAt', event.enteredAt);
  text('leftAt', event.leftAt);
  text('enterSelectionTxnId', event.enterSelectionTxnId);
  text('leaveSelectionTxnId', event.leaveSelectionTxnId);
  const ownState = finiteNumber(event.dataStateId);
  const dataStateId = ownState !== undefined && ownState !== 0 ? ownState : finiteNumber(extras.dataStateId);
  if (dataStateId !== undefined) fields.dataStateId = float(dataStateId);
  if (extras.selectionDetails && extras.selectionDetails.length > 0) {
    fields.selectionDetails = str(JSON.stringify(extras.selectionDetails));
  }
  text('screenshotUrl', event.screenshotUrl);
  if (extras.savedPaths && extras.savedPaths.length > 0)
    fields.screenshotSavedPaths = str(JSON.stringify(extras.savedPaths));
  if (objectData !== undefined) fields.objectData = str(JSON.stringify(objectData));
  return Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The point of an event, or undefined when it has no field to write. */
export function auditEventToInflux(
  record: AuditEventRecord,
  config: AuditInfluxConfig,
): InfluxPoint | undefined {
  const fields = fieldsOf(record);
  if (Object.keys(fields).length === 0) return undefined;
  return {
    measurement: config.measurementName || 'audit_event',
    tags: tagsOf(record, config),
    fields,
    timeMs: record.timeMs,
  };
}
