/**
 * The audit API's queue samples as `audit_events_queue` points, written to the main InfluxDB
 * connection (`influxdbConfig`, as upstream does), not the audit destination's own.
 */
import { auditQueueToInflux } from '../../audit/queue-point.ts';
import type { Destination, DestinationContext } from '../../components/destination.ts';
import { queuedDestination } from '../../components/queued-destination.ts';
import type { AuditEventsConfig } from '../../sources/audit-api/config.ts';
import { influxSinkOptions } from '../audit-influxdb/connection.ts';
import { encodeLine } from '../influxdb/line-protocol.ts';
import { provisionedInfluxSink } from '../influxdb/provisioning.ts';
import { createInfluxSink } from '../influxdb/sink.ts';

export function createAuditQueueMetricsDestination(context: DestinationContext): Destination {
  const { settings, log } = context;
  const ic = settings.influxdbConfig;
  const metrics = (settings.auditEvents as AuditEventsConfig).queue.queueMetrics.influxdb;
  // Samples come every writeFrequency ms: one keep-alive connection is enough.
  const sink = createInfluxSink({ ...influxSinkOptions(ic), connections: 1, log });
  const provisioned = provisionedInfluxSink(sink, log);
  const config = { measurementName: metrics.measurementName, tags: metrics.tags };
  return queuedDestination({
    name: `Audit queue metrics: ${sink.describe()}`,
    context,
    sink: provisioned,
    maxBatchSize: 100,
    mappings: { 'audit-queue': (record) => [encodeLine(auditQueueToInflux(record, ic.version, config))] },
    close: () => sink.close(),
  });
}
