/**
 * Failed polls → `butler_sos_errors` points as upstream v15 writes them
 * (docs/reference/influxdb.md#error-events, docs/reference/runtime.md#error-tracking). Error
 * events go to InfluxDB only (docs/reference/destinations.md#error-tracking-and-failed-polls),
 * so there is no Prometheus, MQTT or New Relic mapping; the failure counters are in the
 * polling stats instead.
 */
import { errorCategory } from '../ops/error-category.ts';
import { ERROR_TYPE_BY_POLL_KIND, type FailedPollRecord } from '../records/failed-poll.ts';
import { influxFields, influxTags, type PerVersion } from './engine-health.ts';
import type { InfluxPoint, InfluxVersion } from './shapes.ts';

const STRING_ALL: PerVersion = ['string', 'string', 'string'];
/** Numbers in this unschema'd measurement: v1 floats (node-influx wrote them without suffix), v2/v3 int. */
const NUMBER: PerVersion = ['float', 'int', 'int'];

export const ERROR_FIELDS = {
  error_category: STRING_ALL,
  error_code: STRING_ALL,
  error_count: NUMBER,
  http_status: NUMBER,
  remote_address: STRING_ALL,
  remote_port: NUMBER,
  request_timeout_ms: NUMBER,
  request_url: STRING_ALL,
  syscall: STRING_ALL,
} as const satisfies Record<string, PerVersion>;

export interface FailedPollInfluxConfig {
  influxdbConfig: { enable: boolean };
  /**
   * `errorTracking` (v15 keys). Absent (a v14 config) or a missing key counts as enabled,
   * as upstream v15 treats a missing `enable`; only an explicit `false` turns it off.
   */
  errorTracking?: { enable?: boolean; influxdb?: { enable?: boolean; measurementName?: string } } | null;
}

export function failedPollToInflux(
  record: FailedPollRecord,
  version: InfluxVersion,
  cfg: FailedPollInfluxConfig,
): InfluxPoint[] {
  const tracking = cfg.errorTracking ?? {};
  if (!cfg.influxdbConfig.enable || tracking.enable === false || tracking.influxdb?.enable === false)
    return [];
  const f = record.failure;
  const tags = influxTags(
    {
      error_type: ERROR_TYPE_BY_POLL_KIND[record.pollKind],
      server_name: record.serverName,
      host: record.host,
      ...(record.virtualProxy !== undefined ? { virtual_proxy: record.virtualProxy } : {}),
    },
    version,
  );
  const fields = influxFields(
    ERROR_FIELDS,
    {
      error_count: 1,
      error_category: errorCategory(f),
      error_code: f.code || undefined,
      http_status: f.httpStatus,
      request_url: f.requestUrl,
      request_timeout_ms: f.timeoutMs,
      remote_address: f.remoteAddress,
      remote_port: f.remotePort,
      syscall: f.syscall,
    },
    version,
  );
  return [
    {
      measurement: tracking.influxdb?.measurementName || 'butler_sos_errors',
      tags,
      fields,
      timeMs: record.timeMs,
    },
  ];
}
