/**
 * The UDP listener's counters: the fate of every datagram since start, the deltas of the
 * current metrics window, and the processing times of that window.
 */

export type DatagramDropReason = 'too_large' | 'source_not_allowed' | 'rate_limited' | 'queue_full';
export const DROP_REASONS: readonly DatagramDropReason[] = [
  'too_large',
  'source_not_allowed',
  'rate_limited',
  'queue_full',
];

export interface UdpCounters {
  received: number;
  /** Accepted into the queue (run at once or waiting): upstream's `messages_queued`. */
  accepted: number;
  processed: number;
  failed: number;
  dropped: Record<DatagramDropReason, number>;
  droppedTotal: number;
}

/** Counters since the last `resetWindow()` and the processing times of that window (queue metrics). */
export interface UdpWindow extends UdpCounters {
  processingTimesMs: number[];
}

export function zeroCounters(): UdpCounters {
  return {
    received: 0,
    accepted: 0,
    processed: 0,
    failed: 0,
    dropped: { too_large: 0, source_not_allowed: 0, rate_limited: 0, queue_full: 0 },
    droppedTotal: 0,
  };
}

export function copyCounters(c: UdpCounters): UdpCounters {
  return { ...c, dropped: { ...c.dropped } };
}

/** `totals - baseline`, field by field. */
export function countersSince(totals: UdpCounters, baseline: UdpCounters): UdpCounters {
  const d = totals.dropped;
  const b = baseline.dropped;
  return {
    received: totals.received - baseline.received,
    accepted: totals.accepted - baseline.accepted,
    processed: totals.processed - baseline.processed,
    failed: totals.failed - baseline.failed,
    dropped: {
      too_large: d.too_large - b.too_large,
      source_not_allowed: d.source_not_allowed - b.source_not_allowed,
      rate_limited: d.rate_limited - b.rate_limited,
      queue_full: d.queue_full - b.queue_full,
    },
    droppedTotal: totals.droppedTotal - baseline.droppedTotal,
  };
}

/**
 * Processing times of the current window, in a fixed ring: a window with more datagrams than
 * the ring holds keeps the latest ones, and recording never allocates.
 */
const TIMES_CAPACITY = 1000;

export class ProcessingTimes {
  private times = new Float64Array(TIMES_CAPACITY);
  private count = 0;

  record(ms: number): void {
    this.times[this.count % TIMES_CAPACITY] = ms;
    this.count++;
  }

  values(): number[] {
    const n = Math.min(this.count, TIMES_CAPACITY);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.times[i]!);
    return out;
  }

  reset(): void {
    this.count = 0;
  }
}
