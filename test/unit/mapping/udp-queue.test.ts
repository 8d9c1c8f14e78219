import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { p95, queueMetricsToInflux } from '../../../src/mapping/udp-queue.ts';
import type { UdpWindow } from '../../../src/udp/listener.ts';
import { UDP_DROPPED, UDP_STATS } from '../../support/udp-stats.ts';

const dropped = UDP_DROPPED;
const stats = UDP_STATS;
const window: UdpWindow = {
  received: 100,
  accepted: 94,
  processed: 94,
  failed: 0,
  dropped,
  droppedTotal: 10,
  processingTimesMs: [1, 5, 2, 4, 3],
};

describe('queue metrics → InfluxDB', () => {
  it('v1: upstream names, counters as floats, tags queue_type + host + config tags', () => {
    const p = queueMetricsToInflux(
      stats,
      window,
      1,
      {
        queueType: 'log_events',
        hostname: 'butler-host',
        tags: [{ name: 'qs_env', value: 'dev' }],
      },
      42,
    );
    assert.equal(p.measurement, 'log_events_queue');
    assert.deepEqual(p.tags, { queue_type: 'log_events', host: 'butler-host', qs_env: 'dev' });
    assert.equal(p.timeMs, 42);
    assert.deepEqual(p.fields.queue_size, { type: 'float', value: 5 });
    assert.deepEqual(
      p.fields.messages_dropped_total,
      { type: 'float', value: 6 },
      'size + rate limit + queue full',
    );
    assert.deepEqual(p.fields.processing_time_avg_ms, { type: 'float', value: 3 });
    assert.deepEqual(p.fields.processing_time_p95_ms, { type: 'float', value: 5 });
    assert.deepEqual(p.fields.processing_time_max_ms, { type: 'float', value: 5 });
    assert.deepEqual(p.fields.backpressure_active, { type: 'float', value: 1 });
    assert.equal(p.fields.queue_pending?.value, 2);
    assert.equal(p.fields.queue_running?.value, 2);
  });

  it('v2/v3: integers for counters, floats for percentages and times; configured name', () => {
    const p = queueMetricsToInflux(stats, window, 2, {
      queueType: 'user_events',
      hostname: 'h',
      measurementName: 'uq',
    });
    assert.equal(p.measurement, 'uq');
    assert.equal(p.fields.messages_received?.type, 'integer');
    assert.equal(p.fields.queue_utilization_pct?.type, 'float');
    assert.equal(
      queueMetricsToInflux(stats, window, 3, { queueType: 'user_events', hostname: 'h' }).measurement,
      'user_events_queue',
    );
  });

  it('p95 is the sorted element at ceil(0.95·n)−1', () => {
    assert.equal(p95([]), 0);
    assert.equal(p95(Array.from({ length: 100 }, (_, i) => 100 - i)), 95);
  });
});
