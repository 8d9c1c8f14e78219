/**
 * Error events to InfluxDB `butler_sos_errors` (docs/reference/influxdb.md#error-events). Error events go to
 * InfluxDB only. The integer fields are floats in v1 (upstream wrote them untyped).
 */
import type { ErrorEventRecord } from '../records/error-event.ts';
import type { InfluxFieldType, InfluxPoint, InfluxVersion } from './shapes.ts';

export const DEFAULT_ERROR_MEASUREMENT = 'butler_sos_errors';

/** The one per-version difference: how counters and numbers are typed. */
const NUMBER_TYPE: Record<InfluxVersion, InfluxFieldType> = { 1: 'float', 2: 'integer', 3: 'integer' };

export function errorEventToInflux(
  record: ErrorEventRecord,
  options: { influxVersion: InfluxVersion; measurementName?: string },
): InfluxPoint {
  const numberType = NUMBER_TYPE[options.influxVersion];
  const fields: InfluxPoint['fields'] = {
    error_count: { type: numberType, value: 1 },
    error_category: { type: 'string', value: record.category },
  };
  if (record.code) fields.error_code = { type: 'string', value: record.code };
  if (record.httpStatus !== undefined) fields.http_status = { type: numberType, value: record.httpStatus };
  if (record.requestUrl) fields.request_url = { type: 'string', value: record.requestUrl };
  if (record.requestTimeoutMs !== undefined) {
    fields.request_timeout_ms = { type: numberType, value: record.requestTimeoutMs };
  }
  if (record.remoteAddress) fields.remote_address = { type: 'string', value: record.remoteAddress };
  if (record.remotePort !== undefined) fields.remote_port = { type: numberType, value: record.remotePort };
  if (record.syscall) fields.syscall = { type: 'string', value: record.syscall };
  return {
    measurement: options.measurementName || DEFAULT_ERROR_MEASUREMENT,
    tags: {
      error_type: record.errorType,
      server_name: record.serverName || undefined,
      host: record.host || undefined,
      virtual_proxy: record.virtualProxy || undefined,
      destination_host: record.destinationHost || undefined,
      module: record.module || undefined,
    },
    fields,
    timeMs: record.timeMs,
  };
}
