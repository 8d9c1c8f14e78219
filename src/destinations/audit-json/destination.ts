/**
 * Audit events as JSON files: one file per event whose `payload.event.objectData` is an object,
 * named `<ts>_<eventId>_<correlationId>.json` in `exportDirectory` (upstream's name and
 * content, src/audit/json-document.ts). A file is written whole to a temporary name and then
 * renamed, so a reader never sees half a file; an event handled again after a restart rewrites
 * the same file.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { auditDestination, storedOnWrite } from '../../audit/audit-destination.ts';
import { type AuditJsonFile, auditJsonFile } from '../../audit/json-document.ts';
import type { Destination, DestinationContext } from '../../components/destination.ts';
import { DeliveryError } from '../../delivery/types.ts';
import type { AuditEventsConfig } from '../../sources/audit-api/config.ts';

export function createAuditJsonDestination(context: DestinationContext): Destination {
  const { log } = context;
  const audit = context.settings.auditEvents as AuditEventsConfig;
  const objectdata = audit.destination.json!.objectdata;
  const directory = resolve(process.cwd(), objectdata.exportDirectory);
  return auditDestination<AuditJsonFile>({
    name: `Audit events: JSON files in ${directory}`,
    context,
    maxBatchSize: 100,
    map: (record) => auditJsonFile(record, objectdata.staticTags),
    createSink: (stored) =>
      storedOnWrite(
        {
          async write(files) {
            for (const file of files) {
              await writeJsonFile(directory, file);
              log.verbose(`AUDIT JSON: Wrote objectData to ${join(directory, file.name)}`);
            }
          },
        },
        stored,
      ),
    start: () => mkdir(directory, { recursive: true }).then(() => undefined),
  });
}

async function writeJsonFile(directory: string, file: AuditJsonFile): Promise<void> {
  const path = resolve(directory, file.name);
  if (!path.startsWith(directory + sep)) {
    throw new DeliveryError(`AUDIT JSON: ${file.name} would be outside ${directory}`, {
      kind: 'rejected',
      code: 'invalid',
    });
  }
  const temporary = `${path}.tmp`;
  try {
    await mkdir(directory, { recursive: true });
    await writeFile(temporary, file.content, { mode: 0o640 });
    await rename(temporary, path);
  } catch (error) {
    throw new DeliveryError(`AUDIT JSON: writing ${path}: ${(error as Error).message}`, {
      kind: 'retryable',
      cause: error,
    });
  }
}
