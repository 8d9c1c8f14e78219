/**
 * What became of a queue's items, and the log lines about it. Drops, hand-overs to the
 * overflow store and a destination that keeps failing are logged at most once per interval
 * (a batch of bad points must not turn into one log line per point); the start and the end
 * of an outage are logged when they happen.
 */
import type { Logger } from '../logging/logger.ts';
import { type DeliveryCounts, newDeliveryCounts } from './queue-stats.ts';
import type { DeliveryError, DeliveryStats, DropReason } from './types.ts';

export interface ReporterOptions {
  /** Destination name, for the log lines. */
  name: string;
  log: Logger;
  /** Least time between two log lines about drops and errors. */
  intervalMs: number;
  /** The queue's stats, logged with every report. */
  stats: () => DeliveryStats;
}

export class DeliveryReporter {
  readonly counts: DeliveryCounts = newDeliveryCounts();
  private readonly name: string;
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly stats: () => DeliveryStats;
  /** The destination failed with a retryable error and has not accepted a write since. */
  private destinationFailing = false;
  /** The latest reason a destination gave for refusing items, logged with the drops. */
  private lastRejection: string | undefined;
  // What the last report covered, and when it was.
  private reportedDrops: Record<string, number> = {};
  private reportedOverflowed = 0;
  private lastReportAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: ReporterOptions) {
    this.name = options.name;
    this.log = options.log;
    this.intervalMs = options.intervalMs;
    this.stats = options.stats;
  }

  /** True from a retryable write failure until the next write that succeeds. */
  get failing(): boolean {
    return this.destinationFailing;
  }

  dropped(reason: DropReason, count: number): void {
    if (count <= 0) return;
    this.counts.dropped[reason] = (this.counts.dropped[reason] ?? 0) + count;
    this.noteChange();
  }

  /** The destination refused `count` items for good. */
  rejected(count: number, message: string): void {
    this.lastRejection = message;
    this.dropped('rejected', count);
  }

  /** The overflow store took `count` items; `routine` (disk-first mode) is not worth a warning. */
  handedOver(count: number, routine = false): void {
    this.counts.overflowed += count;
    if (routine) this.reportedOverflowed += count;
    else this.noteChange();
  }

  writeSucceeded(count: number): void {
    this.counts.delivered += count;
    if (!this.destinationFailing) return;
    this.destinationFailing = false;
    const { delivered, retried } = this.counts;
    this.log.info(`delivery to ${this.name} recovered`, { delivered, retried });
  }

  /** A write of `items` items failed; a retryable failure means the destination is down. */
  writeFailed(error: DeliveryError, items: number): void {
    this.counts.lastError = { message: error.message, at: new Date().toISOString() };
    if (error.kind !== 'retryable') return;
    if (this.destinationFailing) {
      this.noteChange();
      return;
    }
    this.destinationFailing = true;
    this.log.warn(`delivery to ${this.name} failed, will retry: ${error.message}`, { items });
  }

  /** A failed write is being attempted again. */
  retrying(): void {
    this.counts.retried++;
  }

  /** Logs, at once, that something other than a write failed (`what` went wrong). */
  error(what: string, error: unknown): void {
    this.log.error(`delivery to ${this.name}: ${what}`, { error: errorMessage(error) });
  }

  /** Logs what was not reported yet, now (the queue is closing). */
  reportNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.report();
  }

  private noteChange(): void {
    if (this.timer) return;
    const wait = this.lastReportAt + this.intervalMs - Date.now();
    if (wait <= 0) this.report();
    else {
      this.timer = setTimeout(() => this.report(), wait);
      this.timer.unref();
    }
  }

  private report(): void {
    this.timer = undefined;
    this.lastReportAt = Date.now();
    const { dropped, overflowed, lastError } = this.counts;
    const newDrops = dropsSince(this.reportedDrops, dropped);
    this.reportedDrops = { ...dropped };
    const stats = this.stats();
    if (overflowed > this.reportedOverflowed) {
      const moved = overflowed - this.reportedOverflowed;
      this.log.warn(`delivery to ${this.name}: ${moved} items moved to the overflow store`, { ...stats });
      this.reportedOverflowed = overflowed;
    }
    if (Object.keys(newDrops).length > 0) {
      const lastRejection = newDrops.rejected ? this.lastRejection : undefined;
      this.log.warn(`delivery to ${this.name}: items dropped`, {
        newDrops,
        ...stats,
        ...(lastRejection ? { lastRejection } : {}),
      });
    } else if (this.destinationFailing && lastError) {
      this.log.warn(`delivery to ${this.name} still failing: ${lastError.message}`, { ...stats });
    }
  }
}

/** The drops counted since `reported`, by reason (only reasons with new drops). */
function dropsSince(reported: Record<string, number>, now: Record<string, number>): Record<string, number> {
  const since: Record<string, number> = {};
  for (const [reason, count] of Object.entries(now)) {
    const delta = count - (reported[reason] ?? 0);
    if (delta > 0) since[reason] = delta;
  }
  return since;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
