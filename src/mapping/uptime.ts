/**
 * Uptime samples to InfluxDB `butlersos_memory_usage` (docs/reference/influxdb.md#own-memory-use)
 * and to the New Relic Metric API (docs/reference/new-relic.md#uptime-metrics).
 */
import type { UptimeRecord } from '../records/uptime.ts';
import type { InfluxPoint, NewRelicMetric } from './shapes.ts';

/** MB rounded to 2 decimals, as upstream: `round(bytes / 1024 / 1024 * 100) / 100`. */
const MB = (bytes: number) => Math.round((bytes / 1024 / 1024) * 100) / 100;

export interface UptimeInfluxOptions {
  /** `uptimeMonitor.storeInInfluxdb.instanceTag` (tag `butler_sos_instance`). */
  instanceTag: string;
  /** Product version (tag `version`). */
  version: string;
}

/** The same field types for InfluxDB v1, v2 and v3 (all float), so no per-version table. */
export function uptimeToInflux(record: UptimeRecord, options: UptimeInfluxOptions): InfluxPoint {
  return {
    measurement: 'butlersos_memory_usage',
    tags: { butler_sos_instance: options.instanceTag || undefined, version: options.version || undefined },
    fields: {
      heap_used: { type: 'float', value: MB(record.heapUsed) },
      heap_total: { type: 'float', value: MB(record.heapTotal) },
      external: { type: 'float', value: MB(record.external) },
      process_memory: { type: 'float', value: MB(record.rss) },
    },
    timeMs: record.timeMs,
  };
}

export interface UptimeNewRelicOptions {
  /** `uptimeMonitor.storeNewRelic.attribute.static` (null → none). */
  staticAttributes?: { name: string; value: string }[] | null;
  /** `...attribute.dynamic.butlerVersion.enable`: adds attribute `version`. */
  includeVersion: boolean;
  version: string;
  /** `...metric.dynamic.butlerMemoryUsage.enable`. */
  memoryUsage: boolean;
  /** `...metric.dynamic.butlerUptime.enable`. */
  uptime: boolean;
}

/** One Metric API payload element: common block plus gauges (values in bytes / ms). */
export interface UptimeNewRelicPayload {
  timestampMs: number;
  intervalMs: number;
  attributes: Record<string, string>;
  metrics: NewRelicMetric[];
}

export function uptimeToNewRelic(
  record: UptimeRecord,
  options: UptimeNewRelicOptions,
): UptimeNewRelicPayload {
  const attributes: Record<string, string> = {};
  for (const a of options.staticAttributes ?? []) attributes[a.name] = a.value;
  if (options.includeVersion) attributes.version = options.version;
  const gauge = (name: string, value: number): NewRelicMetric => ({
    name,
    type: 'gauge',
    value,
    timestampMs: record.timeMs,
    attributes,
  });
  const metrics: NewRelicMetric[] = [];
  if (options.memoryUsage) {
    metrics.push(
      gauge('qs_butlerSosHeapUsed', record.heapUsed),
      gauge('qs_butlerSosHeapTotal', record.heapTotal),
      gauge('qs_butlerSosExternalMem', record.external),
      gauge('qs_butlerSosProcessMem', record.rss),
    );
  }
  if (options.uptime) metrics.push(gauge('qs_butlerSosUptimeMillisec', record.uptimeMs));
  return { timestampMs: record.timeMs, intervalMs: record.intervalMs, attributes, metrics };
}
