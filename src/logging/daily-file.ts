/**
 * A log file per local day, `butler-sos.<YYYY-MM-DD>.log`, with age-based retention
 * (docs/reference/runtime.md#log-files).
 *
 * Hand-written rather than pino-roll because pino-roll always inserts a rotation counter
 * (`butler-sos.2025-12-11.1.log`) and retains by file count; upstream's names and its
 * "delete files older than 30 days" rule are what operators' scripts expect. The writing
 * itself is SonicBoom (pino's own asynchronous file writer), reopened on a new file when
 * the local date changes.
 */
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';

type SonicBoom = ReturnType<typeof pino.destination>;

export interface DailyFileOptions {
  /** Folder for the log files; created when missing. */
  directory: string;
  /** File name prefix (default `butler-sos`). */
  baseName?: string;
  /** Files whose date is more than this many days before today are deleted (default 30). */
  retentionDays?: number;
  /** Clock; injectable for tests. */
  now?: () => Date;
}

const FILE_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` in the host's local time. */
export function localDateStamp(d: Date): string {
  const mm = String(d.getMonth() + 1).padStart(2, '0');
  const dd = String(d.getDate()).padStart(2, '0');
  return `${d.getFullYear()}-${mm}-${dd}`;
}

function closeBoom(boom: SonicBoom): Promise<void> {
  return new Promise((resolve) => {
    boom.once('close', () => resolve());
    boom.once('error', () => resolve());
    boom.end();
  });
}

export class DailyFileStream {
  readonly directory: string;
  private readonly baseName: string;
  private readonly retentionDays: number;
  private readonly now: () => Date;
  private stamp: string;
  private boom: SonicBoom;
  private readonly closing = new Set<Promise<void>>();

  constructor(options: DailyFileOptions) {
    this.directory = options.directory;
    this.baseName = options.baseName ?? 'butler-sos';
    this.retentionDays = options.retentionDays ?? 30;
    this.now = options.now ?? (() => new Date());
    try {
      mkdirSync(this.directory, { recursive: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`logDirectory: cannot create the log folder ${this.directory}: ${reason}`);
    }
    this.stamp = localDateStamp(this.now());
    this.boom = this.open(this.stamp);
    this.removeExpired();
  }

  /** The file currently written to. */
  get currentFile(): string {
    return this.fileFor(this.stamp);
  }

  write(line: string): void {
    const stamp = localDateStamp(this.now());
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      // A fresh writer per day: ending the old one flushes its buffer into its own file.
      const closed = closeBoom(this.boom);
      this.closing.add(closed);
      void closed.then(() => this.closing.delete(closed));
      this.boom = this.open(stamp);
      this.removeExpired();
    }
    this.boom.write(line);
  }

  flushSync(): void {
    try {
      this.boom.flushSync();
    } catch {
      // Nothing written yet, or the file is gone: nothing to flush.
    }
  }

  /** Flushes and closes the file. */
  async end(): Promise<void> {
    await Promise.all([...this.closing, closeBoom(this.boom)]);
  }

  private open(stamp: string): SonicBoom {
    const boom = pino.destination({ dest: this.fileFor(stamp), mkdir: true, sync: false });
    boom.on('error', () => {
      // A full disk or a removed folder must not crash the agent; console output goes on.
    });
    return boom;
  }

  private fileFor(stamp: string): string {
    return join(this.directory, `${this.baseName}.${stamp}.log`);
  }

  /** Deletes this logger's files dated more than `retentionDays` before today. */
  removeExpired(): void {
    const today = this.now();
    const cutoff = new Date(today.getFullYear(), today.getMonth(), today.getDate() - this.retentionDays);
    const prefix = `${this.baseName}.`;
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.log')) continue;
      const match = FILE_DATE.exec(name.slice(prefix.length, -'.log'.length));
      if (!match) continue;
      const fileDay = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
      if (fileDay < cutoff) {
        try {
          unlinkSync(join(this.directory, name));
        } catch {
          // Already gone or not ours to delete: retention is best effort.
        }
      }
    }
  }
}
