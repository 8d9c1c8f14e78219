/**
 * Audit events as QVD files (Qlik's own table format, read by Qlik Sense and QlikView with a
 * plain LOAD): one row per event (src/audit/row.ts), one file per flush, numbers as numbers,
 * `visible` as Qlik's -1/0, texts as texts and missing values as nulls
 * (src/audit/qvd-writer.ts writes the format).
 */
import { writeQvd } from '../../audit/qvd-writer.ts';
import { AUDIT_COLUMNS, type AuditRow } from '../../audit/row.ts';
import { rowFilesDestination } from '../../audit/row-files-destination.ts';
import type { Destination, DestinationContext } from '../../components/destination.ts';
import type { AuditEventsConfig } from '../../sources/audit-api/config.ts';

export function encodeQvd(rows: readonly AuditRow[]): Buffer {
  return writeQvd(
    'audit_events',
    AUDIT_COLUMNS.map(([name]) => ({ name, values: rows.map((row) => row[name]) })),
  );
}

export function createAuditQvdDestination(context: DestinationContext): Destination {
  const audit = context.settings.auditEvents as AuditEventsConfig;
  const metadata = audit.destination.qvd!.metadata;
  return rowFilesDestination({ context, metadata, format: 'QVD', extension: 'qvd', encode: encodeQvd });
}
