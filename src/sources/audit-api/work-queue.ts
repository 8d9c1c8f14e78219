/**
 * The audit API's work queue (docs/reference/audit-api.md#queue): accepted events wait here
 * for their handler (logging, screenshot download) and are then handed to the destinations.
 * Up to `maxConcurrent` run at once; when `maxSize` events already wait, a new one is refused
 * (503); an optional global fixed window limits events per minute (429). The counters are
 * upstream's `audit_events_queue` fields, sampled and reset by `sample()`.
 */

import type { Logger } from '../../logging/logger.ts';
import type { AuditQueueRecord } from '../../records/audit-event.ts';

export interface WorkQueueOptions {
  maxConcurrent: number;
  maxSize: number;
  backpressureThreshold: number;
  rateLimit: { enable: boolean; maxMessagesPerMinute: number };
  log: Logger;
  now?: () => number;
}

export type Admission = 'ok' | 'rate_limited' | 'full';

const MAX_TIMES = 1000;
const WARN_INTERVAL_MS = 60_000;

export class AuditWorkQueue {
  readonly #options: WorkQueueOptions;
  readonly #now: () => number;
  readonly #waiting: (() => Promise<void>)[] = [];
  /** Admitted, not yet enqueued (being written to the journal). */
  #reserved = 0;
  #running = 0;
  #idle: (() => void)[] = [];
  #window = { start: 0, count: 0 };
  #backpressure = false;
  #lastBackpressureWarn = 0;
  #lastDropWarn = 0;
  #dropsSinceWarn = 0;
  #counts = emptyCounts();
  #times: number[] = [];

  constructor(options: WorkQueueOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Events waiting (including those being written to the journal). */
  get waiting(): number {
    return this.#waiting.length + this.#reserved;
  }

  get running(): number {
    return this.#running;
  }

  /** Decides whether an event may enter; `ok` reserves its place until `enqueue` or `cancel`. */
  admit(): Admission {
    this.#counts.received++;
    const { rateLimit, maxSize } = this.#options;
    if (rateLimit.enable && !this.#takeRate()) {
      this.#counts.droppedRateLimit++;
      this.#dropped();
      return 'rate_limited';
    }
    if (this.waiting >= maxSize) {
      this.#counts.droppedQueueFull++;
      this.#dropped();
      return 'full';
    }
    this.#reserved++;
    return 'ok';
  }

  /** An admitted event could not be kept (the journal refused it). */
  cancel(): void {
    this.#reserved--;
  }

  /** Queues the job of an admitted event (`admitted` false for a replayed one). */
  enqueue(job: () => Promise<void>, admitted = true): void {
    if (admitted) this.#reserved--;
    this.#counts.queued++;
    this.#waiting.push(job);
    this.#checkBackpressure();
    this.#pump();
  }

  /** Resolves when nothing waits or runs. */
  idle(): Promise<void> {
    if (this.#waiting.length === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** The queue now and the counters since the last sample, which are reset. */
  sample(hostname: string): AuditQueueRecord {
    const now = this.#now();
    const { maxSize } = this.#options;
    const record: AuditQueueRecord = {
      kind: 'audit-queue',
      timeMs: now,
      hostname,
      queue: {
        queueSize: this.#waiting.length,
        maxSize,
        utilizationPct: (this.#waiting.length / maxSize) * 100,
        running: this.#running,
        rateLimitCurrent: this.#rateNow(now),
        backpressureActive: this.#backpressure,
      },
      window: { ...this.#counts, processingTimesMs: this.#times },
    };
    this.#counts = emptyCounts();
    this.#times = [];
    return record;
  }

  #pump(): void {
    while (this.#running < this.#options.maxConcurrent && this.#waiting.length > 0) {
      const job = this.#waiting.shift()!;
      this.#running++;
      const started = this.#now();
      job()
        .then(
          () => {
            this.#counts.processed++;
            if (this.#times.length < MAX_TIMES) this.#times.push(Math.round(this.#now() - started));
          },
          (error: Error) => {
            this.#counts.failed++;
            this.#options.log.error(`AUDIT API: handling an event failed: ${error.message}`);
          },
        )
        .finally(() => {
          this.#running--;
          this.#pump();
          if (this.#waiting.length === 0 && this.#running === 0) {
            for (const resolve of this.#idle.splice(0)) resolve();
          }
        });
    }
  }

  #takeRate(): boolean {
    const now = this.#now();
    if (this.#window.count === 0 || now - this.#window.start >= 60_000)
      this.#window = { start: now, count: 0 };
    if (this.#window.count >= this.#options.rateLimit.maxMessagesPerMinute) return false;
    this.#window.count++;
    return true;
  }

  #rateNow(now: number): number {
    if (!this.#options.rateLimit.enable || this.#window.count === 0) return 0;
    const elapsed = (now - this.#window.start) / 1000;
    if (elapsed >= 60) return 0;
    return Math.round((this.#window.count / Math.max(elapsed, 1)) * 60);
  }

  #checkBackpressure(): void {
    const { maxSize, backpressureThreshold, log } = this.#options;
    const utilisation = (this.#waiting.length / maxSize) * 100;
    const now = this.#now();
    if (utilisation >= backpressureThreshold) {
      if (!this.#backpressure || now - this.#lastBackpressureWarn >= WARN_INTERVAL_MS) {
        log.warn(
          `AUDIT API: ${this.#backpressure ? 'backpressure continues' : 'backpressure'}: queue ${utilisation.toFixed(1)} % full (${this.#waiting.length}/${maxSize})`,
        );
        this.#lastBackpressureWarn = now;
      }
      this.#backpressure = true;
    } else if (this.#backpressure && utilisation < backpressureThreshold * 0.8) {
      this.#backpressure = false;
      log.info(`AUDIT API: backpressure cleared: queue ${utilisation.toFixed(1)} % full`);
    }
  }

  #dropped(): void {
    this.#dropsSinceWarn++;
    const now = this.#now();
    if (now - this.#lastDropWarn < WARN_INTERVAL_MS) return;
    this.#options.log.warn(
      `AUDIT API: ${this.#dropsSinceWarn} audit event(s) dropped (rate limit or full queue)`,
    );
    this.#lastDropWarn = now;
    this.#dropsSinceWarn = 0;
  }
}

function emptyCounts() {
  return { received: 0, queued: 0, processed: 0, failed: 0, droppedRateLimit: 0, droppedQueueFull: 0 };
}
