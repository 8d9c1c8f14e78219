/**
 * One sample of a UDP listener's queue (docs/reference/influxdb.md#udp-queue-metrics): the
 * queue's state now, and the message counters and processing times since the previous
 * sample. The listener's own stats types are structurally wider; only what destinations
 * write is named here, so records stay free of transport code.
 */

export type UdpQueueType = 'log_events' | 'user_events';

export interface UdpQueueState {
  queueSize: number;
  maxSize: number;
  utilizationPct: number;
  running: number;
  rateLimitCurrent: number;
  backpressureActive: boolean;
}

export interface UdpQueueWindow {
  received: number;
  accepted: number;
  processed: number;
  failed: number;
  dropped: { too_large: number; rate_limited: number; queue_full: number; source_not_allowed: number };
  processingTimesMs: readonly number[];
}

export interface UdpQueueRecord {
  kind: 'udp-queue';
  timeMs: number;
  queueType: UdpQueueType;
  /** This machine's host name. */
  hostname: string;
  queue: UdpQueueState;
  window: UdpQueueWindow;
}
