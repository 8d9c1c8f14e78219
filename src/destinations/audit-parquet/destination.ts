/**
 * Audit events as Parquet files: one row per event (src/audit/row.ts), one file per flush,
 * Snappy-compressed, row groups of 1,000 rows and then 100,000, column statistics on, written
 * with hyparquet-writer. `timestamp`, `durationMs` and `dataStateId` are INT64, `visible`
 * BOOLEAN, every other column UTF8; every column is nullable.
 */

import { parquetWriteBuffer } from 'hyparquet-writer';
import { AUDIT_COLUMNS, type AuditRow } from '../../audit/row.ts';
import { rowFilesDestination } from '../../audit/row-files-destination.ts';
import type { Destination, DestinationContext } from '../../components/destination.ts';
import type { AuditEventsConfig } from '../../sources/audit-api/config.ts';

const TYPES = { int64: 'INT64', text: 'STRING', boolean: 'BOOLEAN' } as const;

export function encodeParquet(rows: readonly AuditRow[]): Buffer {
  const columnData = AUDIT_COLUMNS.map(([name, kind]) => ({
    name,
    type: TYPES[kind],
    nullable: true,
    data: rows.map((row) => {
      const value = row[name];
      return kind === 'int64' && typeof value === 'number' ? BigInt(value) : value;
    }),
  }));
  return Buffer.from(
    parquetWriteBuffer({ columnData, codec: 'SNAPPY', statistics: true, rowGroupSize: [1000, 100_000] }),
  );
}

export function createAuditParquetDestination(context: DestinationContext): Destination {
  const audit = context.settings.auditEvents as AuditEventsConfig;
  const metadata = audit.destination.parquet!.metadata;
  return rowFilesDestination({
    context,
    metadata,
    format: 'Parquet',
    extension: 'parquet',
    encode: encodeParquet,
  });
}
