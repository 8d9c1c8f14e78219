/**
 * A sample of the audit API's work queue as upstream's `audit_events_queue` point
 * (docs/reference/audit-api.md#queue-metrics): the field set of the UDP queue metrics with
 * `queue_type=audit_events`, counters as floats in InfluxDB 1.x and integers in 2.x/3.x, and
 * the machine's host name in `host` (upstream meant to write it and wrote `undefined`).
 * Both `queue_pending` (v14's name) and `queue_running` (v15's) carry the running count.
 */

import type { InfluxField, InfluxPoint, InfluxVersion } from '../mapping/shapes.ts';
import { p95, QUEUE_INT_TYPE } from '../mapping/udp-queue.ts';
import type { AuditQueueRecord } from '../records/audit-event.ts';

export interface AuditQueuePointConfig {
  measurementName: string;
  tags: readonly { name: string; value: string }[];
}

export function auditQueueToInflux(
  record: AuditQueueRecord,
  version: InfluxVersion,
  config: AuditQueuePointConfig,
): InfluxPoint {
  const int = (value: number): InfluxField => ({ type: QUEUE_INT_TYPE[version], value });
  const float = (value: number): InfluxField => ({ type: 'float', value });
  const { queue, window } = record;
  const times = window.processingTimesMs;
  const sum = times.reduce((a, b) => a + b, 0);
  const tags: Record<string, string | undefined> = { queue_type: 'audit_events', host: record.hostname };
  for (const { name, value } of config.tags) if (name !== '' && value !== '') tags[name] = value;
  return {
    measurement: config.measurementName || 'audit_events_queue',
    tags,
    fields: {
      queue_size: int(queue.queueSize),
      queue_max_size: int(queue.maxSize),
      queue_utilization_pct: float(queue.utilizationPct),
      queue_pending: int(queue.running),
      queue_running: int(queue.running),
      messages_received: int(window.received),
      messages_queued: int(window.queued),
      messages_processed: int(window.processed),
      messages_failed: int(window.failed),
      messages_dropped_total: int(window.droppedRateLimit + window.droppedQueueFull),
      messages_dropped_rate_limit: int(window.droppedRateLimit),
      messages_dropped_queue_full: int(window.droppedQueueFull),
      messages_dropped_size: int(0),
      processing_time_avg_ms: float(times.length === 0 ? 0 : sum / times.length),
      processing_time_p95_ms: float(p95(times)),
      processing_time_max_ms: float(times.reduce((a, b) => Math.max(a, b), 0)),
      rate_limit_current: int(queue.rateLimitCurrent),
      backpressure_active: int(queue.backpressureActive ? 1 : 0),
    },
    timeMs: record.timeMs,
  };
}
