/**
 * The UDP listeners' own counters for `/metrics` (beyond upstream, which exposes none): every
 * datagram's fate by reason, kernel drops, queue depth and the receive buffer obtained.
 */
import type { MetricSample } from '../components/metrics.ts';
import type { UdpListenerStats } from './listener.ts';

/**
 * The listener's own counters for `/metrics` (beyond upstream, which exposes none): every
 * datagram's fate by reason, kernel drops, queue depth and the receive buffer obtained.
 * `rejected` adds the parser/filter outcomes of the handler behind the listener.
 */
export function udpStatsToProm(
  stats: UdpListenerStats,
  queueType: 'log_events' | 'user_events',
  handler?: { emitted: number; rejected: Record<string, number> },
): MetricSample[] {
  const labels = { queue_type: queueType };
  const out: MetricSample[] = [
    {
      name: 'butlersos_udp_datagrams_received_total',
      help: 'UDP datagrams received (from allowed senders)',
      type: 'counter',
      labels,
      value: stats.received,
    },
    {
      name: 'butlersos_udp_datagrams_processed_total',
      help: 'UDP datagrams handled',
      type: 'counter',
      labels,
      value: stats.processed,
    },
    {
      name: 'butlersos_udp_datagrams_failed_total',
      help: 'UDP datagrams whose handling threw',
      type: 'counter',
      labels,
      value: stats.failed,
    },
  ];
  for (const [reason, value] of Object.entries(stats.dropped)) {
    out.push({
      name: 'butlersos_udp_datagrams_dropped_total',
      help: 'UDP datagrams dropped before handling, by reason',
      type: 'counter',
      labels: { ...labels, reason },
      value,
    });
  }
  if (stats.kernelDrops !== undefined) {
    out.push({
      name: 'butlersos_udp_datagrams_dropped_total',
      help: 'UDP datagrams dropped before handling, by reason',
      type: 'counter',
      labels: { ...labels, reason: 'kernel_receive_buffer' },
      value: stats.kernelDrops,
    });
  }
  out.push(
    {
      name: 'butlersos_udp_queue_size',
      help: 'UDP datagrams waiting',
      type: 'gauge',
      labels,
      value: stats.queueSize,
    },
    {
      name: 'butlersos_udp_queue_peak',
      help: 'Most UDP datagrams ever waiting at once',
      type: 'gauge',
      labels,
      value: stats.queuePeak,
    },
    {
      name: 'butlersos_udp_receive_buffer_bytes',
      help: 'Socket receive buffer granted by the kernel',
      type: 'gauge',
      labels,
      value: stats.receiveBuffer.obtainedBytes,
    },
  );
  if (handler !== undefined) {
    out.push({
      name: 'butlersos_udp_events_forwarded_total',
      help: 'Events parsed and handed to the destinations',
      type: 'counter',
      labels,
      value: handler.emitted,
    });
    for (const [reason, value] of Object.entries(handler.rejected)) {
      out.push({
        name: 'butlersos_udp_events_rejected_total',
        help: 'Datagrams not forwarded as events, by reason (malformed, filtered, dropped by rule)',
        type: 'counter',
        labels: { ...labels, reason },
        value,
      });
    }
  }
  return out;
}
