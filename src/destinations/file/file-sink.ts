/**
 * Appends JSON lines to files named `<fileName>-<YYYY-MM-DD>[.<n>].ndjson` (UTC date): a new
 * file when the day changes or before a file would pass its size limit, and files of days
 * older than the retention deleted at start and at each new day. Files are only ever
 * appended to and never renamed, which is what log shippers that follow files by name and
 * offset (Filebeat, Fluent Bit, Vector, Splunk forwarders) handle best.
 */

import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DeliveryError, type DeliverySink } from '../../delivery/types.ts';
import type { Logger } from '../../logging/logger.ts';

export interface FileSinkOptions {
  directory: string;
  fileName: string;
  maxFileBytes: number;
  /** Days of files kept; 0 keeps every file. */
  retentionDays: number;
  log: Logger;
  /** Clock, for tests. */
  now?: () => number;
}

export interface FileSink extends DeliverySink<string> {
  /** The file written to now. */
  currentFile(): string | undefined;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a time, in UTC. */
export function utcDay(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10);
}

export async function createFileSink(options: FileSinkOptions): Promise<FileSink> {
  await mkdir(options.directory, { recursive: true });
  const files = new RotatingFiles(options);
  await files.prune();
  return {
    write: (lines, signal) => files.append(lines, signal),
    currentFile: () => files.path,
    close: () => files.close(),
  };
}

class RotatingFiles {
  private readonly options: FileSinkOptions;
  private readonly now: () => number;
  private readonly pattern: RegExp;
  private handle: FileHandle | undefined;
  private day = '';
  private index = 0;
  private size = 0;
  path: string | undefined;

  constructor(options: FileSinkOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.pattern = new RegExp(
      `^${options.fileName.replace(/[.]/g, '\\.')}-(\\d{4}-\\d{2}-\\d{2})(?:\\.(\\d+))?\\.ndjson$`,
    );
  }

  async append(lines: readonly string[], signal?: AbortSignal): Promise<void> {
    let chunk = '';
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line) + 1;
      if (this.handle === undefined || this.dayChanged() || this.wouldOverflow(chunkBytes, bytes)) {
        await this.write(chunk, signal);
        chunk = '';
        chunkBytes = 0;
        await this.next();
      }
      chunk += `${line}\n`;
      chunkBytes += bytes;
    }
    await this.write(chunk, signal);
  }

  private dayChanged(): boolean {
    return utcDay(this.now()) !== this.day;
  }

  /** Deletes the files of days before the retention window (none when retention is 0). */
  async prune(): Promise<void> {
    if (this.options.retentionDays === 0) return;
    const oldest = utcDay(this.now() - this.options.retentionDays * DAY_MS);
    for (const name of await readdir(this.options.directory)) {
      const day = this.pattern.exec(name)?.[1];
      if (day === undefined || day >= oldest) continue;
      await unlink(join(this.options.directory, name)).catch((error: Error) =>
        this.options.log.warn(`FILE OUTPUT: could not delete ${name}: ${error.message}`),
      );
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /** True when a non-empty file would pass its limit with `bytes` more after what is pending. */
  private wouldOverflow(pending: number, bytes: number): boolean {
    return this.size + pending > 0 && this.size + pending + bytes > this.options.maxFileBytes;
  }

  private async write(chunk: string, signal?: AbortSignal): Promise<void> {
    if (chunk === '' || this.handle === undefined) return;
    if (signal?.aborted)
      throw new DeliveryError('file write aborted', { kind: 'retryable', code: 'aborted' });
    const data = Buffer.from(chunk);
    try {
      await this.handle.write(data);
    } catch (error) {
      throw new DeliveryError(`writing ${this.path}: ${(error as Error).message}`, {
        kind: 'retryable',
        cause: error,
      });
    }
    this.size += data.length;
  }

  /** Opens the next file: the first of a new day (pruning old days), or the next of today. */
  private async next(): Promise<void> {
    await this.close();
    const day = utcDay(this.now());
    if (day !== this.day) {
      this.day = day;
      this.index = await this.lastIndexOf(day);
      if (this.path !== undefined) await this.prune();
    } else {
      this.index++;
    }
    for (;;) {
      this.path = join(this.options.directory, this.nameOf(day, this.index));
      this.size = await stat(this.path).then(
        (s) => s.size,
        () => 0,
      );
      if (this.size < this.options.maxFileBytes) break;
      this.index++;
    }
    this.handle = await open(this.path, 'a');
  }

  private nameOf(day: string, index: number): string {
    return `${this.options.fileName}-${day}${index === 0 ? '' : `.${index}`}.ndjson`;
  }

  /** The highest file number of a day already on disk (0 when none): writing goes on there. */
  private async lastIndexOf(day: string): Promise<number> {
    let last = 0;
    for (const name of await readdir(this.options.directory)) {
      const match = this.pattern.exec(name);
      if (match?.[1] === day) last = Math.max(last, Number(match[2] ?? 0));
    }
    return last;
  }
}
