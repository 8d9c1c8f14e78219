/**
 * What happens to an accepted event before it goes to the destinations
 * (docs/reference/audit-api.md#handling): per type, a log line and what the destinations also
 * store (the reduced selection details, the data state, the paths of a downloaded screenshot),
 * then the record itself.
 */
import { parseAuditUser } from '../../audit/user.ts';
import type { Logger } from '../../logging/logger.ts';
import type { AuditEnvelope, AuditEventRecord, AuditExtras } from '../../records/audit-event.ts';
import { isPlainObject } from './envelope-schema.ts';
import type { ScreenshotDownload } from './screenshots/downloader.ts';

export type { ScreenshotDownload } from './screenshots/downloader.ts';

export interface HandlerOptions {
  log: Logger;
  /** Absent when screenshots are off. */
  downloadScreenshot?: ScreenshotDownload;
}

/** `details` reduced to qField, qSelectedCount, qSelected per item (other keys dropped). */
export function reduceSelectionDetails(details: unknown): Record<string, unknown>[] {
  if (!Array.isArray(details)) return [];
  return details.map((item) => {
    const d = isPlainObject(item) ? item : {};
    const out: Record<string, unknown> = {};
    for (const key of ['qField', 'qSelectedCount', 'qSelected']) if (d[key] !== undefined) out[key] = d[key];
    return out;
  });
}

function eventOf(envelope: AuditEnvelope): Record<string, unknown> {
  return isPlainObject(envelope.payload.event) ? envelope.payload.event : {};
}

function contextOf(envelope: AuditEnvelope): Record<string, unknown> {
  return isPlainObject(envelope.payload.context) ? envelope.payload.context : {};
}

/** Handles one envelope and builds its record. */
export async function handleAuditEvent(
  envelope: AuditEnvelope,
  receivedAtMs: number,
  options: HandlerOptions,
): Promise<AuditEventRecord> {
  const { log } = options;
  const event = eventOf(envelope);
  const identity = parseAuditUser(contextOf(envelope).user);
  const extras: AuditExtras = {};
  const what = `type=${envelope.type} eventId=${envelope.eventId}`;
  switch (envelope.type) {
    case 'selection.state.changed':
      extras.selectionDetails = reduceSelectionDetails(event.details);
      break;
    case 'app.model.validated':
      extras.dataStateId = event.dataStateId;
      break;
    case 'screenshot.url.received': {
      const paths = await options.downloadScreenshot?.(envelope, identity);
      if (paths && paths.length > 0) extras.savedPaths = paths;
      break;
    }
    case 'event.unsupported.visualization':
      log.warn(
        `AUDIT API: Unsupported visualization objectId=${String(event.objectId)} vizType=${String(event.vizType)} title=${String(event.title)} selectionTxnId=${String(event.selectionTxnId)} dataStateId=${String(event.dataStateId)} trigger=${String(event.trigger)}`,
      );
      break;
  }
  log.verbose(`AUDIT API: Handled audit event ${what} user=${identity.user ?? ''}`);
  const parsed = Date.parse(envelope.timestamp);
  return {
    kind: 'audit-event',
    receivedAtMs,
    timeMs: Number.isFinite(parsed) ? parsed : receivedAtMs,
    timeFromEnvelope: Number.isFinite(parsed),
    envelope,
    extras,
    identity,
  };
}
