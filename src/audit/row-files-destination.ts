/**
 * The Parquet and QVD destinations differ only in their file format: both map an event to a
 * row (row.ts), buffer rows and write one file per flush (row-files.ts) in the folder their
 * `metadata` names, relative to the working directory. This builds either from its encoder.
 */
import { resolve } from 'node:path';
import type { Destination, DestinationContext } from '../components/destination.ts';
import { auditDestination } from './audit-destination.ts';
import { type AuditRow, auditRow } from './row.ts';
import { createRowFilesSink } from './row-files.ts';

/** `auditEvents.destination.<parquet|qvd>.metadata` (typed here so audit/ stays free of the API's config). */
export interface RowFilesMetadata {
  exportDirectory: string;
  maxBatchSize: number;
  writeFrequency: number;
  staticTags: readonly { name: string; value: string }[];
}

export interface RowFilesDestinationOptions {
  context: DestinationContext;
  metadata: RowFilesMetadata;
  /** The format's name in the destination's name and log lines: `Parquet`, `QVD`. */
  format: string;
  /** The files' extension: `parquet`, `qvd`. */
  extension: string;
  encode(rows: readonly AuditRow[]): Buffer | Promise<Buffer>;
}

export function rowFilesDestination(options: RowFilesDestinationOptions): Destination {
  const { context, metadata } = options;
  const directory = resolve(process.cwd(), metadata.exportDirectory);
  return auditDestination<AuditRow>({
    name: `Audit events: ${options.format} files in ${directory}`,
    context,
    maxBatchSize: metadata.maxBatchSize,
    map: (record) => auditRow(record, metadata.staticTags),
    createSink: (stored) =>
      createRowFilesSink({
        directory,
        extension: options.extension,
        label: `AUDIT ${options.format.toUpperCase()}`,
        maxBatchSize: metadata.maxBatchSize,
        writeFrequency: metadata.writeFrequency,
        encode: options.encode,
        log: context.log,
        stored,
      }),
  });
}
