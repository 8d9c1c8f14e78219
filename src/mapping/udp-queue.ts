/**
 * UDP queue metrics → InfluxDB `log_events_queue` / `user_events_queue`
 * (docs/reference/influxdb.md#udp-queue-metrics). Message counters are deltas since the
 * previous successful write (the listener's window, reset by the caller after the write
 * succeeded).
 */
import type { UdpQueueState, UdpQueueWindow } from '../records/udp-queue.ts';
import { type TagList, tagListToObject, v3TagValue } from './log-event.ts';
import type { InfluxField, InfluxPoint, InfluxVersion } from './shapes.ts';

export interface QueueMetricsInfluxConfig {
  /** `log_events` or `user_events`. */
  queueType: 'log_events' | 'user_events';
  /** `...queueMetrics.influxdb.measurementName` (default `<queueType>_queue`). */
  measurementName?: string;
  /** `...queueMetrics.influxdb.tags`. */
  tags?: TagList;
  /** This machine's host name (upstream meant to write it; it wrote `undefined`). */
  hostname: string;
}

/** Counter-like fields: float in v1 (no client schema), integer in v2/v3. */
export const QUEUE_INT_TYPE: Readonly<Record<InfluxVersion, 'float' | 'integer'>> = {
  1: 'float',
  2: 'integer',
  3: 'integer',
};

/** Element at index ceil(0.95·n)−1 of the sorted window (0 when empty), as upstream computes it. */
export function p95(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
}

export function queueMetricsToInflux(
  stats: UdpQueueState,
  window: UdpQueueWindow,
  version: InfluxVersion,
  cfg: QueueMetricsInfluxConfig,
  nowMs: number = Date.now(),
): InfluxPoint {
  const intType = QUEUE_INT_TYPE[version];
  const int = (value: number): InfluxField => ({ type: intType, value });
  const float = (value: number): InfluxField => ({ type: 'float', value });
  const times = window.processingTimesMs;
  const sum = times.reduce((a, b) => a + b, 0);
  const max = times.reduce((a, b) => Math.max(a, b), 0);
  const dropped = window.dropped.too_large + window.dropped.rate_limited + window.dropped.queue_full;
  const t = version === 3 ? v3TagValue : (v: string) => v;
  const tags: Record<string, string | undefined> = { queue_type: cfg.queueType, host: t(cfg.hostname) };
  const extra = tagListToObject(cfg.tags);
  for (const name in extra) tags[name] = t(extra[name]!);
  return {
    measurement: cfg.measurementName || `${cfg.queueType}_queue`,
    tags,
    fields: {
      queue_size: int(stats.queueSize),
      queue_max_size: int(stats.maxSize),
      queue_utilization_pct: float(stats.utilizationPct),
      // v14 name, and v15's name for the same value so both generations of dashboards work.
      queue_pending: int(stats.running),
      queue_running: int(stats.running),
      messages_received: int(window.received),
      messages_queued: int(window.accepted),
      messages_processed: int(window.processed),
      messages_failed: int(window.failed),
      messages_dropped_total: int(dropped),
      messages_dropped_rate_limit: int(window.dropped.rate_limited),
      messages_dropped_queue_full: int(window.dropped.queue_full),
      messages_dropped_size: int(window.dropped.too_large),
      // Beyond upstream (v15 drops these without counting them).
      messages_dropped_source: int(window.dropped.source_not_allowed),
      processing_time_avg_ms: float(times.length === 0 ? 0 : sum / times.length),
      processing_time_p95_ms: float(p95(times)),
      processing_time_max_ms: float(max),
      rate_limit_current: int(stats.rateLimitCurrent),
      backpressure_active: int(stats.backpressureActive ? 1 : 0),
    },
    timeMs: nowMs,
  };
}
