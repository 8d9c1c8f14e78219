/**
 * Admission of each datagram, in this order: the allow-list (v15: such senders are dropped
 * before anything else and, as upstream, not counted as received), the size limit, the rate
 * limit, room in the queue. Every refusal is counted by reason and logged, rate-limited.
 *
 * Every datagram of both UDP ports passes here, so a datagram handled at once creates no
 * closure and allocates nothing beyond its receive stamp. The classes on this path
 * (here, datagram-queue.ts, rate-limit.ts, counters.ts) keep their state in TypeScript
 * `private` fields, not `#` fields: plain properties measured a few percent cheaper here.
 */
import type { RemoteInfo } from 'node:dgram';
import type { DatagramDropReason, UdpCounters } from './counters.ts';
import type { DatagramQueue } from './datagram-queue.ts';
import type { RateLimitedLog } from './drop-log.ts';
import type { EventClock } from './event-clock.ts';
import type { FixedWindowRateLimit } from './rate-limit.ts';

export interface IntakeOptions {
  name: string;
  /** Sender addresses to accept; undefined accepts every sender. */
  allowed: Set<string> | undefined;
  maxMessageSize: number;
  rateLimit: FixedWindowRateLimit | undefined;
  queue: DatagramQueue;
  /** Where `received` and drops are counted. */
  counters: UdpCounters;
  clock: EventClock;
  dropLog: RateLimitedLog;
}

export class DatagramIntake {
  private readonly name: string;
  private readonly allowed: Set<string> | undefined;
  private readonly maxMessageSize: number;
  private readonly rateLimit: FixedWindowRateLimit | undefined;
  private readonly queue: DatagramQueue;
  private readonly counters: UdpCounters;
  private readonly clock: EventClock;
  private readonly dropLog: RateLimitedLog;

  constructor(options: IntakeOptions) {
    this.name = options.name;
    this.allowed = options.allowed;
    this.maxMessageSize = options.maxMessageSize;
    this.rateLimit = options.rateLimit;
    this.queue = options.queue;
    this.counters = options.counters;
    this.clock = options.clock;
    this.dropLog = options.dropLog;
  }

  receive(buf: Buffer, rinfo: RemoteInfo): void {
    const stamp = this.clock.next();
    if (this.allowed !== undefined && !this.allowed.has(rinfo.address)) {
      this.drop('source_not_allowed', rinfo, buf.length);
      return;
    }
    this.counters.received++;
    if (buf.length > this.maxMessageSize) {
      this.drop('too_large', rinfo, buf.length);
      return;
    }
    const rateLimit = this.rateLimit;
    if (rateLimit?.exhausted()) {
      this.drop('rate_limited', rinfo, buf.length);
      return;
    }
    if (!this.queue.offer(buf, rinfo, stamp)) {
      this.drop('queue_full', rinfo, buf.length);
      return;
    }
    rateLimit?.count();
  }

  private drop(reason: DatagramDropReason, rinfo: RemoteInfo, size: number): void {
    this.counters.dropped[reason]++;
    this.counters.droppedTotal++;
    // One log kind per refused sender, so each of them is named at least once.
    const kind = reason === 'source_not_allowed' ? `${reason}:${rinfo.address}` : reason;
    this.dropLog.note(kind, `UDP ${this.name}: datagram dropped (${reason})`, {
      reason,
      from: rinfo.address,
      bytes: size,
    });
  }
}
