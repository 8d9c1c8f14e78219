/** The audit API's queue metrics (`audit_events_queue`) in the main InfluxDB (`influxdbConfig`). */
import type { DestinationPlugin } from '../../components/destination.ts';

export default {
  id: 'audit-queue-metrics',
  enabled: (settings) =>
    settings.auditEvents?.enable === true &&
    settings.auditEvents.queue.queueMetrics.influxdb.enable &&
    settings.influxdbConfig.enable,
  async create(context) {
    return (await import('./destination.ts')).createAuditQueueMetricsDestination(context);
  },
} satisfies DestinationPlugin;
