/** The agent's own metrics on /metrics: delivery per destination queue, and what each source reports. */
import type { QueueStatus } from '../components/destination.ts';
import type { MetricSample } from '../components/metrics.ts';

export function deliveryMetrics(queues: readonly QueueStatus[]): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const { name, destination, stats, spooledBytes } of queues) {
    const labels = { destination: name, kind: destination };
    const add = (metric: string, help: string, value: number, type: 'gauge' | 'counter', extra = {}) =>
      samples.push({ name: metric, help, labels: { ...labels, ...extra }, value, type });
    add('butler_sos_delivery_queued', 'Records waiting in memory per destination.', stats.queued, 'gauge');
    add('butler_sos_delivery_spooled', 'Records in the disk spool per destination.', stats.spooled, 'gauge');
    add(
      'butler_sos_delivery_spooled_bytes',
      'Bytes of the disk spool per destination.',
      spooledBytes,
      'gauge',
    );
    add(
      'butler_sos_delivery_delivered_total',
      'Records delivered per destination.',
      stats.delivered,
      'counter',
    );
    add('butler_sos_delivery_retries_total', 'Write retries per destination.', stats.retried, 'counter');
    for (const [reason, count] of Object.entries(stats.dropped)) {
      add(
        'butler_sos_delivery_dropped_total',
        'Records dropped per destination and reason.',
        count,
        'counter',
        {
          reason,
        },
      );
    }
    add(
      'butler_sos_delivery_failing',
      '1 while the last write to the destination failed.',
      stats.lastError && stats.inFlight > 0 ? 1 : 0,
      'gauge',
    );
  }
  return samples;
}
