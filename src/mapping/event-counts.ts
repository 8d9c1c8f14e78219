/**
 * Event counts → InfluxDB `event_count` and `rejected_event_count` (docs/reference/influxdb.md#event-counts,
 * docs/reference/influxdb.md#rejected-event-counts). v1 wrote the counters as floats (no client
 * schema for these measurements), v2/v3 as integers; existing databases keep those types.
 */
import type { EventCountsRecord } from '../records/event-counts.ts';
import { type TagList, tagListToObject, v3TagValue } from './log-event.ts';
import type { InfluxField, InfluxPoint, InfluxVersion } from './shapes.ts';

export interface EventCountsInfluxConfig {
  /** `qlikSenseEvents.eventCount.enable` (counts are written only when on). */
  eventCountEnable: boolean;
  /** `qlikSenseEvents.eventCount.influxdb.measurementName` (default `event_count`). */
  eventCountMeasurement?: string;
  /** `qlikSenseEvents.eventCount.influxdb.tags`. */
  eventCountTags?: TagList;
  /** `qlikSenseEvents.rejectedEventCount.enable`. */
  rejectedEventCountEnable: boolean;
  /** `qlikSenseEvents.rejectedEventCount.influxdb.measurementName` (default `rejected_event_count`). */
  rejectedEventCountMeasurement?: string;
  /** `logEvents.enginePerformanceMonitor.trackRejectedEvents.tags`. */
  rejectedTags?: TagList;
}

/** The counter field type per InfluxDB version. */
export const COUNTER_TYPE: Readonly<Record<InfluxVersion, 'float' | 'integer'>> = {
  1: 'float',
  2: 'integer',
  3: 'integer',
};

function counter(version: InfluxVersion, value: number): InfluxField {
  return { type: COUNTER_TYPE[version], value };
}

/** All points of one counting interval (none for an empty interval). */
export function eventCountsToInflux(
  record: EventCountsRecord,
  version: InfluxVersion,
  cfg: EventCountsInfluxConfig,
): InfluxPoint[] {
  const t = version === 3 ? v3TagValue : (v: string) => v;
  const points: InfluxPoint[] = [];
  if (cfg.eventCountEnable) {
    const extra = tagListToObject(cfg.eventCountTags);
    for (const e of record.counts) {
      const tags: Record<string, string | undefined> = {
        event_type: e.event_type,
        source: e.source,
        host: e.host,
        subsystem: e.subsystem,
      };
      for (const name in extra) tags[name] = t(extra[name]!);
      points.push({
        measurement: cfg.eventCountMeasurement || 'event_count',
        tags,
        fields: { counter: counter(version, e.counter) },
        timeMs: record.timeMs,
      });
    }
  }
  if (cfg.rejectedEventCountEnable) {
    const extra = tagListToObject(cfg.rejectedTags);
    for (const e of record.rejected) {
      const tags: Record<string, string | undefined> = {
        source: e.source,
        app_id: t(e.app_id),
        method: t(e.method),
        object_type: t(e.object_type),
        app_name_set: e.app_name !== '' ? 'true' : 'false',
        app_name: t(e.app_name),
      };
      for (const name in extra) tags[name] = t(extra[name]!);
      points.push({
        measurement: cfg.rejectedEventCountMeasurement || 'rejected_event_count',
        tags,
        fields: {
          counter: counter(version, e.counter),
          process_time: { type: 'float', value: e.process_time },
        },
        timeMs: record.timeMs,
      });
    }
  }
  return points;
}
