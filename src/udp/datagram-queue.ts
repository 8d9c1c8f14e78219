/**
 * The bounded queue between a UDP socket and its handler.
 *
 * A synchronous handler (the usual case) runs at once and datagrams never wait. A handler
 * returning a promise occupies one of `maxConcurrent` slots until it settles; later
 * datagrams wait in a FIFO of at most `maxSize`, and a warning tells when the FIFO passes
 * `backpressureThreshold` percent of that size.
 *
 * Every accepted datagram ends counted as processed (with its processing time) or failed.
 */
import type { RemoteInfo } from 'node:dgram';
import type { Logger } from '../logging/logger.ts';
import type { ProcessingTimes, UdpCounters } from './counters.ts';
import type { RateLimitedLog } from './drop-log.ts';
import type { EventStamp } from './event-clock.ts';

export type DatagramHandler = (buf: Buffer, rinfo: RemoteInfo, stamp: EventStamp) => void | Promise<void>;

export interface QueueLimits {
  maxConcurrent: number;
  maxSize: number;
  /** Percent of `maxSize` waiting at which backpressure is warned. */
  backpressureThreshold: number;
}

interface Waiting {
  buf: Buffer;
  rinfo: RemoteInfo;
  stamp: EventStamp;
}

/** Throws when the limits cannot work (`name` is the listener's, for the message). */
export function checkQueueLimits(name: string, { maxConcurrent, maxSize }: QueueLimits): void {
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new Error(
      `UDP listener ${name}: messageQueue.maxConcurrent must be an integer ≥ 1 (got ${maxConcurrent})`,
    );
  }
  if (!Number.isInteger(maxSize) || maxSize < 0) {
    throw new Error(`UDP listener ${name}: messageQueue.maxSize must be an integer ≥ 0 (got ${maxSize})`);
  }
}

/** Warns when the waiting share reaches the threshold (again once per interval while it lasts). */
class Backpressure {
  active = false;
  private lastWarn = -Infinity;
  private readonly log: Logger;
  private readonly name: string;
  private readonly maxSize: number;
  private readonly threshold: number;
  private readonly intervalMs: number;

  constructor(log: Logger, name: string, maxSize: number, threshold: number, intervalMs: number) {
    this.log = log;
    this.name = name;
    this.maxSize = maxSize;
    this.threshold = threshold;
    this.intervalMs = intervalMs;
  }

  evaluate(waiting: number): void {
    if (this.maxSize === 0) return;
    const utilization = (waiting / this.maxSize) * 100;
    if (utilization >= this.threshold) this.onHigh(utilization, waiting);
    // Cleared only well below the threshold, so a queue hovering around it does not flap.
    else if (this.active && utilization < this.threshold * 0.8) {
      this.active = false;
      this.log.info(`UDP ${this.name}: queue backpressure cleared`, {
        utilizationPct: Math.round(utilization),
      });
    }
  }

  private onHigh(utilization: number, waiting: number): void {
    const now = Date.now();
    if (!this.active || now - this.lastWarn >= this.intervalMs) {
      this.log.warn(
        this.active
          ? `UDP ${this.name}: queue backpressure continues`
          : `UDP ${this.name}: queue backpressure`,
        { utilizationPct: Math.round(utilization), waiting, maxSize: this.maxSize },
      );
      this.lastWarn = now;
    }
    this.active = true;
  }
}

export interface DatagramQueueOptions {
  name: string;
  limits: QueueLimits;
  handler: DatagramHandler;
  /** Where `accepted`, `processed` and `failed` are counted. */
  counters: UdpCounters;
  times: ProcessingTimes;
  log: Logger;
  /** Rate-limited log of handler failures. */
  failLog: RateLimitedLog;
  logIntervalMs: number;
}

export class DatagramQueue {
  readonly maxSize: number;
  private readonly maxConcurrent: number;
  private readonly handler: DatagramHandler;
  private readonly counters: UdpCounters;
  private readonly times: ProcessingTimes;
  private readonly failLog: RateLimitedLog;
  private readonly name: string;
  private readonly backpressure: Backpressure;
  /** The FIFO: an array read from a moving head, compacted now and then (see drain). */
  private waiting: (Waiting | undefined)[] = [];
  private head = 0;
  private inProgress = 0;
  private peakWaiting = 0;

  constructor(options: DatagramQueueOptions) {
    const { limits } = options;
    this.maxSize = limits.maxSize;
    this.maxConcurrent = limits.maxConcurrent;
    this.handler = options.handler;
    this.counters = options.counters;
    this.times = options.times;
    this.failLog = options.failLog;
    this.name = options.name;
    this.backpressure = new Backpressure(
      options.log,
      options.name,
      limits.maxSize,
      limits.backpressureThreshold,
      options.logIntervalMs,
    );
  }

  /** Datagrams waiting for a slot. */
  get size(): number {
    return this.waiting.length - this.head;
  }

  get peak(): number {
    return this.peakWaiting;
  }

  /** Handler runs in progress. */
  get running(): number {
    return this.inProgress;
  }

  get backpressureActive(): boolean {
    return this.backpressure.active;
  }

  /** Runs the datagram now or queues it; false when the queue is full (nothing counted). */
  offer(buf: Buffer, rinfo: RemoteInfo, stamp: EventStamp): boolean {
    if (this.inProgress < this.maxConcurrent && this.head === this.waiting.length) {
      this.counters.accepted++;
      if (this.backpressure.active) this.backpressure.evaluate(0);
      this.run(buf, rinfo, stamp);
      return true;
    }
    const waiting = this.size;
    if (waiting >= this.maxSize) return false;
    this.counters.accepted++;
    this.backpressure.evaluate(waiting);
    this.waiting.push({ buf, rinfo, stamp });
    if (waiting + 1 > this.peakWaiting) this.peakWaiting = waiting + 1;
    return true;
  }

  /** Runs one datagram; a promise-returning handler keeps its slot until it settles. */
  private run(buf: Buffer, rinfo: RemoteInfo, stamp: EventStamp): void {
    this.inProgress++;
    const started = performance.now();
    // Called as a plain function: the handler must not see the queue as `this`.
    const handler = this.handler;
    let result: void | Promise<void>;
    try {
      result = handler(buf, rinfo, stamp);
    } catch (err) {
      this.failed(err);
      return;
    }
    if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => {
          this.succeeded(started);
          this.drain();
        },
        (err: unknown) => {
          this.failed(err);
          this.drain();
        },
      );
    } else this.succeeded(started);
  }

  private succeeded(started: number): void {
    this.inProgress--;
    this.counters.processed++;
    this.times.record(performance.now() - started);
  }

  private failed(err: unknown): void {
    this.inProgress--;
    this.counters.failed++;
    this.failLog.note('handler', `UDP ${this.name}: error handling datagram`, {
      error: (err as Error)?.message ?? String(err),
    });
  }

  private drain(): void {
    while (this.inProgress < this.maxConcurrent && this.head < this.waiting.length) {
      const item = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined;
      this.run(item.buf, item.rinfo, item.stamp);
    }
    // Compact once the consumed head is both large and most of the array.
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }
}
