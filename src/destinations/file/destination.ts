/**
 * The file destination: each accepted record becomes one JSON line, queued (so it gets the
 * spool and status of every destination) and appended by the file sink.
 */
import type { Destination, DestinationContext } from '../../components/destination.ts';
import { queuedDestination } from '../../components/queued-destination.ts';
import { resolveConfiguredPath } from '../../config/kit/paths.ts';
import { type AgentRecord, type PerKind, RECORD_KINDS } from '../../records/record.ts';
import { createFileSink, type FileSink } from './file-sink.ts';
import { recordLine } from './record-line.ts';

export function createFileDestination(context: DestinationContext): Destination {
  const { fileOutput } = context.settings;
  const directory = resolveConfiguredPath(fileOutput.directory);
  let sink: FileSink | undefined;
  const kinds = fileOutput.kinds.length > 0 ? fileOutput.kinds : RECORD_KINDS;
  const toLine = (record: AgentRecord) => [recordLine(record)];
  const mappings = Object.fromEntries(kinds.map((kind) => [kind, toLine])) as PerKind<readonly string[]>;
  return queuedDestination({
    name: `Files in ${directory}`,
    context,
    sink: {
      write(batch, signal) {
        if (!sink) return Promise.reject(new Error('file destination not started'));
        return sink.write(batch, signal);
      },
    },
    maxBatchSize: 1000,
    mappings,
    async start() {
      sink = await createFileSink({
        directory,
        fileName: fileOutput.fileName,
        maxFileBytes: Math.round(fileOutput.maxFileSizeMB * 1024 * 1024),
        retentionDays: fileOutput.retentionDays,
        log: context.log,
      });
    },
    close: () => sink?.close(),
  });
}
