/**
 * The sink of the Parquet and QVD destinations: rows are buffered and written as one new file
 * per flush, `YYYYMMDD_partN.<ext>` in the export folder (the UTC date of the flush, N the
 * smallest number without a file), as upstream names them. A flush happens every
 * `writeFrequency` ms while rows wait, at once when `maxBatchSize` rows wait, and on stop;
 * with `writeFrequency` 0 every event gets its own file, as upstream's documentation promises.
 * A file is written whole under a temporary name and renamed. Rows stay buffered until their
 * file is written (a failed write keeps them, first in line); past a bound the sink refuses
 * more, so the delivery queue holds or spools them instead.
 */
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeliveryError } from '../delivery/types.ts';
import type { Logger } from '../logging/logger.ts';
import { type AuditSink, type Keyed, keysOf } from './audit-destination.ts';
import type { AuditRow } from './row.ts';

export interface RowFilesOptions {
  directory: string;
  /** `parquet` or `qvd`. */
  extension: string;
  /** `AUDIT PARQUET` or `AUDIT QVD`: starts the log lines. */
  label: string;
  maxBatchSize: number;
  writeFrequency: number;
  /** The file's bytes. */
  encode(rows: readonly AuditRow[]): Buffer | Promise<Buffer>;
  log: Logger;
  stored(keys: string[]): void;
  now?: () => Date;
}

export interface RowFilesSink extends AuditSink<AuditRow> {
  /** Files written so far. */
  written(): string[];
}

export function createRowFilesSink(options: RowFilesOptions): RowFilesSink {
  const { log, label } = options;
  const now = options.now ?? (() => new Date());
  const bound = Math.max(10_000, options.maxBatchSize * 10);
  let buffer: Keyed<AuditRow>[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  const files: string[] = [];

  async function writeOne(rows: Keyed<AuditRow>[]): Promise<void> {
    await mkdir(options.directory, { recursive: true });
    const path = await nextFreePath(options.directory, options.extension, now());
    const temporary = `${path}.tmp`;
    await writeFile(temporary, await options.encode(rows.map((r) => r.value)), { mode: 0o640 });
    await rename(temporary, path);
    files.push(path);
    log.info(`${label}: Wrote ${rows.length} events to ${path}`);
    options.stored(keysOf(rows));
  }

  async function flushNow(): Promise<void> {
    while (buffer.length > 0) {
      const size = options.writeFrequency === 0 ? 1 : options.maxBatchSize;
      const rows = buffer.slice(0, size);
      try {
        await writeOne(rows);
      } catch (error) {
        log.error(
          `${label}: writing ${rows.length} events failed; kept for the next flush: ${(error as Error).message}`,
        );
        return;
      }
      buffer = buffer.slice(rows.length);
    }
  }

  /** One flush at a time; a request during a flush runs after it. */
  function flush(): Promise<void> {
    flushing ??= flushNow().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  return {
    async write(batch) {
      if (buffer.length >= bound) {
        throw new DeliveryError(`${label}: ${buffer.length} rows wait for a file that cannot be written`, {
          kind: 'retryable',
          code: 'unknown',
        });
      }
      buffer.push(...batch);
      if (options.writeFrequency > 0) timer ??= setInterval(() => void flush(), options.writeFrequency);
      if (options.writeFrequency === 0 || buffer.length >= options.maxBatchSize) await flush();
    },
    flush: async () => {
      await flushing;
      await flush();
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flushing;
      await flush();
    },
    written: () => [...files],
  };
}

/** `<directory>/YYYYMMDD_partN.<ext>` with the smallest N ≥ 1 not taken. */
async function nextFreePath(directory: string, extension: string, when: Date): Promise<string> {
  const day = when.toISOString().slice(0, 10).replace(/-/g, '');
  const taken = new Set(await readdir(directory));
  for (let n = 1; ; n++) {
    const name = `${day}_part${n}.${extension}`;
    if (!taken.has(name)) return join(directory, name);
  }
}
