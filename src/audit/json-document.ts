/**
 * An audit event's JSON file (docs/reference/audit-api.md#json-files): written for events whose
 * `payload.event.objectData` is an object, named `<ts>_<eventId>_<correlationId>.json`, with
 * upstream's keys in upstream's order and 2-space indentation.
 */
import type { AuditEventRecord } from '../records/audit-event.ts';
import {
  eventFileBase,
  fileContext,
  fileIds,
  finiteNumber,
  nonEmpty,
  orNull,
  partsOf,
  tagObject,
} from './event-fields.ts';

export interface AuditJsonFile {
  name: string;
  content: string;
}

export function auditJsonDocument(
  record: AuditEventRecord,
  staticTags: readonly { name: string; value: string }[],
): Record<string, unknown> | undefined {
  const { envelope, extras } = record;
  const parts = partsOf(record);
  const { event, objectData } = parts;
  if (objectData === undefined) return undefined;
  const bool = typeof event.visible === 'boolean' ? event.visible : undefined;
  // Upstream's key order, kept in the file.
  return {
    ...fileIds(record),
    timestamp: orNull(nonEmpty(envelope.timestamp)),
    eventType: envelope.type,
    ...fileContext(record, parts),
    durationMs: orNull(finiteNumber(event.duration)),
    visible: orNull(bool),
    enteredAt: orNull(nonEmpty(event.enteredAt)),
    leftAt: orNull(nonEmpty(event.leftAt)),
    dataStateId: orNull(finiteNumber(event.dataStateId) ?? finiteNumber(extras.dataStateId)),
    screenshotUrl: orNull(nonEmpty(event.screenshotUrl)),
    screenshotSavedPaths: extras.savedPaths && extras.savedPaths.length > 0 ? extras.savedPaths : null,
    selectionDetails: orNull(extras.selectionDetails),
    objectData,
    tags: orNull(tagObject(staticTags)),
  };
}

/** The file of an event, or undefined when the event has no object data. */
export function auditJsonFile(
  record: AuditEventRecord,
  staticTags: readonly { name: string; value: string }[],
): AuditJsonFile | undefined {
  const doc = auditJsonDocument(record, staticTags);
  if (!doc) return undefined;
  return { name: `${eventFileBase(record)}.json`, content: JSON.stringify(doc, null, 2) };
}
